import json

import pytest
from django.core.management import call_command

from socialguard.people.models import EncryptedTOTPDevice as TOTPDevice
from socialguard.people.models import Person
from socialguard.policy.pack import get_pack

pytestmark = pytest.mark.django_db


def test_load_demo_is_idempotent_and_names_every_role_holder(capsys):
    call_command("load-demo", "--format", "json")
    first = json.loads(capsys.readouterr().out)
    people = Person.objects.count()
    call_command("load-demo", "--format", "json")
    assert Person.objects.count() == people
    for holder in get_pack().role_holders:
        person = Person.objects.get(external_id=holder.external_id)
        assert holder.role in person.role_ids and person.user is not None
    usernames = {row["username"] for row in first["accounts"]}
    assert {
        "head",
        "dsl",
        "deputy",
        "dpl",
        "wilson",
        "mbah",
        "proprietor",
        "webadmin",
        "teacher",
    } <= usernames
    two_factor = {row["username"] for row in first["accounts"] if row["two_factor"]}
    assert two_factor == {"head", "dsl", "deputy", "dpl", "proprietor"}
    assert TOTPDevice.objects.filter(user__username="head", confirmed=True).count() == 1


@pytest.mark.clause("PERS-13")
def test_the_demo_has_a_member_of_staff_who_is_also_a_parent():
    call_command("load-demo", "--format", "json")
    khan = Person.objects.get(external_id="STAFF-011")
    assert {"staff", "parent"} <= set(khan.role_ids)
    assert khan.children_links.exists()


def test_demo_code_prints_a_current_code(capsys):
    call_command("load-demo", "--format", "json")
    capsys.readouterr()
    call_command("demo-code", "head")
    assert capsys.readouterr().out.strip().isdigit()


def test_policy_trace_lists_clauses_code_and_tests(capsys):
    call_command("policy-trace", "--format", "json")
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(get_pack().clauses)
    assert "socialguard.people.services:people_import" in rows["COV-3"]["code"]
    assert any("test_it_covers_an_unknown_platform" in t for t in rows["COV-1"]["tests"])
    assert rows["COV-1"]["kind"] == "E"
    # a mark naming several clauses counts for each of them
    withdrawn = "test_takedown.py::test_it_lists_photos_for_takedown_when_consent_is_withdrawn"
    assert any(t.endswith(withdrawn) for t in rows["IMG-1"]["tests"])
    assert any(t.endswith(withdrawn) for t in rows["IMG-3"]["tests"])


def test_policy_trace_text_lists_unproven_clauses(capsys):
    call_command("policy-trace")
    out = capsys.readouterr().out
    assert "clauses are named by a test" in out


def test_the_demo_shows_the_head_who_has_and_has_not_acknowledged_the_policy():
    from socialguard.policy.services import acknowledgement_status, policy_version_current

    call_command("load-demo", "--format", "json")
    call_command("load-demo", "--format", "json")  # acknowledging again changes nothing
    rows = acknowledgement_status(policy_version_current())
    done = {r["user"].username for r in rows if r["acknowledged_at"]}
    assert done == {"dsl", "deputy", "dpl", "wilson", "mbah", "green"}
    assert {"head", "teacher", "khan"} <= {r["user"].username for r in rows} - done
