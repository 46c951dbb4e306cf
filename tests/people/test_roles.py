"""Role changes are privileged: no import (web, command line), service or API call lets anyone
give or take away a role the pack keeps for others, and no one changes their own roles."""

import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from socialguard.audit.models import AuditEvent
from socialguard.people.csvimport import CsvImportError
from socialguard.people.models import ImportJob, Person
from socialguard.people.rules import validate_account_rules
from socialguard.people.services import api_token_create, people_import, person_roles_set
from socialguard.policy.pack import get_pack
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
HEADER = "external_id,role,given_name,family_name,preferred_name,date_of_birth,upn,year_group,email,parent_of\n"


def _row(person, roles: str, email="") -> str:
    return f"{person.external_id},{roles},{person.given_name},{person.family_name},,,,,{email},\n"


def _web_import(client, content: str) -> ImportJob:
    client.post("/people/import/", {"file": SimpleUploadedFile("people.csv", content.encode())})
    return ImportJob.objects.order_by("-pk").first()


def _roles(person) -> set[str]:
    return set(Person.objects.get(pk=person.pk).role_ids)


def test_the_dpl_cannot_give_herself_headteacher_and_dsl_by_web_import(client, make_user):
    dpl = make_user("dpl", "staff")
    sign_in(client, dpl)
    job = _web_import(client, HEADER + _row(dpl.person, "headteacher;dsl;dpl;staff"))
    assert job.state == "failed"
    messages = [e["message"] for e in job.errors]
    assert {e["line"] for e in job.errors} == {2}
    assert any("'headteacher'" in m and "their own roles" in m for m in messages)
    assert any("'dsl'" in m for m in messages)
    assert _roles(dpl.person) == {"dpl", "staff"}
    assert not AuditEvent.objects.filter(action="people.roles_changed").exists()
    page = client.get(f"/people/import/{job.pk}/")
    assert b"Nothing was imported" in page.content and b"their own roles" in page.content


def test_the_dpl_cannot_give_or_take_away_safeguarding_roles_of_others(client, make_user):
    dpl = make_user("dpl", "staff")
    head = make_user("headteacher", "staff")
    teacher = make_user("staff")
    sign_in(client, dpl)
    job = _web_import(
        client,
        HEADER + _row(head.person, "staff") + _row(teacher.person, "staff;dsl"),
    )
    assert job.state == "failed"
    by_line = {e["line"]: e["message"] for e in job.errors}
    assert "take away the role 'headteacher'" in by_line[2]
    assert "only the Headteacher or Proprietor may change this role" in by_line[2]
    assert "give the role 'dsl'" in by_line[3]
    assert _roles(head.person) == {"headteacher", "staff"}
    assert _roles(teacher.person) == {"staff"}


def test_the_whole_file_is_refused_and_every_bad_row_named(make_user):
    dpl = make_user("dpl", "staff")
    a, b, c = make_user("staff"), make_user("staff"), make_user("staff")
    content = (
        HEADER
        + _row(a.person, "staff;line_manager")  # allowed on its own
        + _row(b.person, "staff;deputy_dsl")
        + _row(c.person, "proprietor")
    )
    with pytest.raises(CsvImportError) as err:
        people_import(content=content, actor=dpl)
    assert {(e.line, e.column) for e in err.value.errors} == {(3, "role"), (4, "role")}
    assert "'deputy_dsl'" in str(err.value) and "'proprietor'" in str(err.value)
    assert _roles(a.person) == {"staff"}  # nothing half-written


def test_the_pack_role_holders_are_no_way_round(make_user):
    """The import keeps each pack holder's roles; creating the pack's DSL by that merge is a grant."""
    dpl = make_user("dpl", "staff")
    holder = get_pack().holders_of("dsl")[0]
    content = (
        HEADER + f"{holder.external_id},staff,{holder.given_name},{holder.family_name},,,,,,\n"
    )
    with pytest.raises(CsvImportError) as err:
        people_import(content=content, actor=dpl)
    assert "give the role 'dsl'" in str(err.value)
    assert not Person.objects.filter(external_id=holder.external_id).exists()


