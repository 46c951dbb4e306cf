import json

import pytest
from django.core.management import call_command

from socialguard.consent import services
from socialguard.consent.models import ConsentChange
from socialguard.people.csvimport import CsvImportError
from socialguard.people.models import ImportJob

HEADER = "external_id,internal,print,website,social_media,press,restricted,biometric\n"


def run(*args):
    try:
        call_command(*args)
    except SystemExit as exit:
        return exit.code
    return 0


@pytest.mark.clause("IMG-1")
def test_it_imports_all_or_nothing_with_line_numbers(make_person):
    amy = make_person("pupil", external_id="P-1")
    content = (
        HEADER
        + "P-1,yes,yes,yes,yes,yes,no,no\nP-404,yes,no,no,no,no,no,no\nP-1,maybe,no,no,no,no,no,no\n"
    )
    with pytest.raises(CsvImportError) as caught:
        services.consent_import(content=content)
    found = {(e.line, e.column) for e in caught.value.errors}
    assert (3, "external_id") in found and (4, "internal") in found and (4, "external_id") in found
    assert not ConsentChange.objects.filter(person=amy).exists()


@pytest.mark.clause("IMG-1", "IMG-3")
def test_it_imports_consent_and_never_takes_a_child_off_the_restricted_list(make_person):
    amy = make_person("pupil", external_id="P-1")
    ben = make_person("pupil", external_id="P-2")
    teacher = make_person("staff", external_id="S-1")
    services.restricted_set(person=ben, restricted=True, reason="looked-after child")
    result = services.consent_import(
        content=HEADER
        + "P-1,yes,yes,no,yes,no,no,yes\nP-2,yes,yes,yes,yes,yes,no,no\nS-1,yes,yes,yes,yes,yes,no,yes\n"
    )
    assert result["rows"] == 3 and result["kept_restricted"] == 1
    assert services.statuses_for(["P-1"])["P-1"]["purposes"] == {
        "internal",
        "print",
        "social_media",
    }
    assert "P-2" in services.restricted_external_ids()
    assert services.consent_status(amy)["biometric"]["allowed"] is True
    assert services.consent_status(teacher)["biometric"]["allowed"] is True
    again = services.consent_import(content=HEADER + "P-1,yes,yes,no,yes,no,no,yes\n")
    assert again["changed"] == 0


@pytest.mark.clause("IMG-1")
def test_it_exits_0_or_2_from_the_command_line(make_person, tmp_path, capsys):
    make_person("pupil", external_id="P-1")
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "P-1,yes,no,no,no,no,no,no\n")
    assert run("import-consent", str(good), "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "P-1,yes,no,no,no,no,no,perhaps\n")
    assert run("import-consent", str(bad), "--format", "json") == 2
    out = json.loads(capsys.readouterr().out)
    assert out["errors"] == [
        {"line": 2, "column": "biometric", "message": "'perhaps' is not yes or no: use yes or no"}
    ]
    assert run("import-consent", str(tmp_path / "missing.csv")) == 2
    assert run("import-consent", str(bad)) == 2
    assert "line 2, column biometric" in capsys.readouterr().err


@pytest.mark.clause("IMG-1")
def test_it_imports_from_the_web_with_progress(client, signed_in, make_person):
    from django.core.files.uploadedfile import SimpleUploadedFile

    signed_in("dpl")
    make_person("pupil", external_id="P-1")
    upload = SimpleUploadedFile(
        "consent.csv", (HEADER + "P-1,yes,yes,yes,yes,yes,no,yes\n").encode()
    )
    response = client.post("/consent/import/", {"file": upload})
    job = ImportJob.objects.get(kind="consent")
    assert response.status_code == 302 and job.state == "done"
    page = client.get(f"/consent/import/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "Imported" in page and "100%" in page
    bad = SimpleUploadedFile("bad.csv", (HEADER + "P-9,yes,yes,yes,yes,yes,no,yes\n").encode())
    client.post("/consent/import/", {"file": bad})
    failed = ImportJob.objects.filter(kind="consent", state="failed").get()
    assert (
        "not in the people directory"
        in client.get(f"/consent/import/{failed.pk}/").content.decode()
    )


@pytest.mark.clause("IMG-1")
def test_it_refuses_a_short_row_instead_of_reading_missing_answers_as_no(make_person):
    amy = make_person("pupil", external_id="P-1")
    services.consent_import(content=HEADER + "P-1,yes,yes,yes,yes,yes,no,no\n")
    with pytest.raises(CsvImportError) as caught:
        services.consent_import(content=HEADER + "P-1,yes\nP-1,yes,yes,yes,yes,yes,no,no,extra\n")
    errors = [(e.line, e.column, e.message) for e in caught.value.errors]
    assert errors[0][:2] == (2, "print") and "no value for print, website" in errors[0][2]
    assert errors[1][0] == 3 and "more values than the header" in errors[1][2]
    # nothing was withdrawn: every purpose is still consented
    assert all(p["consented"] for p in services.consent_status(amy)["purposes"].values())
