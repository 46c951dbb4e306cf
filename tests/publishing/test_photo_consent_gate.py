"""The photos of a post are checked against the consent for every purpose its accounts need, and
again at approval against today's consent and restricted list (IMG-1, IMG-3)."""

import pytest

from socialguard.consent import services as consent
from socialguard.publishing import services

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
