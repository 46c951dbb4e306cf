import pytest
from django.core.management import call_command

from socialguard.people.csvimport import CsvImportError
from socialguard.people.models import ImportJob, ParentOf, Person
from socialguard.people.services import people_import

pytestmark = pytest.mark.django_db
HEADER = "external_id,role,given_name,family_name,preferred_name,date_of_birth,upn,year_group,email,parent_of\n"
GOOD = HEADER + (
    "P1,pupil,Amy,Jones,,2014-05-12,Q801200110001,Year 7,,\n"
    "P2,pupil,Oliver,Smith,Olly,30/09/2014,,Year 7,,\n"
    "M1,parent,Karen,Jones,,,,,karen@example.org,P1\n"
    "S1,staff;parent,Ahmed,Khan,,,,,a.khan@school.example.org,P2\n"
    "T1,trainee_teacher,Owen,Hughes,,,,,,\n"
    "C1,contractor,Peter,Walsh,,,,,,\n"
    "V1,volunteer,Sandra,Lee,,,,,,\n"
    "G1,governor,Robert,Hall,,,,,,\n"
    "X1,ex_pupil,Ben,Carter,,,,,,\n"
)


@pytest.mark.clause("COV-3")
def test_it_imports_every_covered_role_and_relationships():
    result = people_import(content=GOOD)
    assert result == {"rows": 9, "created": 9, "updated": 0}
    khan = Person.objects.get(external_id="S1")
    assert set(khan.role_ids) == {"staff", "parent"}
    assert ParentOf.objects.filter(parent=khan, child__external_id="P2").exists()
    assert Person.objects.get(external_id="P2").date_of_birth.isoformat() == "2014-09-30"
    roles = {r for p in Person.objects.all() for r in p.role_ids}
    assert {
        "pupil",
        "parent",
        "staff",
        "trainee_teacher",
        "contractor",
        "volunteer",
        "governor",
        "ex_pupil",
    } <= roles


def test_it_is_idempotent_by_external_id():
    people_import(content=GOOD)
    again = people_import(content=GOOD.replace("Year 7,,\n", "Year 8,,\n", 1))
    assert again == {"rows": 9, "created": 0, "updated": 9}
    assert Person.objects.count() == 9
    assert Person.objects.get(external_id="P1").year_group == "Year 8"
    assert ParentOf.objects.count() == 2


def test_it_reports_every_bad_row_with_its_line_and_writes_nothing():
    bad = HEADER + (
        "P1,pupil,Amy,Jones,,2014-13-45,,Year 7,,\n"  # line 2: bad date
        "P2,wizard,Oliver,Smith,,,,,,\n"  # line 3: unknown role
        "P1,pupil,Chloe,Brown,,,,,,\n"  # line 4: duplicate id
        "M1,parent,Karen,Jones,,,,,karen@example.org,NOPE\n"  # line 5: dangling parent_of
        "P5,pupil,Noah,Taylor,,,A801200110002,,,\n"  # line 6: bad UPN check letter
        "P6,pupil,,Taylor,,,,,not-an-email,\n"  # line 7: missing name, bad email
    )
    with pytest.raises(CsvImportError) as err:
        people_import(content=bad)
    found = {(e.line, e.column) for e in err.value.errors}
    assert {
        (2, "date_of_birth"),
        (3, "role"),
        (4, "external_id"),
        (5, "parent_of"),
        (6, "upn"),
        (7, "given_name"),
        (7, "email"),
    } <= found
    messages = " ".join(e.message for e in err.value.errors)
    assert "unknown role 'wizard'" in messages and "duplicate id 'P1' (first on line 2)" in messages
    assert "check letter" in messages
    assert Person.objects.count() == 0


def test_it_rejects_a_file_without_the_columns():
    with pytest.raises(CsvImportError) as err:
        people_import(content="id,name\n1,Amy\n")
    assert err.value.errors[0].line == 1 and "missing column" in err.value.errors[0].message


def test_the_command_exits_2_with_line_numbers(tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "P1,pupil,Amy,Jones,,yesterday,,,,\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import-people", str(path), "--format", "json")
    assert exit_info.value.code == 2
    out = capsys.readouterr().out
    assert '"line": 2' in out and "date_of_birth" in out


def test_the_command_imports(tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text(GOOD)
    call_command("import-people", str(path))
    assert "Imported 9 rows: 9 new" in capsys.readouterr().out


def test_it_imports_from_the_web_with_progress_and_errors(client, signed_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    signed_in("headteacher")
    response = client.post(
        "/people/import/", {"file": SimpleUploadedFile("people.csv", GOOD.encode())}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/people/import/{job.pk}/"
    page = client.get(f"/people/import/{job.pk}/", HTTP_HX_REQUEST="true")
    assert job.__class__.objects.get().state == "done"
    assert b"9 rows: 9 new" in page.content and b'value="100"' in page.content

    bad = HEADER + "Q1,pupil,Amy,Jones,,31/02/2014,,,,\n"
    client.post("/people/import/", {"file": SimpleUploadedFile("bad.csv", bad.encode())})
    failed = ImportJob.objects.filter(state="failed").get()
    page = client.get(f"/people/import/{failed.pk}/")
    assert b"Nothing was imported" in page.content and b"date_of_birth" in page.content
    assert not Person.objects.filter(external_id="Q1").exists()


def test_the_web_import_refuses_a_file_that_is_not_csv(client, signed_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    signed_in("headteacher")
    response = client.post(
        "/people/import/", {"file": SimpleUploadedFile("people.xlsx", b"PK\x03\x04")}
    )
    assert response.status_code == 200
    assert b"must be a CSV file" in response.content
    assert ImportJob.objects.count() == 0
