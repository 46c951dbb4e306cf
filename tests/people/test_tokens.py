"""Personal API tokens: an expiry, a scope per area, a last-used time, revoked with the
credentials they were made under, and only made after two-factor sign-in for roles that need it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from socialguard.audit.models import AuditEvent
from socialguard.people.models import ApiToken, EncryptedTOTPDevice
from socialguard.people.services import api_areas, api_token_create
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _token(user, **kwargs):
    kwargs.setdefault("two_factor_verified", True)
    return api_token_create(user=user, name="script", **kwargs)


def _get(raw, path="/api/v1/people"):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_areas_are_the_api_path_prefixes():
    assert set(api_areas()) == {
        "people",
        "policy",
        "cases",
        "publishing",
        "checks",
        "consent",
        "contact",
        "declarations",
    }


def test_a_token_lasts_90_days_or_30_for_the_safeguarding_roles(make_user):
    teacher_token, _ = _token(make_user("staff"))
    dsl_token, _ = _token(make_user("dsl"))
    now = timezone.now()
    assert timedelta(days=89) < teacher_token.expires_at - now <= timedelta(days=90)
    assert timedelta(days=29) < dsl_token.expires_at - now <= timedelta(days=30)
    with pytest.raises(ValueError, match="days: a token for your role lasts from 1 to 30 days"):
        _token(make_user("headteacher"), days=31)


def test_the_page_refuses_a_longer_life_than_the_role_allows(client, make_user):
    sign_in(client, make_user("dpl"))
    page = client.post("/account/tokens/", {"name": "x", "days": "60", "scope_people": "read"})
    assert page.context["new_token"] is None
    assert b"lasts at most 30 days" in page.content
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_refused_saying_so(make_user):
    token, raw = _token(make_user("dsl"))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = _get(raw)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("token: expired on")
    assert AuditEvent.objects.filter(action="api_token.refused", detail__reason="expired").exists()


def test_an_unknown_or_revoked_token_is_refused_saying_so(client, make_user):
    user = make_user("dsl")
    token, raw = _token(user)
    assert _get("sg_not-a-real-token").json()["detail"].startswith("token: not known")
    sign_in(client, user)
    client.post(f"/account/tokens/{token.pk}/revoke/")
    response = _get(raw)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_a_token_outside_its_scope_is_refused(make_user):
    _, raw = _token(make_user("dsl"), scope={"people": "read"})
    assert _get(raw).status_code == 200
    response = _get(raw, "/api/v1/policy")
    assert response.status_code == 403
    assert response.json()["detail"] == "token: its scope does not include the area 'policy'"


def test_a_read_only_token_may_not_change_anything(make_user):
    user = make_user("staff")
    _, read_only = _token(user, scope={"policy": "read"})
    _, read_write = _token(user, scope={"policy": "write"})
    assert _get(read_only, "/api/v1/policy").status_code == 200
    refused = Client().post(
        "/api/v1/policy/acknowledge",
        data="{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {read_only}",
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "token: read-only for 'policy', so it may not POST"
    allowed = Client().post(
        "/api/v1/policy/acknowledge",
        data="{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {read_write}",
    )
    assert allowed.status_code not in (401, 403)


def test_the_scope_is_chosen_on_the_page_and_shown_with_last_use(client, make_user):
    user = make_user("staff")
    sign_in(client, user)
    page = client.post(
        "/account/tokens/", {"name": "MIS sync", "days": "10", "scope_policy": "write"}
    )
    raw = page.context["new_token"]
    token = ApiToken.objects.get(user=user)
    assert token.scope == {"policy": "write"}
    assert timedelta(days=9) < token.expires_at - timezone.now() <= timedelta(days=10)
    assert b"Never" in client.get("/account/tokens/").content
    _get(raw, "/api/v1/policy")
    token.refresh_from_db()
    assert token.last_used_at is not None
    page = client.get("/account/tokens/").content.decode()
    assert timezone.localtime(token.last_used_at).strftime("%-d %b %Y") in page
    assert "policy: read and write" in page


def test_the_page_needs_at_least_one_area(client, make_user):
    sign_in(client, make_user("staff"))
    page = client.post("/account/tokens/", {"name": "x"})
    assert b"Choose at least one area" in page.content
    assert not ApiToken.objects.exists()


def test_an_unknown_scope_is_refused_naming_it(make_user):
    with pytest.raises(ValueError, match="scope: unknown area 'evidence'"):
        _token(make_user("staff"), scope={"evidence": "read"})
    with pytest.raises(ValueError, match="scope.people: must be 'read' or 'write'"):
        _token(make_user("staff"), scope={"people": "admin"})


def _live(user):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()


def test_a_password_change_revokes_every_token(make_user):
    user = make_user("staff")
    _token(user)
    _token(user)
    user.set_password("a-new-long-password")
    user.save()
    assert _live(user) == 0
    assert set(ApiToken.objects.values_list("revoked_reason", flat=True)) == {"password changed"}


def test_signing_in_again_does_not_revoke_tokens(client, make_user):
    user = make_user("staff", username="keeps")
    _token(user)
    client.post("/account/sign-in/", {"username": "keeps", "password": "correct-horse-battery"})
    assert _live(user) == 1


def test_switching_an_account_off_revokes_its_tokens(make_user):
    user = make_user("staff")
    _, raw = _token(user)
    user.is_active = False
    user.save()
    assert _live(user) == 0
    assert _get(raw).status_code == 401


def test_a_new_or_removed_authenticator_revokes_tokens(make_user):
    user = make_user("dsl")
    _token(user)
    EncryptedTOTPDevice.objects.filter(user=user).get().delete()
    assert _live(user) == 0
    _token(user)
    device = EncryptedTOTPDevice.objects.create(user=user, name="new phone", confirmed=False)
    assert _live(user) == 1  # not yet confirmed: still the old credentials
    device.confirmed = True
    device.save()
    assert _live(user) == 0


def test_using_the_authenticator_does_not_revoke_tokens(make_user):
    user = make_user("dsl")
    _token(user)
    device = EncryptedTOTPDevice.objects.get(user=user)
    assert device.verify_token(device.current_code())
    assert _live(user) == 1


def test_making_a_token_needs_two_factor_for_roles_that_need_it(client, make_user):
    dsl = make_user("dsl")
    with pytest.raises(PermissionError, match="two-factor"):
        api_token_create(user=dsl, name="x", two_factor_verified=False)
    with pytest.raises(PermissionError, match="two-factor"):  # "not known" is not a yes
        api_token_create(user=dsl, name="x", two_factor_verified=None)
    with pytest.raises(TypeError):  # every caller must say; there is no silent default
        api_token_create(user=dsl, name="x")
    client.force_login(dsl)  # password only, no second factor yet
    response = client.post("/account/tokens/", {"name": "x", "scope_people": "read"})
    assert response.status_code == 302 and "/account/two-factor/" in response["Location"]
    assert not ApiToken.objects.exists()
    teacher = make_user("staff")
    token, _ = api_token_create(user=teacher, name="x", two_factor_verified=False)
    assert token.pk
