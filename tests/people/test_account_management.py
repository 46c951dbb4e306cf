"""Giving staff their sign-ins: invite by email, switch off and on, reset the password or the
authenticator, unlock, and invite everyone an import brought in. Who may is the pack's
`accounts.managed_by` (and `granted_by` for the safeguarding roles); no one manages their own."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp

from socialguard.audit.models import AuditEvent
from socialguard.people import accounts
from socialguard.people.account_rules import username_candidates, validate_account_management
from socialguard.people.models import AccountLink, ApiToken, EncryptedTOTPDevice, ImportJob
from socialguard.people.services import api_token_create, people_import
from tests.conftest import sign_in
from tests.people.test_lockout import _lock

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://\S+/account/welcome/([^/\s]+)/")
GOOD_PASSWORD = "a long walk by the river"


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _token(message=None) -> str:
    return LINK.search((message or mail.outbox[-1]).body).group(1)


def _audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("action", "object_id", "detail")))


@pytest.fixture
def head(make_user):
    return make_user("headteacher", username="head")


@pytest.fixture
def teacher(make_person):
    return make_person(
        "staff", given_name="Anna", family_name="Price", email="a.price@school.example.org"
    )


def _invite(teacher, head):
    result = accounts.account_invite(person=teacher, actor=head)
    teacher.refresh_from_db()
    return result


def _accept(client, token, password=GOOD_PASSWORD, **extra):
    opened = client.get(f"/account/welcome/{token}/")
    assert opened.status_code == 302 and opened["Location"] == "/account/welcome/"
    return client.post(
        "/account/welcome/", {"new_password1": password, "new_password2": password, **extra}
    )


# ---------------------------------------------------------------- service


def test_it_invites_a_teacher_by_email_with_a_username_and_a_one_time_link(head, teacher):
    result = _invite(teacher, head)
    assert result["username"] == "a.price"
    user = teacher.user
    assert user.username == "a.price" and not user.has_usable_password()
    message = mail.outbox[-1]
    assert message.to == ["a.price@school.example.org"]
    assert "a.price" in message.body and "http://127.0.0.1:8000/account/welcome/" in message.body
    raw = _token(message)
    link = AccountLink.objects.get(user=user)
    assert link.token_hash == AccountLink.hash_token(raw) and raw not in link.token_hash
    event = AuditEvent.objects.get(action="account.invited")
    assert event.actor_id == head.pk and event.object_id == str(teacher.pk)
    assert raw not in _audit_text()


def test_usernames_are_unique(head, make_person):
    names = {"given_name": "Sam", "family_name": "Hill"}
    people = [make_person("staff", email=f"sam@{n}.example.org", **names) for n in "abc"]
    usernames = [accounts.account_invite(person=p, actor=head)["username"] for p in people]
    assert usernames == ["sam", "sam.hill", "sam2"]
    assert list(username_candidates(email="", given_name="Jo", family_name="De Souza"))[0] == (
        "jo.de.souza"
    )


@pytest.mark.parametrize(
    "roles, fields, field",
    [
        (("staff",), {"email": ""}, "email"),
        (("pupil",), {"email": "kid@example.org"}, "role"),
        (("parent",), {"email": "mum@example.org"}, "role"),
    ],
)
def test_it_refuses_who_cannot_be_invited(head, make_person, roles, fields, field):
    person = make_person(*roles, **fields)
    with pytest.raises(accounts.AccountRefused) as refused:
        accounts.account_invite(person=person, actor=head)
    assert refused.value.field == field
    assert not get_user_model().objects.filter(person=person).exists()
    assert not mail.outbox


def test_it_refuses_to_invite_someone_who_already_has_a_sign_in(head, teacher):
    _invite(teacher, head)
    with pytest.raises(accounts.AccountRefused) as refused:
        accounts.account_invite(person=teacher, actor=head)
    assert refused.value.field == "account" and "already has a sign-in" in refused.value.message


def test_the_dpl_may_invite_a_teacher_but_not_manage_a_safeguarding_lead(
    make_user, make_person, teacher
):
    dpl = make_user("dpl")
    _invite(teacher, dpl)
    dsl = make_person("dsl", email="dsl@school.example.org")
    headteacher = make_user("headteacher")
    with pytest.raises(accounts.AccountRefused, match="only the Headteacher or Proprietor"):
        accounts.account_invite(person=dsl, actor=dpl)
    with pytest.raises(accounts.AccountRefused, match="Headteacher"):
        accounts.account_set_active(person=headteacher.person, active=False, actor=dpl)
    headteacher.refresh_from_db()
    assert headteacher.is_active


def test_no_one_manages_their_own_sign_in(head):
    for action, extra in [
        (accounts.account_set_active, {"active": False}),
        (accounts.account_password_reset, {}),
        (accounts.account_two_factor_reset, {}),
    ]:
        with pytest.raises(accounts.AccountRefused, match="their own sign-in"):
            action(person=head.person, actor=head, **extra)
    head.refresh_from_db()
    assert head.is_active and head.has_usable_password()


def test_a_manager_role_is_read_from_the_pack(settings, make_user, teacher):
    from pathlib import Path

    settings.POLICY_PACK = str(Path(__file__).parents[1] / "fixtures" / "oakfield-primary.toml")
    dpl = make_user("dpl")  # Oakfield lets only its Headteacher manage sign-ins
    with pytest.raises(accounts.AccountRefused, match="only the Headteacher may manage"):
        accounts.account_invite(person=teacher, actor=dpl)
    assert accounts.account_invite(person=teacher, actor=make_user("headteacher"))["invited"]
    link = AccountLink.objects.get(user__person=teacher)
    assert timedelta(hours=47) < link.expires_at - timezone.now() <= timedelta(hours=48)


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"managed_by": []}, "accounts.managed_by: must be a non-empty list"),
        ({"managed_by": ["head"]}, "accounts.managed_by[0]: unknown role 'head'"),
        ({"managed_by": ["pupil"]}, "accounts.managed_by[0]: 'pupil' cannot sign in"),
        ({"link_hours": 0}, "accounts.link_hours: must be a whole number"),
        ({"link_hours": "72"}, "accounts.link_hours: must be a whole number"),
    ],
)
def test_the_pack_keys_are_checked(change, problem):
    from socialguard.policy.pack import get_pack

    data = dict(get_pack().data)
    data["accounts"] = {**data["accounts"], **change}
    problems = validate_account_management(data)
    assert any(p.startswith(problem) for p in problems), problems


# ---------------------------------------------------------------- the link


def test_a_teacher_chooses_a_password_and_is_signed_in(client, head, teacher):
    _invite(teacher, head)
    raw = _token()
    weak = _accept(client, raw, password="password")
    assert weak.status_code == 200 and "This password is too common" in weak.content.decode()
    assert "_auth_user_id" not in client.session
    response = client.post(
        "/account/welcome/", {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    teacher.user.refresh_from_db()
    assert teacher.user.check_password(GOOD_PASSWORD)
    assert AuditEvent.objects.filter(
        action="account.password_set", actor_id=teacher.user_id
    ).exists()


def test_a_link_works_once(client, head, teacher):
    _invite(teacher, head)
    raw = _token()
    _accept(client, raw)
    again = Client().get(f"/account/welcome/{raw}/")
    assert again.status_code == 200 and b"This link no longer works" in again.content
    # The page without a link in the session says the same, never a 4xx or a 500.
    fresh = Client().post("/account/welcome/", {"new_password1": "x", "new_password2": "x"})
    assert fresh.status_code == 200 and b"This link no longer works" in fresh.content


def test_an_expired_or_replaced_link_does_not_work(client, head, teacher):
    _invite(teacher, head)
    first = _token()
    accounts.account_password_reset(person=teacher, actor=head)
    second = _token()
    assert first != second
    assert b"no longer works" in client.get(f"/account/welcome/{first}/").content
    AccountLink.objects.filter(token_hash=AccountLink.hash_token(second)).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert b"no longer works" in client.get(f"/account/welcome/{second}/").content


def test_a_link_opened_and_then_replaced_cannot_be_finished(client, head, teacher):
    _invite(teacher, head)
    raw = _token()
    client.get(f"/account/welcome/{raw}/")
    accounts.account_password_reset(person=teacher, actor=head)
    response = client.post(
        "/account/welcome/", {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}
    )
    assert response.status_code == 200 and b"no longer works" in response.content
    assert "_auth_user_id" not in client.session


def test_a_safeguarding_lead_is_not_signed_in_without_setting_up_two_factor(
    client, head, make_person
):
    dsl = make_person(
        "dsl", given_name="Helen", family_name="Carter", email="h.carter@school.example.org"
    )
    accounts.account_invite(person=dsl, actor=head)
    assert "authenticator app" in mail.outbox[-1].body
    raw = _token()
    no_code = _accept(client, raw)
    assert no_code.status_code == 200 and b"QR code" in no_code.content
    assert "_auth_user_id" not in client.session
    wrong = client.post(
        "/account/welcome/",
        {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD, "code": "000000"},
    )
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    dsl.refresh_from_db()
    assert not dsl.user.has_usable_password()
    device = EncryptedTOTPDevice.objects.get(user=dsl.user)
    device.throttle_reset()
    right = client.post(
        "/account/welcome/",
        {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD, "code": _code(device)},
    )
    assert right.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/people/").status_code == 200  # verified: no detour to two-factor


def test_the_token_is_never_logged_or_audited(client, head, teacher, caplog):
    caplog.set_level("DEBUG")
    _invite(teacher, head)
    raw = _token()
    _accept(client, raw)
    Client().get(f"/account/welcome/{raw}/")  # used: answered 200, so not logged as a 4xx
    assert raw not in caplog.text
    assert raw not in _audit_text()


# ---------------------------------------------------------------- switch off, reset, unlock


def test_switching_off_ends_sessions_and_tokens_and_switching_on_restores(make_user, head):
    user = make_user("staff", username="leaver")
    token, raw = api_token_create(user=user, name="script", two_factor_verified=True)
    theirs = sign_in(Client(), user)
    assert theirs.get("/").status_code == 200
    accounts.account_set_active(person=user.person, active=False, actor=head)
    assert theirs.get("/").status_code == 302  # signed out
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = Client().post(
        "/account/sign-in/", {"username": "leaver", "password": "correct-horse-battery"}
    )
    unknown = Client().post("/account/sign-in/", {"username": "nobody-at-all", "password": "x"})
    assert refused.status_code == 200 and b"switched off" in refused.content
    # The same words as for a username that does not exist: nothing to learn from the page.
    assert refused.context["form"].errors == unknown.context["form"].errors
    assert AuditEvent.objects.filter(action="account.disabled", actor_id=head.pk).exists()
    assert "switched off" in mail.outbox[-1].subject
    accounts.account_set_active(person=user.person, active=True, actor=head)
    back = Client().post(
        "/account/sign-in/", {"username": "leaver", "password": "correct-horse-battery"}
    )
    assert back.status_code == 302
    assert AuditEvent.objects.filter(action="account.enabled").exists()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None  # old tokens stay dead


def test_a_password_reset_stops_the_old_password_at_once(client, make_user, head):
    user = make_user("staff", username="forgetful", email="forgetful@school.example.org")
    accounts.account_password_reset(person=user.person, actor=head)
    old = Client().post(
        "/account/sign-in/", {"username": "forgetful", "password": "correct-horse-battery"}
    )
    assert old.status_code == 200
    assert "Your password has been reset" in mail.outbox[-1].subject
    assert AuditEvent.objects.filter(action="account.password_reset", actor_id=head.pk).exists()
    assert _accept(client, _token()).status_code == 302


def test_resetting_two_factor_makes_them_set_it_up_again(client, make_user, head):
    dsl = make_user("dsl", username="new-phone")
    accounts.account_two_factor_reset(person=dsl.person, actor=head)
    assert not EncryptedTOTPDevice.objects.filter(user=dsl).exists()
    client.post("/account/sign-in/", {"username": "new-phone", "password": "correct-horse-battery"})
    page = client.get("/account/two-factor/")
    assert b"Set up your authenticator app" in page.content
    assert client.get("/people/").status_code == 302
    assert AuditEvent.objects.filter(action="account.2fa_reset", actor_id=head.pk).exists()


# ---------------------------------------------------------------- pages


def test_the_headteacher_manages_a_sign_in_from_the_persons_page(client, head, teacher):
    sign_in(client, head)
    page = client.get(f"/people/{teacher.external_id}/").content.decode()
    assert f"/people/{teacher.external_id}/sign-in/" in page
    response = client.post(f"/people/{teacher.external_id}/sign-in/", {"action": "invite"})
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.user is not None
    page = client.get(f"/people/{teacher.external_id}/sign-in/").content.decode()
    assert "Invited, not signed in yet" in page and "Send a new sign-in link" in page
    again = client.post(f"/people/{teacher.external_id}/sign-in/", {"action": "invite"})
    assert again.status_code == 409 and "already has a sign-in" in again.content.decode()
    assert (
        client.post(f"/people/{teacher.external_id}/sign-in/", {"action": "drop"}).status_code
        == 200
    )


def test_the_page_unlocks_a_locked_out_teacher(client, head, make_user):
    locked = make_user("staff", username="locked")
    _lock("locked", "198.51.100.20")
    sign_in(client, head)
    page = client.get(f"/people/{locked.person.external_id}/sign-in/").content.decode()
    assert "Locked out" in page
    response = client.post(f"/people/{locked.person.external_id}/sign-in/", {"action": "unlock"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.unlocked", actor_id=head.pk).exists()


@pytest.mark.parametrize("role", ["staff", "dsl", "deputy_dsl", "proprietor"])
def test_a_non_manager_posting_to_switch_off_is_refused(client, make_user, teacher, head, role):
    _invite(teacher, head)
    sign_in(client, make_user(role))
    response = client.post(f"/people/{teacher.external_id}/sign-in/", {"action": "disable"})
    assert response.status_code == 403
    teacher.user.refresh_from_db()
    assert teacher.user.is_active


def test_the_dpl_cannot_switch_the_headteacher_off_from_the_page(client, make_user, head):
    sign_in(client, make_user("dpl"))
    page = client.get(f"/people/{head.person.external_id}/sign-in/")
    assert page.status_code == 200 and b"You cannot change this sign-in" in page.content
    response = client.post(f"/people/{head.person.external_id}/sign-in/", {"action": "disable"})
    assert response.status_code == 403
    head.refresh_from_db()
    assert head.is_active


def test_the_dsl_sees_no_manage_link(client, make_user, teacher):
    sign_in(client, make_user("dsl"))
    page = client.get(f"/people/{teacher.external_id}/").content.decode()
    assert "/sign-in/" not in page


def test_bulk_invite_after_an_import(client, head, make_person):
    make_person("staff", email="old@school.example.org", external_id="OLD-1")
    csv = (
        "external_id,role,given_name,family_name,preferred_name,date_of_birth,upn,year_group,email,parent_of\n"
        "NEW-1,staff,Ben,Hale,,,,,b.hale@school.example.org,\n"
        "NEW-2,staff,Cara,Moss,,,,,c.moss@school.example.org,\n"
        "NEW-3,staff,Dev,Noor,,,,,,\n"
        "NEW-4,pupil,Eve,Park,,,,7,eve@example.org,\n"
        "NEW-5,dsl,Fay,Lowe,,,,,f.lowe@school.example.org,\n"
    )
    people_import(content=csv, actor=head)
    job = ImportJob.objects.create(
        kind="people", started_by=head, filename="staff.csv", content=csv, state="done"
    )
    sign_in(client, head)
    progress = client.get(f"/people/import/{job.pk}/").content.decode()
    assert "Invite the 3 staff without a sign-in" in progress
    response = client.post(f"/people/import/{job.pk}/invite/")
    assert response.status_code == 302
    invited = set(get_user_model().objects.values_list("username", flat=True))
    assert {"b.hale", "c.moss", "f.lowe"} <= invited
    assert AuditEvent.objects.filter(action="account.invited").count() == 3
    assert "Invite the" not in client.get(f"/people/import/{job.pk}/").content.decode()


def test_the_dpl_bulk_invite_leaves_out_the_safeguarding_leads(client, make_user, head):
    csv = (
        "external_id,role,given_name,family_name,preferred_name,date_of_birth,upn,year_group,email,parent_of\n"
        "NEW-1,staff,Ben,Hale,,,,,b.hale@school.example.org,\n"
        "NEW-5,dsl,Fay,Lowe,,,,,f.lowe@school.example.org,\n"
    )
    people_import(content=csv, actor=head)
    dpl = make_user("dpl")
    job = ImportJob.objects.create(
        kind="people", started_by=dpl, filename="staff.csv", content=csv, state="done"
    )
    sign_in(client, dpl)
    page = client.get(f"/people/import/{job.pk}/invite/").content.decode()
    assert "Fay Lowe" in page and "Not invited by you" in page
    client.post(f"/people/import/{job.pk}/invite/")
    assert list(AccountLink.objects.values_list("user__username", flat=True)) == ["b.hale"]


# ---------------------------------------------------------------- command line


def _run(capsys, *args):
    try:
        call_command(*args, "--format", "json")
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(capsys.readouterr().out)


def test_the_commands_follow_the_cli_contract(capsys, make_user, make_person, teacher, head):
    code, out = _run(capsys, "account-invite", teacher.external_id)
    assert code == 0 and out == {
        "ok": True,
        "external_id": teacher.external_id,
        "username": "a.price",
        "invited": True,
    }
    assert AuditEvent.objects.get(action="account.invited").actor_label == "command line"
    code, out = _run(capsys, "account-invite", teacher.external_id)
    assert code == 1 and out["field"] == "account"
    code, out = _run(capsys, "account-invite", "NOBODY")
    assert code == 2 and out["field"] == "external_id"
    no_email = make_person("staff", email="")
    assert _run(capsys, "account-invite", no_email.external_id)[0] == 1
    code, out = _run(capsys, "account-disable", teacher.external_id, "--as", "nobody")
    assert code == 2 and out["field"] == "--as"
    make_user("staff", username="plain-teacher")
    code, out = _run(capsys, "account-disable", teacher.external_id, "--as", "plain-teacher")
    assert code == 1 and "may manage sign-ins" in out["error"]
    code, out = _run(capsys, "account-disable", teacher.external_id, "--as", "head")
    assert code == 0 and out["active"] is False
    assert AuditEvent.objects.get(action="account.disabled").actor_id == head.pk
    code, out = _run(capsys, "account-disable", teacher.external_id, "--enable")
    assert code == 0 and out["active"] is True
    dsl = make_user("dsl")
    code, out = _run(capsys, "account-reset-2fa", dsl.person.external_id, "--as", "head")
    assert code == 0 and out["devices"] == 1
    code, out = _run(capsys, "account-reset-password", dsl.person.external_id)
    assert code == 0 and out["reset"] is True


def test_a_refusal_is_one_line_without_a_traceback(capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("account-invite", "NOBODY")
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() == "external_id: no one with the id 'NOBODY'"


def test_a_tampered_link_or_one_for_a_switched_off_sign_in_does_not_work(client, head, teacher):
    _invite(teacher, head)
    raw = _token()
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    assert b"no longer works" in client.get(f"/account/welcome/{tampered}/").content
    accounts.account_set_active(person=teacher, active=False, actor=head)
    assert b"no longer works" in client.get(f"/account/welcome/{raw}/").content


def test_the_page_offers_what_fits_the_sign_in(client, head, make_user):
    dsl = make_user("dsl", email="dsl@school.example.org")
    sign_in(client, head)
    url = f"/people/{dsl.person.external_id}/sign-in/"
    page = client.get(url).content.decode()
    assert "Reset authenticator app" in page and "Reset password" in page
    client.post(url, {"action": "disable"})
    page = client.get(url).content.decode()
    assert "Switched off" in page and "Switch sign-in back on" in page
    assert "Reset password" not in page
    pupil = make_user("pupil")
    page = client.get(f"/people/{pupil.person.external_id}/").content.decode()
    assert "/sign-in/" in page  # a pupil who somehow has a sign-in can still be switched off
