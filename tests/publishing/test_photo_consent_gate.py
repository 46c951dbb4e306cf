"""The photos of a post are checked against the consent for every purpose its accounts need, and
again at approval against today's consent and restricted list (IMG-1, IMG-3)."""

from datetime import timedelta

import pytest

from socialguard import clock
from socialguard.consent import services as consent
from socialguard.publishing import services
from socialguard.publishing.models import ArchiveItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent_for(monkeypatch):
    """The consent app's check answers from `allowed`: a purpose not in it blocks."""
    allowed = {"print", "website", "social_media"}
    asked = []

    def check(*, data, purpose, **kwargs):
        asked.append(purpose)
        verdict = "pass" if purpose in allowed else "block"
        status = "consented" if verdict == "pass" else "no_consent"
        return {"verdict": verdict, "faces": [{"box": [0, 0, 4, 4], "status": status}]}

    monkeypatch.setattr(consent, "check_photo_for_purpose", check)
    return allowed, asked


@pytest.fixture
def facebook(db):
    return services.account_save(
        user=None, platform="facebook", name="School Facebook page", connector="manual"
    )


def _photo_severities(draft):
    return [f["severity"] for f in draft.findings if f["check"] == "photo"]


@pytest.mark.clause("IMG-1")
def test_it_needs_website_consent_for_a_photo_posted_to_facebook_and_the_website(
    author, website, facebook, png, consent_for
):
    allowed, asked = consent_for
    allowed.discard("website")  # social media: yes; website: no
    draft = services.draft_save(
        author=author.person,
        text="Our netball team.",
        account_ids=[facebook.pk, website.pk],
        new_images=[services.NewImage("team.png", png())],
    )
    assert set(asked) == {"social_media", "website"}
    assert _photo_severities(draft) == ["block"]


@pytest.mark.clause("IMG-1")
def test_it_needs_website_consent_for_st_martins_post_which_is_online(
    author, newsletter, png, consent_for
):
    allowed, asked = consent_for
    allowed.discard("website")  # printed materials: yes; website: no
    draft = services.draft_save(
        author=author.person,
        text="Harvest festival.",
        account_ids=[newsletter.pk],
        new_images=[services.NewImage("tins.png", png())],
    )
    assert set(asked) == {"print", "website"}
    assert _photo_severities(draft) == ["block"]


@pytest.mark.clause("IMG-3")
def test_it_checks_photos_again_at_approval(author, officer, website, png, consent_for):
    allowed, _ = consent_for
    draft = services.draft_save(
        author=author.person,
        text="Sports day.",
        account_ids=[website.pk],
        new_images=[services.NewImage("race.png", png())],
    )
    services.draft_submit(draft=draft, author=author.person)
    allowed.discard("website")  # consent withdrawn (or the child restricted) after the upload
    with pytest.raises(services.PublishingError, match="cannot be approved"):
        services.draft_approve(draft=draft, user=officer)
    draft.refresh_from_db()
    assert draft.state == "submitted" and _photo_severities(draft) == ["block"]


def test_it_checks_the_photos_again_when_the_accounts_change(
    author, website, facebook, png, consent_for
):
    allowed, _ = consent_for
    allowed.discard("social_media")
    draft = services.draft_save(
        author=author.person,
        text="Sports day.",
        account_ids=[website.pk],
        new_images=[services.NewImage("race.png", png())],
    )
    assert _photo_severities(draft) == []
    draft = services.draft_save(
        author=author.person, draft=draft, text="Sports day.", account_ids=[website.pk, facebook.pk]
    )
    assert _photo_severities(draft) == ["block"]


def _scheduled_with_a_photo(author, officer, website, png):
    """A post with a photo, approved today to go out on the website in two days."""
    draft = services.draft_save(
        author=author.person,
        text="Our school play is on Friday.",
        account_ids=[website.pk],
        scheduled_for=clock.now() + timedelta(days=2),
        new_images=[services.NewImage("play.png", png())],
    )
    services.draft_submit(draft=draft, author=author.person)
    services.draft_approve(draft=draft, user=officer)
    return draft


@pytest.mark.clause("IMG-1", "IMG-3")
def test_it_holds_a_scheduled_post_whose_photo_lost_its_consent_after_approval(
    author, officer, website, png, consent_for, mailoutbox
):
    allowed, _ = consent_for
    draft = _scheduled_with_a_photo(author, officer, website, png)
    allowed.discard("website")  # a parent withdraws website consent the next day
    assert services.publications_publish_due(clock.now() + timedelta(days=3)) == 0
    publication = draft.publications.get()
    assert publication.state == "failed"
    assert publication.last_error.startswith("Held: Image 1 (play.png)")
    assert "It was not published." in publication.last_error
    assert not ArchiveItem.objects.exists()
    assert any("could not be published" in m.subject for m in mailoutbox)


@pytest.mark.clause("IMG-3")
def test_it_publishes_a_scheduled_post_whose_photo_is_still_cleared(
    author, officer, website, png, consent_for
):
    _, asked = consent_for
    _scheduled_with_a_photo(author, officer, website, png)
    asked.clear()
    assert services.publications_publish_due(clock.now() + timedelta(days=3)) == 1
    assert asked == ["website"]  # checked again as it went out