@pytest.mark.parametrize("grantor", ["headteacher", "proprietor"])
def test_the_headteacher_or_proprietor_may_change_safeguarding_roles(make_user, grantor):
    actor = make_user(grantor)
    teacher = make_user("staff", email="new.dsl@school.example.org")
    mail.outbox.clear()
    people_import(
        content=HEADER + _row(teacher.person, "staff;dsl", email="new.dsl@school.example.org"),
        actor=actor,
    )
    assert _roles(teacher.person) == {"staff", "dsl"}
    event = AuditEvent.objects.get(action="people.roles_changed")
    assert event.actor_id == actor.pk
    assert event.object_id == str(teacher.person.pk)
    assert event.detail["before"] == ["staff"] and event.detail["after"] == ["dsl", "staff"]
    assert [m.to for m in mail.outbox] == [["new.dsl@school.example.org"]]
    assert "Designated Safeguarding Lead" in mail.outbox[0].body


def test_the_headteacher_cannot_change_his_own_roles_either(make_user):
    head = make_user("headteacher", "staff")
    with pytest.raises(CsvImportError) as err:
        people_import(content=HEADER + _row(head.person, "headteacher"), actor=head)
    assert "take away the role 'staff'" in str(err.value) and "own roles" in str(err.value)


def test_the_dpl_may_change_roles_the_pack_leaves_open_and_it_is_audited(make_user):
    dpl = make_user("dpl")
    teacher = make_user("staff")
    people_import(content=HEADER + _row(teacher.person, "staff;line_manager"), actor=dpl)
    assert _roles(teacher.person) == {"staff", "line_manager"}
    event = AuditEvent.objects.get(action="people.roles_changed")
    assert event.detail["before"] == ["staff"] and event.detail["after"] == [
        "line_manager",
        "staff",
    ]
    assert event.actor_id == dpl.pk


def test_an_unchanged_row_about_oneself_is_not_a_role_change(make_user):
    dpl = make_user("dpl", "staff")
    people_import(content=HEADER + _row(dpl.person, "dpl;staff"), actor=dpl)
    assert not AuditEvent.objects.filter(action="people.roles_changed").exists()


def test_the_role_service_applies_the_same_rule(make_user):
    dpl = make_user("dpl")
    head = make_user("headteacher")
    teacher = make_user("staff")
    with pytest.raises(ValueError, match="only the Headteacher or Proprietor"):
        person_roles_set(person=teacher.person, roles={"staff", "dsl"}, actor=dpl)
    with pytest.raises(ValueError, match="own roles"):
        person_roles_set(person=dpl.person, roles={"dpl", "headteacher"}, actor=dpl)
    person_roles_set(person=teacher.person, roles={"staff", "dsl"}, actor=head)
    assert _roles(teacher.person) == {"staff", "dsl"}
    assert AuditEvent.objects.filter(action="people.roles_changed", actor_id=head.pk).exists()


