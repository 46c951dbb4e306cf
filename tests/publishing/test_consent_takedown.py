"""A takedown raised by the consent app (consent withdrawn, or a child put on the restricted list)
is only "done" once the posts showing the child are down where the consent says they must be."""

import pytest
from django.utils import timezone

from socialguard import clock
from socialguard.consent import services as consent
from socialguard.consent.models import TakedownNeeded
from socialguard.publishing import services
from socialguard.publishing.models import ArchiveItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(author, officer, website, png):
    draft = services.draft_save(
        author=author.person,
        title="Sports day",
        text="Our sports day was a great success.",
        account_ids=[website.pk],
        new_images=[services.NewImage("race.png", png())],
    )
    services.draft_submit(draft=draft, author=author.person)
    services.draft_approve(draft=draft, user=officer)
    return ArchiveItem.objects.get()


def _takedown(item, purposes):
    return TakedownNeeded.objects.create(
        person=item.drafted_by,
        reason="Consent withdrawn",
        purposes=purposes,
        published_items=[{"id": item.pk, "title": str(item)}],
        created_at=clock.now(),
    )


@pytest.mark.clause("IMG-3")
def test_it_refuses_to_mark_a_takedown_done_while_the_post_is_still_published(
    published, officer, client
):
    takedown = _takedown(published, ["website"])
    client.force_login(officer)
    page = client.get(f"/consent/takedowns/{takedown.pk}/").content.decode()
    assert f"/publishing/archive/{published.pk}/" in page and "Still published" in page
    response = client.post(f"/consent/takedowns/{takedown.pk}/", {"note": "Removed it"})
    assert response.status_code == 400
    assert "Take these posts down from the archive first" in response.content.decode()
    takedown.refresh_from_db()
    assert takedown.done_at is None

    services.item_take_down(item=published, user=officer, reason="Consent withdrawn")
    assert "Taken down" in client.get(f"/consent/takedowns/{takedown.pk}/").content.decode()
    response = client.post(f"/consent/takedowns/{takedown.pk}/", {"note": "Removed it"})
    assert response.status_code == 302
    takedown.refresh_from_db()
    assert takedown.done_at is not None


def test_it_lets_a_post_stay_where_the_consent_still_allows_it(published, officer):
    takedown = _takedown(published, ["press"])  # a website post; only press consent withdrawn
    consent.takedown_done(takedown=takedown, actor=officer, note="Nothing with the press")
    assert takedown.done_at is not None and takedown.done_at <= timezone.now()
