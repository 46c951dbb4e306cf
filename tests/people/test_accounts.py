import pytest
from django.core import mail
from django_otp.oath import totp

from socialguard.audit.models import AuditEvent
from socialguard.people.models import EncryptedTOTPDevice as TOTPDevice
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_passwords_are_hashed_with_argon2(make_user):
    user = make_user("staff")
    assert user.password.startswith("argon2$")


def test_it_signs_in_and_records_it(client, make_user):
    user = make_user("staff", username="teacher1")
    response = client.post(
        "/account/sign-in/", {"username": "teacher1", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.sign_in", actor_id=user.pk).exists()


def test_it_locks_an_account_after_five_failures(client, make_user):
    make_user("staff", username="teacher2")
    for _ in range(5):
        response = client.post("/account/sign-in/", {"username": "teacher2", "password": "wrong"})
    assert response.status_code in (403, 429)
    assert b"locked" in response.content
    response = client.post(
        "/account/sign-in/", {"username": "teacher2", "password": "correct-horse-battery"}
    )
    assert b"locked" in response.content
    assert not client.get("/").status_code == 200 or "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() >= 5


@pytest.mark.parametrize("role", ["headteacher", "dsl", "deputy_dsl", "dpl", "proprietor"])
def test_it_requires_two_factor_for_roles_that_see_safeguarding_records(client, make_user, role):
    user = make_user(role, username=f"lead-{role}")
    client.post(
        "/account/sign-in/", {"username": user.username, "password": "correct-horse-battery"}
    )
    response = client.get("/policy/")
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/account/two-factor/", {"code": _code(device), "next": "/policy/"})
    assert response.status_code == 302 and response["Location"] == "/policy/"
    assert client.get("/policy/").status_code == 200


def test_a_teacher_needs_no_second_factor(client, make_user):
    make_user("staff", username="teacher3")
    client.post("/account/sign-in/", {"username": "teacher3", "password": "correct-horse-battery"})
    assert client.get("/policy/").status_code == 200


def test_it_enrols_a_new_authenticator_by_qr_code(client, make_user):
    user = make_user("dsl", username="newdsl")
    TOTPDevice.objects.filter(user=user).delete()
    client.force_login(user)
    page = client.get("/account/two-factor/")
    assert b"<svg" in page.content and b"Set up your authenticator app" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    bad = client.post("/account/two-factor/", {"code": "000000"})
    assert b"That code is not right" in bad.content
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    client.post("/account/two-factor/", {"code": _code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/people/").status_code == 200


def test_it_signs_out(client, make_user):
    sign_in(client, make_user("staff"))
    client.post("/account/sign-out/")
    assert client.get("/").status_code == 302


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 3600 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_api_tokens_are_hashed_shown_once_and_revocable(client, make_user):
    user = make_user("dsl")
    sign_in(client, user)
    page = client.post("/account/tokens/", {"name": "MIS sync", "scope_people": "read"})
    raw = page.context["new_token"]
    assert raw.startswith("sg_")
    token = user.api_tokens.get()
    assert raw not in token.token_hash and len(token.token_hash) == 64
    api = client.__class__()
    ok = api.get("/api/v1/people", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert ok.status_code == 200
    client.post(f"/account/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/people", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert len(mail.outbox) == 0


def test_an_account_made_without_a_password_cannot_be_signed_into(client, make_person):
    from socialguard.people.services import account_create

    person = make_person("staff", email="nopass@school.example")
    user = account_create(person=person, username="nopass")
    user.refresh_from_db()
    assert not user.has_usable_password()
    response = client.post("/account/sign-in/", {"username": "nopass", "password": ""})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