class TestCommandLine:
    def _run(self, tmp_path, content, *extra):
        path = tmp_path / "people.csv"
        path.write_text(content)
        call_command("import-people", str(path), "--format", "json", *extra)

    def test_without_as_it_refuses_safeguarding_roles_and_says_how(
        self, tmp_path, capsys, make_user
    ):
        teacher = make_user("staff")
        with pytest.raises(SystemExit) as exit_info:
            self._run(tmp_path, HEADER + _row(teacher.person, "staff;headteacher"))
        assert exit_info.value.code == 1  # a refusal, not bad input (DESIGN.md's CLI contract)
        out = json.loads(capsys.readouterr().out)
        assert out["errors"][0]["line"] == 2 and "'headteacher'" in out["errors"][0]["message"]
        assert "--as USERNAME" in out["errors"][0]["message"]
        assert _roles(teacher.person) == {"staff"}

    def test_without_as_it_imports_other_roles_audited_as_the_command_line(
        self, tmp_path, capsys, make_user
    ):
        teacher = make_user("staff")
        self._run(tmp_path, HEADER + _row(teacher.person, "staff;line_manager"))
        event = AuditEvent.objects.get(action="people.roles_changed")
        assert event.actor_label == "command line" and event.detail["via"] == "command line"

    def test_as_the_headteacher_it_grants_and_names_him(self, tmp_path, capsys, make_user):
        make_user("headteacher", username="head")
        teacher = make_user("staff")
        self._run(tmp_path, HEADER + _row(teacher.person, "staff;dsl"), "--as", "head")
        assert _roles(teacher.person) == {"staff", "dsl"}
        event = AuditEvent.objects.get(action="people.roles_changed")
        assert event.actor_label == "head"

    def test_as_the_dpl_it_refuses_her_own_row(self, tmp_path, capsys, make_user):
        dpl = make_user("dpl", username="dpl")
        with pytest.raises(SystemExit) as exit_info:
            self._run(tmp_path, HEADER + _row(dpl.person, "dpl;headteacher;dsl"), "--as", "dpl")
        assert exit_info.value.code == 1
        assert "own roles" in capsys.readouterr().out
        assert _roles(dpl.person) == {"dpl"}

    def test_a_bad_row_beside_a_refused_one_is_bad_input(self, tmp_path, capsys, make_user):
        teacher = make_user("staff")
        content = HEADER + _row(teacher.person, "staff;dsl") + "X1,wizard,A,B,,,,,,\n"
        with pytest.raises(SystemExit) as exit_info:
            self._run(tmp_path, content)
        assert exit_info.value.code == 2
        lines = {e["line"] for e in json.loads(capsys.readouterr().out)["errors"]}
        assert lines == {2, 3}

    def test_as_an_unknown_account_is_bad_input(self, tmp_path, capsys, make_user):
        teacher = make_user("staff")
        with pytest.raises(SystemExit) as exit_info:
            self._run(tmp_path, HEADER + _row(teacher.person, "staff"), "--as", "nobody")
        assert exit_info.value.code == 2
        assert "no active account 'nobody'" in capsys.readouterr().out


def test_the_api_has_no_way_to_change_roles(client, make_user):
    dpl = make_user("dpl")
    _, raw = api_token_create(
        user=dpl, name="x", scope={"people": "write"}, two_factor_verified=True
    )
    teacher = make_user("staff")
    for method in ("post", "put", "patch"):
        response = getattr(client, method)(
            f"/api/v1/people/{teacher.person.external_id}",
            data=json.dumps({"roles": ["headteacher"]}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
        assert response.status_code in (404, 405)
    assert _roles(teacher.person) == {"staff"}


def _accounts_pack(**accounts) -> dict:
    return {
        "roles": {
            "headteacher": {"label": "Head", "account": True, "safeguarding": True},
            "dsl": {"label": "DSL", "account": True, "safeguarding": True},
            "pupil": {"label": "Pupil"},
        },
        "accounts": accounts,
    }


@pytest.mark.parametrize(
    "accounts, expected",
    [
        (
            {
                "token_days": 90,
                "safeguarding_token_days": 30,
                "granted_by": {"headteacher": ["headteacher"]},
            },
            "accounts.granted_by.dsl: missing",
        ),
        (
            {
                "token_days": 90,
                "safeguarding_token_days": 30,
                "granted_by": {"headteacher": ["headteacher"], "dsl": ["dls"]},
            },
            "accounts.granted_by.dsl[0]: unknown role 'dls'",
        ),
        (
            {
                "token_days": 90,
                "safeguarding_token_days": 30,
                "granted_by": {"headteacher": ["pupil"], "dsl": ["headteacher"]},
            },
            "accounts.granted_by.headteacher[0]: 'pupil' cannot sign in",
        ),
        (
            {
                "token_days": 30,
                "safeguarding_token_days": 90,
                "granted_by": {"headteacher": ["headteacher"], "dsl": ["headteacher"]},
            },
            "accounts.safeguarding_token_days: must not be longer than token_days",
        ),
        (
            {
                "token_days": "90",
                "safeguarding_token_days": 30,
                "granted_by": {"headteacher": ["headteacher"], "dsl": ["headteacher"]},
            },
            "accounts.token_days: must be a whole number",
        ),
    ],
)
def test_the_pack_accounts_table_is_checked_naming_the_key(accounts, expected):
    problems = validate_account_rules(_accounts_pack(**accounts))
    assert any(p.startswith(expected) for p in problems), problems


def test_a_pack_without_accounts_is_refused():
    assert validate_account_rules({"roles": {}}) == [
        "accounts: missing table (token_days, safeguarding_token_days, granted_by)"
    ]
