import pytest
from django.core.management import call_command
from django.test import override_settings

from socialguard.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_pages_carry_strict_security_headers(client):
    response = client.get("/account/sign-in/")
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp
        and "frame-ancestors 'none'" in csp
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style_and_no_cdn(client, signed_in):
    signed_in("headteacher")
    for url in ("/", "/policy/", "/people/", "/audit/", "/account/tokens/"):
        html = client.get(url).content.decode()
        assert "<script>" not in html and " style=" not in html and "<style" not in html, url
        assert "https://" not in html.split("<body")[0], url


def test_a_missing_page_is_a_designed_404(client, signed_in):
    signed_in("staff")
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_a_forbidden_page_is_a_designed_403(client, signed_in):
    signed_in("staff")
    response = client.get("/audit/")
    assert response.status_code == 403
    assert b"govuk-template" in response.content


def test_user_content_is_escaped(client, signed_in, make_person):
    signed_in("headteacher")
    make_person("pupil", given_name="<script>alert(1)</script>")
    html = client.get("/people/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.clause("MON-2")
def test_viewing_a_person_record_is_audited(client, signed_in, make_person):
    user = signed_in("dsl")
    pupil = make_person("pupil")
    client.get(f"/people/{pupil.external_id}/")
    assert AuditEvent.objects.filter(
        action="view", object_type="people.person", object_id=str(pupil.pk), actor_id=user.pk
    ).exists()


def test_the_deploy_check_is_clean_with_production_settings(capsys):
    from django.conf import settings

    production = dict(
        DEBUG=False,
        SECURE_SSL_REDIRECT=True,
        SECURE_HSTS_SECONDS=31536000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_HSTS_PRELOAD=True,
        SESSION_COOKIE_SECURE=True,
        CSRF_COOKIE_SECURE=True,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
        PRODUCTION=True,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    assert len(settings.SECRET_KEY) >= 50
    with override_settings(**production):
        call_command("check", "--deploy", "--fail-level", "WARNING")


def test_the_openapi_document_is_served(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/people" in spec["paths"] and "/api/v1/policy" in spec["paths"]
