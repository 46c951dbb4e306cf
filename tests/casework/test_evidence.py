import base64
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from socialguard.audit.models import AuditEvent
from socialguard.casework import vault
from socialguard.casework.models import Evidence, EvidenceKey
from tests.casework.test_report import png_bytes
from tests.conftest import sign_in

EML = b"From: troll@example.com\r\nTo: teacher@school.example\r\nSubject: you\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nAbuse.\r\n"


def upload(client, case, content, name="shot.png", **overrides):
    f = io.BytesIO(content)
    f.name = name
    data = {
        "kind": "screenshot",
        "may_be_indecent": "no",
        "file": f,
        "captured_at": "2026-03-02T10:00",
        "site_address": "https://facebook.example/post/9",
        "description": "",
    }
    data.update(overrides)
    return client.post(reverse("casework:evidence_add", args=[case.reference]), data)


@pytest.fixture
def handled(client, school, report):
    case = report()
    sign_in(client, school["dsl"])
    return case


@pytest.mark.clause("SLT-3")
def test_it_encrypts_evidence_at_rest_and_downloads_it_as_an_attachment(client, handled):
    content = png_bytes("blue")
    assert upload(client, handled, content).status_code == 302
    evidence = Evidence.objects.get()
    stored = (Path(settings.DATA_DIR) / "evidence" / evidence.storage_name).read_bytes()
    assert content not in stored and evidence.sha256 == vault.sha256_hex(content)
    assert "evidence" not in str(settings.STATIC_ROOT)
    response = client.get(
        reverse("casework:evidence_download", args=[handled.reference, evidence.reference])
    )
    assert response.content == content
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    actions = list(evidence.custody.values_list("action", flat=True))
    assert actions == ["uploaded", "downloaded"]
    assert AuditEvent.objects.filter(
        action="evidence.downloaded", object_id=str(evidence.pk)
    ).exists()


@pytest.mark.clause("CB-6")
def test_it_requires_capture_time_and_site_address_for_evidence(client, handled):
    response = upload(client, handled, png_bytes(), captured_at="", site_address="")
    page = response.content.decode()
    assert response.status_code == 400 and "captured" in page and "web address" in page
    assert not Evidence.objects.exists()


@pytest.mark.clause("SLT-3")
@pytest.mark.parametrize(
    "content, name, expected",
    [
        (EML, "mail.eml", "message/rfc822"),
        (b"<!DOCTYPE html><html><body>post</body></html>", "page.html", "text/html"),
        (
            b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x--",
            "page.mhtml",
            "multipart/related",
        ),
        (b"%PDF-1.4\n1 0 obj\n%%EOF\n", "doc.pdf", "application/pdf"),
        (b"plain notes", "notes.txt", "text/plain"),
    ],
)
def test_it_accepts_emails_web_pages_pdfs_and_text_by_their_content(
    client, handled, content, name, expected
):
    assert upload(client, handled, content, name=name).status_code == 302
    assert Evidence.objects.get().content_type == expected


@pytest.mark.clause("SLT-3")
@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)), "not accepted"),
        (png_bytes()[:40], "damaged"),
        (b"%PDF-1.4 truncated", "damaged"),
    ],
)
def test_it_refuses_unknown_types_and_corrupt_files(client, handled, content, message):
    before = set((Path(settings.DATA_DIR) / "evidence").glob("*"))
    response = upload(client, handled, content)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Evidence.objects.exists()
    assert set((Path(settings.DATA_DIR) / "evidence").glob("*")) == before


@pytest.mark.clause("SLT-3")
def test_it_refuses_an_oversized_upload(client, handled):
    with override_settings(UPLOAD_MAX_BYTES=1000):
        response = upload(client, handled, b"a" * 2000, name="big.txt")
    assert (
        response.status_code == 400
        and "too large: upload a file smaller than 1000 bytes" in response.content.decode()
    )
    assert not Evidence.objects.exists()


@pytest.mark.clause("SLT-3")
def test_it_refuses_any_change_or_deletion_of_evidence(client, handled):
    upload(client, handled, png_bytes())
    evidence = Evidence.objects.get()
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - the database refuses
        Evidence.objects.filter(pk=evidence.pk).update(sha256="0" * 64)
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017
        Evidence.objects.filter(pk=evidence.pk).delete()
    assert Evidence.objects.get().sha256 == evidence.sha256


@pytest.mark.clause("SLT-3")
def test_it_reverifies_integrity_on_read_and_with_the_command(client, handled, capsys):
    upload(client, handled, png_bytes())
    evidence = Evidence.objects.get()
    call_command("verify-evidence", "--format", "json")
    assert json.loads(capsys.readouterr().out)["intact"] is True
    path = Path(settings.DATA_DIR) / "evidence" / evidence.storage_name
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    response = client.get(
        reverse("casework:evidence_download", args=[handled.reference, evidence.reference])
    )
    assert response.status_code == 410 and "integrity" in response.content.decode()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify-evidence", "--format", "json")
    assert exit_info.value.code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["intact"] is False and report["mismatches"][0]["evidence"] == str(
        evidence.reference
    )
    assert evidence.custody.filter(action="integrity_failed").exists()


@pytest.mark.clause("SLT-3")
def test_it_logs_phone_calls(client, handled):
    client.post(
        reverse("casework:evidence_phone_call", args=[handled.reference]),
        {
            "call_at": "2026-03-02T11:00",
            "who": "Parent of pupil",
            "summary": "Threatened to post more",
        },
    )
    call = Evidence.objects.get(kind="phone_call")
    assert (call.phone_who, call.phone_summary) == ("Parent of pupil", "Threatened to post more")
    response = client.post(
        reverse("casework:evidence_phone_call", args=[handled.reference]), {"who": "x"}
    )
    assert response.status_code == 400 and "Summarise the call" in response.content.decode()


def test_it_gives_404_for_another_cases_evidence(client, school, report, handled):
    other = report(what_happened="Other")
    upload(client, other, png_bytes())
    evidence = Evidence.objects.get()
    assert (
        client.get(
            reverse("casework:evidence_download", args=[handled.reference, evidence.reference])
        ).status_code
        == 404
    )


@pytest.mark.clause("SLT-3")
def test_it_adds_evidence_through_the_api(client, handled):
    payload = {
        "content_base64": base64.b64encode(EML).decode(),
        "filename": "m.eml",
        "kind": "email",
        "captured_at": "2026-03-02T10:00:00Z",
        "site_address": "troll@example.com",
        "may_be_indecent": False,
    }
    response = client.post(
        f"/api/v1/cases/{handled.reference}/evidence", payload, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["sha256"] == vault.sha256_hex(EML)
    bad = client.post(
        f"/api/v1/cases/{handled.reference}/evidence",
        {**payload, "content_base64": "@@"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert EvidenceKey.objects.count() == 1
