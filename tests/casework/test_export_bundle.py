"""The case report, bundle and redacted copy for the police, the LADO and parents (issue 10 item 8)."""

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from socialguard import clock
from socialguard.audit.models import AuditEvent
from socialguard.casework import export, services
from socialguard.casework.models import CustodyEvent
from tests.conftest import sign_in


def _pango_works() -> bool:
    try:
        import weasyprint

        return weasyprint.HTML(string="<p>x</p>").write_pdf().startswith(b"%PDF")
    except Exception:  # OSError when the system's Pango is missing
        return False


needs_pango = pytest.mark.skipif(not _pango_works(), reason="WeasyPrint needs the system's Pango")


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def case(school, report, make_person):
    victim = make_person("pupil", given_name="Amelia", family_name="Brookes")
    bully = make_person("pupil", given_name="Tobias", family_name="Wrenfield")
    made = report(what_happened="Tobias Wrenfield posted cruel comments about Amelia.")
    services.case_party_add(
        case=made, user=school["dsl"], part="victim", person=victim, kind="pupil"
    )
    services.case_party_add(
        case=made, user=school["dsl"], part="alleged_perpetrator", person=bully, kind="pupil"
    )
    services.case_note_add(case=made, user=school["dsl"], text="Spoke to Tobias Wrenfield's tutor.")
    services.evidence_add_file(
        case=made,
        user=school["dsl"],
        upload=services.Upload(
            content=_png(),
            name="post.png",
            site_address="https://fb.example/p/9",
            captured_at=clock.now() - timedelta(hours=1),
        ),
    )
    made.victim, made.bully = victim, bully
    return made


def test_it_renders_school_reporter_names_roles_custody_and_page_numbers(school, case):
    context = export.report_context(case, school["dsl"])
    from django.template.loader import render_to_string

    html = render_to_string("casework/export.html", context)
    assert "Church Lane, Southfield" in html and "01632 960 123" in html  # school contact (pack)
    assert "Helen Carter" in html and "dsl@stmartins.example.org" in html  # the DSL (pack)
    assert school["teacher"].person.full_name in html  # the reporter, by name
    assert case.created_at.strftime("%Y") in html
    assert "Amelia Brookes" in html and "Tobias Wrenfield" in html
    assert 'counter(page) " of " counter(pages)' in html and case.reference in html
    assert "uploaded" in html and "https://fb.example/p/9" in html  # custody and source
    # people by name and role, not username: the note's author is the DSL by name
    assert f"{school['dsl'].person.full_name}, Designated Safeguarding Lead" in html


