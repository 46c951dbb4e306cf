import pytest
from django.core import mail

from socialguard.consent import services
from socialguard.consent.models import TakedownNeeded

ALL_YES = dict.fromkeys(services.PURPOSES, True)


@pytest.fixture
def amy(family, enrolled, make_person):
    child, mum, dad = family(given_name="Amy")
    make_person("social_media_officer", email="officer@school.example.org")
    services.consent_record(person=child, answers=ALL_YES, given_by=mum, method="paper_form")
    enrolled(child, "amy", mum)
    return child, mum, dad


@pytest.mark.clause("IMG-1", "IMG-3")
def test_it_lists_photos_for_takedown_when_consent_is_withdrawn(
    amy, django_capture_on_commit_callbacks
):
    child, mum, _ = amy
    result = services.check_photo_for_purpose(data=b"photo:amy,stranger", purpose="website")
    assert result["faces"][0]["external_id"] == child.external_id
    with django_capture_on_commit_callbacks(execute=True):
        services.consent_withdraw(person=child, purpose="website", given_by=mum, method="email")
    takedown = TakedownNeeded.objects.get(person=child)
    assert takedown.purposes == ["website"] and takedown.done_at is None
    assert len(takedown.photos) == 1 and takedown.photos[0]["purposes"] == ["website"]
    assert mail.outbox and "taken down" in mail.outbox[-1].subject
    assert child.full_name not in mail.outbox[-1].body


@pytest.mark.clause("IMG-3")
def test_it_lists_photos_for_takedown_when_a_child_is_restricted(amy):
    child, _, _ = amy
    services.check_photo_for_purpose(data=b"photo:amy", purpose="print")
    services.restricted_set(person=child, restricted=True, reason="court order")
    assert TakedownNeeded.objects.get(person=child).reason == "Added to the restricted list"


def test_it_raises_nothing_when_no_photo_is_known(amy):
    child, mum, _ = amy
    services.consent_withdraw(person=child, purpose="press", given_by=mum, method="email")
    assert not TakedownNeeded.objects.exists()


@pytest.mark.clause("IMG-3", "PRIN-h")
def test_it_shows_officers_the_takedown_until_it_is_done(client, signed_in, amy):
    child, mum, _ = amy
    services.check_photo_for_purpose(data=b"photo:amy", purpose="website")
    services.consent_withdraw(person=child, purpose="website", given_by=mum, method="email")
    takedown = TakedownNeeded.objects.get()
    signed_in("social_media_officer")
    assert "Photos to take down" in client.get("/").content.decode()
    response = client.post(f"/consent/takedowns/{takedown.pk}/", {"note": ""})
    assert "Say what was taken down" in response.content.decode()
    response = client.post(
        f"/consent/takedowns/{takedown.pk}/", {"note": "Removed from the website gallery"}
    )
    assert response.status_code == 302
    takedown.refresh_from_db()
    assert takedown.done_at is not None
    assert "Photos to take down" not in client.get("/").content.decode()


def test_it_asks_publishing_for_the_items_showing_the_child(amy, monkeypatch):
    from socialguard.publishing import services as publishing

    asked = {}
    monkeypatch.setattr(
        publishing, "items_showing", lambda external_id: ["Sports day post"], raising=False
    )
    monkeypatch.setattr(
        publishing, "takedown_request", lambda **kwargs: asked.update(kwargs), raising=False
    )
    child, mum, _ = amy
    services.consent_withdraw(person=child, purpose="website", given_by=mum, method="email")
    takedown = TakedownNeeded.objects.get()
    assert takedown.published_items == [{"id": "Sports day post", "title": "Sports day post"}]
    assert asked["external_id"] == child.external_id
