import pytest
from django.core import mail

from socialguard.policy.models import Acknowledgement
from socialguard.policy.services import policy_version_current

pytestmark = pytest.mark.django_db


@pytest.mark.clause("MON-1")
def test_it_shows_the_policy_section_by_section_with_clause_ids(client, signed_in):
    signed_in("staff")
    page = client.get("/policy/")
    text = page.content.decode()
    assert "ex parvis magna fiunt" in text
    assert "All school systems may be monitored" in text
    assert 'id="clause-SLT-5"' in text and 'id="clause-MON-1"' in text
    assert text.index('id="monitoring"') < text.index('id="parents"')


@pytest.mark.clause("AIM-1")
def test_it_records_an_acknowledgement_with_time_and_version(client, signed_in):
    user = signed_in("staff")
    assert "Read and acknowledge" in client.get("/").content.decode()
    version = policy_version_current()
    response = client.post(
        "/policy/acknowledge/", {"version": version.content_hash, "confirm": "yes"}
    )
    assert response.status_code == 302
    ack = Acknowledgement.objects.get(user=user)
    assert ack.version_hash == version.content_hash and ack.acknowledged_at is not None
    assert "Read and acknowledge" not in client.get("/").content.decode()


def test_it_refuses_an_acknowledgement_without_the_tick_or_of_an_old_version(client, signed_in):
    signed_in("staff")
    version = policy_version_current()
    client.post("/policy/acknowledge/", {"version": version.content_hash})
    client.post("/policy/acknowledge/", {"version": "0" * 64, "confirm": "yes"})
    assert Acknowledgement.objects.count() == 0


def test_the_headteacher_sees_who_has_not_acknowledged_and_reminds_them(
    client, signed_in, make_user
):
    signed_in("headteacher")
    done = make_user("staff", given_name="Done")
    make_user("staff", given_name="Pending", email="pending@school.example.org")
    version = policy_version_current()
    Acknowledgement.objects.create(
        user=done,
        version=version,
        version_hash=version.content_hash,
        acknowledged_at="2026-11-01T10:00Z",
    )
    page = client.get("/policy/acknowledgements/").content.decode()
    assert "Not yet" in page and "1 Nov 2026" in page
    client.post(f"/policy/acknowledgements/{version.pk}/remind/")
    recipients = {r for m in mail.outbox for r in m.to}
    assert "pending@school.example.org" in recipients
    assert done.email not in recipients


def test_the_api_gives_the_policy_and_takes_an_acknowledgement(client, signed_in):
    signed_in("staff")
    body = client.get("/api/v1/policy").json()
    assert body["acknowledged"] is False and any(c["id"] == "SLT-5" for c in body["clauses"])
    bad = client.post(
        "/api/v1/policy/acknowledge", {"version": "nope"}, content_type="application/json"
    )
    # A version no longer (or never) in force is a conflict with the current one: 409.
    assert bad.status_code == 409 and "not the current policy version" in bad.json()["detail"]
    ok = client.post(
        "/api/v1/policy/acknowledge", {"version": body["version"]}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["version"] == body["version"]
