"""Lockout by username and address together, so an outsider cannot lock the DSL out at school;
the Headteacher and DPL can lift a lockout on a page or with `socialguard unlock`."""

import json

import pytest
from django.core.management import call_command
from django.test import Client

from socialguard.audit.models import AuditEvent
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
SCHOOL = "198.51.100.20"
ELSEWHERE = "203.0.113.77"
PASSWORD = "correct-horse-battery"


def _sign_in(client, username, password, address):
    return client.post(
        "/account/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _lock(username, address):
    attacker = Client()
    for _ in range(5):
        response = _sign_in(attacker, username, "wrong-guess", address)
    assert b"locked" in response.content


def test_failures_from_elsewhere_do_not_lock_the_dsl_out_at_school(make_user):
    make_user("dsl", username="dsl")
    _lock("dsl", ELSEWHERE)
    at_school = Client()
    response = _sign_in(at_school, "dsl", PASSWORD, SCHOOL)
    assert response.status_code == 302 and "_auth_user_id" in at_school.session
    # ...while the address that failed stays locked, even with the right password.
    again = _sign_in(Client(), "dsl", PASSWORD, ELSEWHERE)
    assert b"locked" in again.content


def test_one_address_failing_as_one_user_does_not_lock_colleagues(make_user):
    make_user("staff", username="teacher")
    make_user("staff", username="colleague")
    _lock("teacher", SCHOOL)
    colleague = Client()
    assert _sign_in(colleague, "colleague", PASSWORD, SCHOOL).status_code == 302


def test_the_headteacher_sees_and_lifts_a_lockout(client, make_user):
    make_user("staff", username="locked-teacher")
    _lock("locked-teacher", SCHOOL)
    head = make_user("headteacher")
    sign_in(client, head)
    page = client.get("/people/lockouts/").content.decode()
    assert "locked-teacher" in page
    assert "198.51.…" in page and SCHOOL not in page  # the network, not the address
    response = client.post("/people/lockouts/", {"username": "locked-teacher"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.unlocked")
    assert event.actor_id == head.pk and event.detail["username"] == "locked-teacher"
    assert _sign_in(Client(), "locked-teacher", PASSWORD, SCHOOL).status_code == 302


def test_unlocking_someone_not_locked_says_so(client, make_user):
    sign_in(client, make_user("dpl"))
    page = client.post("/people/lockouts/", {"username": "nobody"})
    assert page.status_code == 200 and b"is not locked out" in page.content
    assert not AuditEvent.objects.filter(action="auth.unlocked").exists()


@pytest.mark.parametrize("role", ["staff", "dsl", "deputy_dsl", "proprietor", "volunteer"])
def test_only_the_headteacher_and_dpl_may_unlock(client, make_user, role):
    make_user("staff", username="victim")
    _lock("victim", SCHOOL)
    sign_in(client, make_user(role))
    assert client.get("/people/lockouts/").status_code == 403
    assert client.post("/people/lockouts/", {"username": "victim"}).status_code == 403
    assert b"locked" in _sign_in(Client(), "victim", PASSWORD, SCHOOL).content


def test_the_unlock_command_follows_the_cli_contract(capsys, make_user):
    make_user("staff", username="locked-teacher")
    _lock("locked-teacher", ELSEWHERE)
    call_command("unlock", "locked-teacher", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert out["unlocked"] is True and out["username"] == "locked-teacher"
    event = AuditEvent.objects.get(action="auth.unlocked")
    assert event.actor_label == "command line" and event.detail["via"] == "command line"
    assert _sign_in(Client(), "locked-teacher", PASSWORD, ELSEWHERE).status_code == 302

    with pytest.raises(SystemExit) as nothing:
        call_command("unlock", "locked-teacher", "--format", "json")
    assert nothing.value.code == 1
    assert json.loads(capsys.readouterr().out)["unlocked"] is False

    with pytest.raises(SystemExit) as bad:
        call_command("unlock", "   ", "--format", "json")
    assert bad.value.code == 2
    assert json.loads(capsys.readouterr().out)["error"].startswith("username:")