@needs_pango
def test_it_downloads_the_pdf_as_an_audited_attachment(client, school, case):
    sign_in(client, school["dsl"])
    response = client.get(reverse("casework:case_export", args=[case.reference]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="case.exported", object_id=str(case.pk)).exists()


@needs_pango
def test_it_bundles_the_pdf_decrypted_evidence_and_a_manifest_with_matching_hashes(
    client, school, case
):
    sign_in(client, school["dsl"])
    response = client.post(reverse("casework:case_bundle", args=[case.reference]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    digest = hashlib.sha256(body).hexdigest()
    assert response["X-Bundle-SHA256"] == digest
    with zipfile.ZipFile(io.BytesIO(body)) as bundle:
        names = set(bundle.namelist())
        assert {f"{case.reference}.pdf", "manifest.json", "manifest.txt", "manifest.csv"} <= names
        manifest = json.loads(bundle.read("manifest.json"))
        (entry,) = manifest["evidence"]
        content = bundle.read(entry["file_in_bundle"])
    assert content == _png() and hashlib.sha256(content).hexdigest() == entry["sha256"]
    assert entry["url_or_sender"] == "https://fb.example/p/9"
    assert CustodyEvent.objects.filter(evidence__case=case, action="exported").count() == 1
    event = AuditEvent.objects.get(action="case.bundle_exported", object_id=str(case.pk))
    assert event.detail["sha256"] == digest
    page = client.get(reverse("casework:case_bundle", args=[case.reference])).content.decode()
    assert digest in page  # the bundle's own SHA-256 is shown
    detail = client.get(reverse("casework:case_detail", args=[case.reference])).content.decode()
    assert "Chain of custody" in detail and "exported" in detail


@needs_pango
def test_the_redacted_bundle_has_no_third_party_names_and_no_evidence_files(school, case, tmp_path):
    subject = case.parties.get(person=case.victim)
    target = tmp_path / "redacted.zip"
    export.case_bundle(case, school["dsl"], target, redacted=True, subject=subject)
    with zipfile.ZipFile(target) as bundle:
        assert not [n for n in bundle.namelist() if n.startswith("evidence/")]
        manifest = bundle.read("manifest.json").decode()
        assert "no evidence files" in manifest
    context = export.report_context(case, school["dsl"], redacted=True, subject=subject)
    from django.template.loader import render_to_string

    html = render_to_string("casework/export.html", context)
    assert "Tobias" not in html and "Wrenfield" not in html
    assert "Pupil A" in html and "Amelia Brookes" in html
    assert "Pupil A posted cruel comments" in html


def test_people_named_in_the_case_and_other_roles_cannot_export(client, school, case, make_user):
    sign_in(client, school["deputy_dsl"])
    assert client.post(reverse("casework:case_bundle", args=[case.reference])).status_code == 403
    named = make_user("dsl", username="named_dsl")
    services.case_party_add(
        case=case, user=school["headteacher"], part="witness", person=named.person
    )
    sign_in(client, named)
    assert client.post(reverse("casework:case_bundle", args=[case.reference])).status_code in {
        403,
        404,
    }
    assert client.get(reverse("casework:case_export", args=[case.reference])).status_code in {
        403,
        404,
    }


def _cli(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_case_show_applies_need_to_know_and_exit_codes(school, case):
    code, out, _ = _cli("case-show", case.reference, "--as", "dsl", "--format", "json")
    data = json.loads(out)
    assert (
        code == 0
        and {"name": "Amelia Brookes", "role": "Pupil", "part": "Person affected (victim)"}
        in data["people"]
    )
    assert AuditEvent.objects.filter(action="case.viewed", object_id=str(case.pk)).exists()
    code, _, err = _cli("case-show", "SG-NOPE", "--as", "dsl")
    assert code == 1 and "REF" in err and "Traceback" not in err
    assert _cli("case-show", case.reference, "--as", "teacher")[0] == 1
    assert _cli("case-show", case.reference, "--as", "nobody")[0] == 2


@needs_pango
def test_case_export_writes_files_prints_hashes_and_refuses_existing_paths(school, case, tmp_path):
    bundle = tmp_path / "b.zip"
    code, out, _ = _cli("case-export", case.reference, "--as", "dsl", "--bundle", str(bundle))
    assert code == 0 and hashlib.sha256(bundle.read_bytes()).hexdigest() in out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sg-export-")]
    code, _, err = _cli("case-export", case.reference, "--as", "dsl", "--bundle", str(bundle))
    assert code == 2 and "--bundle" in err and "already exists" in err
    assert (
        _cli("case-export", case.reference, "--as", "deputy_dsl", "--pdf", str(tmp_path / "x.pdf"))[
            0
        ]
        == 1
    )
    code, out, _ = _cli(
        "case-export", case.reference, "--as", "dsl", "--pdf", str(tmp_path / "r.pdf"), "--redacted"
    )
    assert code == 0 and (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.clause("PRIN-a")
def test_the_redacted_copy_hides_possible_matches_the_reporter_and_names_in_file_names(
    school, report, make_person, tmp_path
):
    from django.template.loader import render_to_string

    victim = make_person("pupil", given_name="Amelia", family_name="Brookes")
    bully = make_person("pupil", given_name="Tobias", family_name="Wrenfield")
    make_person("pupil", given_name="Quentin", family_name="Marchbanks")  # typed, never picked
    case = report(
        what_happened="Tobias Wrenfield posted about Amelia. Quentin Marchbanks shared it."
    )
    dsl = school["dsl"]
    services.case_party_add(case=case, user=dsl, part="victim", person=victim, kind="pupil")
    subject = case.parties.get(person=victim)
    services.case_party_add(
        case=case, user=dsl, part="alleged_perpetrator", person=bully, kind="pupil"
    )
    services.evidence_add_file(
        case=case,
        user=dsl,
        upload=services.Upload(
            content=_png(),
            name="Tobias_Wrenfield_post.png",
            description="Screenshot Quentin Marchbanks sent",
            site_address="https://fb.example/p/9",
            captured_at=clock.now() - timedelta(hours=1),
        ),
    )
    reporter = school["teacher"].person
    html = render_to_string(
        "casework/export.html", export.report_context(case, dsl, redacted=True, subject=subject)
    )
    target = tmp_path / "redacted.zip"
    export.case_bundle(case, dsl, target, redacted=True, subject=subject)
    with zipfile.ZipFile(target) as bundle:
        texts = [
            bundle.read(n).decode()
            for n in bundle.namelist()
            if n.endswith((".json", ".txt", ".csv"))
        ]
    for text in [html, *texts]:
        for name in ("Tobias", "Wrenfield", "Quentin", "Marchbanks", reporter.family_name):
            assert name not in text, name
    assert "Amelia" in html  # the person the family asks about keeps her name
