"""Designated officers, four-eyes approval, deadlines and the archive (PAR-6, OFF-1/2/3, PRIN-h)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import DatabaseError, transaction

from socialguard import clock
from socialguard.publishing import services
from socialguard.publishing.models import ArchiveItem, Draft, Publication, Takedown

pytestmark = pytest.mark.django_db
APPEND_ONLY_REFUSALS = DatabaseError


@pytest.mark.clause("PAR-6")
@pytest.mark.clause("OFF-1")
def test_it_refuses_approval_by_someone_who_is_not_a_designated_officer(submitted, make_user):
    draft = submitted()
    head = make_user("headteacher")
    with pytest.raises(services.PublishingError, match="Only the designated social media officers"):
        services.draft_approve(draft=draft, user=head)
    assert Draft.objects.get(pk=draft.pk).state == "submitted"


@pytest.mark.clause("PAR-6")
def test_it_blocks_an_officer_whose_training_expired_naming_the_date(submitted, make_user, train):
    draft = submitted()
    expired = make_user("social_media_officer", "staff")
    record = train(expired.person, expired_days_ago=3)
    with pytest.raises(services.PublishingError) as refused:
        services.draft_approve(draft=draft, user=expired)
    assert f"expired on {record.expires_on:%-d %B %Y}" in refused.value.message
    assert not Publication.objects.exists()


@pytest.mark.clause("PAR-6")
def test_it_blocks_an_officer_with_no_training_record(submitted, make_user):
    untrained = make_user("social_media_officer", "staff")
    with pytest.raises(services.PublishingError, match="no training record"):
        services.draft_approve(draft=submitted(), user=untrained)


@pytest.mark.clause("PAR-6")
def test_it_never_lets_an_officer_approve_their_own_post(officer, website, make_user, train):
    other = make_user("social_media_officer", "staff")
    train(other.person)
    draft = services.draft_save(
        author=officer.person, text="The library opens late on Thursday.", account_ids=[website.pk]
    )
    draft = services.draft_submit(draft=draft, author=officer.person)
    assert draft.approver == other.person  # goes to the other officer, never the author
    with pytest.raises(services.PublishingError, match="cannot approve your own post"):
        services.draft_approve(draft=draft, user=officer)


@pytest.mark.clause("PRIN-d")
@pytest.mark.clause("OFF-3")
def test_it_refuses_to_approve_a_post_with_a_block_finding(submitted, officer):
    draft = submitted(text="Well done! Call the coach on 07700 900123 for the results.")
    assert draft.verdict == "block"
    with pytest.raises(services.PublishingError, match="cannot be approved"):
        services.draft_approve(draft=draft, user=officer)
    assert Draft.objects.get(pk=draft.pk).state == "submitted"


@pytest.mark.clause("PRIN-d")
def test_it_blocks_a_pupil_on_the_restricted_list(submitted, officer, make_person, monkeypatch):
    pupil = make_person("pupil", given_name="Amy", family_name="Jones")
    monkeypatch.setattr(services, "restricted_external_ids", lambda: frozenset({pupil.external_id}))
    draft = submitted(text="Congratulations to Amy Jones for winning the 100 metres.")
    names = [f for f in draft.findings if f["check"] == "directory_name"] or [
        f for f in draft.findings if f["clause"] == "PRIN-d"
    ]
    assert names and names[0]["severity"] == "block"
    assert draft.text[names[0]["start"] : names[0]["end"]] == "Amy Jones"
    with pytest.raises(services.PublishingError):
        services.draft_approve(draft=draft, user=officer)


def test_it_rebuilds_the_checker_when_people_change(db, make_person):
    first = services.post_checker()
    assert services.post_checker() is first
    make_person("pupil", given_name="Noah", family_name="Taylor")
    assert services.post_checker() is not first
    result = services.check_text(text="Noah Taylor won.", channel="website")
    assert any(f.clause == "PRIN-d" and f.severity == "review" for f in result.findings)


@pytest.mark.clause("OFF-2")
@pytest.mark.clause("PAR-6")
def test_it_publishes_an_approved_post_to_the_website_and_archives_it(submitted, officer, client):
    draft = submitted()
    draft = services.draft_approve(draft=draft, user=officer)
    assert draft.state == "published"
    item = ArchiveItem.objects.get()
    assert (
        item.text == draft.text
        and item.approved_by == officer.person
        and item.drafted_by == draft.author
    )
    assert item.content_hash == draft.approved_hash
    news = client.get("/publishing/news/")
    assert "The choir sings" in news.content.decode()
    feed = client.get("/publishing/news/feed.xml")
    assert feed.status_code == 200 and b"The choir sings" in feed.content


def test_it_gives_the_author_and_the_approver_emails(submitted, officer, author):
    draft = submitted()
    assert any(officer.person.email in m.to for m in mail.outbox)
    services.draft_approve(draft=draft, user=officer)
    assert any(author.person.email in m.to and "approved" in m.subject for m in mail.outbox)


@pytest.mark.clause("PAR-6")
def test_it_needs_approval_again_when_an_approved_post_is_edited(
    submitted, officer, author, website
):
    later = clock.now() + timedelta(days=2)
    draft = submitted(scheduled_for=later)
    draft = services.draft_approve(draft=draft, user=officer)
    assert draft.state == "approved" and draft.approved_hash
    draft = services.draft_save(
        author=author.person,
        draft=draft,
        text=draft.text + " Bring a friend.",
        account_ids=[website.pk],
        scheduled_for=later,
    )
    assert draft.state == "draft" and draft.approved_hash == ""
    assert not Publication.objects.filter(draft=draft).exists()
    with clock.frozen(later + timedelta(minutes=1)):
        assert services.publications_publish_due(clock.now()) == 0
    assert not ArchiveItem.objects.exists()


def test_it_refuses_to_send_content_that_differs_from_what_was_approved(submitted, officer):
    later = clock.now() + timedelta(hours=3)
    draft = services.draft_approve(draft=submitted(scheduled_for=later), user=officer)
    Draft.objects.filter(pk=draft.pk).update(
        text="Something else entirely."
    )  # behind the service's back
    with clock.frozen(later + timedelta(minutes=1)):
        services.publications_publish_due(clock.now())
    publication = Publication.objects.get()
    assert (
        publication.state == "failed" and "changed after it was approved" in publication.last_error
    )
    assert not ArchiveItem.objects.exists()


def test_it_returns_a_post_with_comments_and_rejects_one(submitted, officer):
    draft = services.draft_decline(draft=submitted(), user=officer, comment="Say it as the school.")
    assert draft.state == "returned" and draft.decision_comment == "Say it as the school."
    with pytest.raises(services.PublishingError, match="Enter your comments"):
        services.draft_decline(draft=submitted(), user=officer, comment=" ")
    assert (
        services.draft_decline(draft=submitted(), user=officer, comment="No.", reject=True).state
        == "rejected"
    )


@pytest.mark.clause("PRIN-h")
def test_it_reminds_the_officer_and_escalates_an_overdue_approval_to_the_headteacher(
    submitted, officer, make_user
):
    head = make_user("headteacher", email="head@school.example.org")
    draft = submitted()
    mail.outbox.clear()
    with clock.frozen(draft.due_at - timedelta(hours=5)):
        assert services.approval_deadlines_sweep(clock.now()) == 0
    with clock.frozen(draft.due_at - timedelta(hours=3)):
        assert services.approval_deadlines_sweep(clock.now()) == 1
        assert services.approval_deadlines_sweep(clock.now()) == 0
    assert [m.to for m in mail.outbox] == [[officer.person.email]]
    with clock.frozen(draft.due_at + timedelta(minutes=1)):
        assert services.approval_deadlines_sweep(clock.now()) == 1
        assert services.approval_deadlines_sweep(clock.now()) == 0
    assert head.person.email in mail.outbox[-1].to and "overdue" in mail.outbox[-1].subject


@pytest.mark.clause("OFF-2")
def test_it_keeps_the_archive_immutable_in_the_database(submitted, officer):
    services.draft_approve(draft=submitted(), user=officer)
    item = ArchiveItem.objects.get()
    with pytest.raises(APPEND_ONLY_REFUSALS), transaction.atomic():
        ArchiveItem.objects.filter(pk=item.pk).update(text="rewritten")
    with pytest.raises(APPEND_ONLY_REFUSALS), transaction.atomic():
        ArchiveItem.objects.filter(pk=item.pk).delete()
    assert ArchiveItem.objects.get().text == item.text


@pytest.mark.clause("PRIN-b")
def test_it_records_a_takedown_beside_the_archive_item_and_hides_it_from_the_website(
    submitted, officer, client
):
    services.draft_approve(draft=submitted(), user=officer)
    item = ArchiveItem.objects.get()
    with pytest.raises(services.PublishingError, match="Enter why"):
        services.item_take_down(item=item, user=officer, reason="")
    services.item_take_down(item=item, user=officer, reason="A parent asked us to remove it.")
    assert ArchiveItem.objects.filter(pk=item.pk).exists()
    assert Takedown.objects.get().reason == "A parent asked us to remove it."
    assert "The choir sings" not in client.get("/publishing/news/").content.decode()
    assert client.get(f"/publishing/news/{item.remote_id}/").status_code == 404
    with pytest.raises(APPEND_ONLY_REFUSALS), transaction.atomic():
        Takedown.objects.all().delete()
    assert [i.pk for i in services.archive_search("choir")] == [item.pk]
    assert list(services.archive_search("nothing like this")) == []


@pytest.mark.clause("PERS-7")
def test_it_strips_location_data_from_images_before_publishing(submitted, officer, png):
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    photo = png(fmt="JPEG", exif=exif.tobytes())
    assert b"PhoneMaker" in photo
    draft = submitted(new_images=[services.NewImage(name="fair.jpg", data=photo)])
    services.draft_approve(draft=draft, user=officer)
    item = ArchiveItem.objects.get()
    from socialguard.publishing import media

    stored = media.image_read(item.images[0]["stored_name"])
    assert b"PhoneMaker" not in stored and item.images[0]["sha256"]


def test_it_folds_a_blocking_photo_check_into_the_draft(submitted, officer, png, monkeypatch):
    monkeypatch.setattr(
        services,
        "photo_check_for_channels",
        lambda **kw: {
            "verdict": "block",
            "faces": [
                {"box": [0, 0, 4, 4], "external_id": None, "status": "restricted", "distance": 0.3}
            ],
        },
    )
    draft = submitted(new_images=[services.NewImage(name="class.png", data=png())])
    photo = [f for f in draft.findings if f["check"] == "photo"]
    assert photo and photo[0]["clause"] == "IMG-3" and photo[0]["severity"] == "block"
    with pytest.raises(services.PublishingError, match="cannot be approved"):
        services.draft_approve(draft=draft, user=officer)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"text": "  "}, "Enter the text of the post"),
        ({"text": "x" * 5001}, "5,000 characters or fewer"),
        ({"account_ids": []}, "Select at least one official account"),
        ({"account_ids": [99999]}, "Select official accounts from the list"),
        ({"scheduled_for": "past"}, "must be in the future"),
    ],
)
def test_it_refuses_bad_drafts_with_a_clear_message(author, website, change, message):
    values = {"text": "Hello families.", "account_ids": [website.pk], **change}
    if values.get("scheduled_for") == "past":
        values["scheduled_for"] = clock.now() - timedelta(hours=1)
    with pytest.raises(services.PublishingError, match=message):
        services.draft_save(author=author.person, **values)
    assert not Draft.objects.exists()


def test_it_refuses_unknown_and_oversized_images(author, website, settings):
    from socialguard.publishing.media import ImageRefused

    with pytest.raises(ImageRefused, match="JPG, PNG or WebP"):
        services.draft_save(
            author=author.person,
            text="Hello.",
            account_ids=[website.pk],
            new_images=[services.NewImage(name="a.gif", data=b"GIF89a not really")],
        )
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ImageRefused, match="smaller than"):
        services.draft_save(
            author=author.person,
            text="Hello.",
            account_ids=[website.pk],
            new_images=[services.NewImage(name="a.png", data=b"x" * 100)],
        )
    assert not Draft.objects.exists()


@pytest.mark.clause("PAR-6", "PRIN-h")
def test_it_tells_the_author_and_the_headteacher_when_no_trained_officer_can_approve(
    make_user, train, client, mailoutbox
):
    from socialguard.audit.models import AuditEvent
    from tests.conftest import sign_in

    make_user("headteacher", "staff", email="head@school.example.org")
    author = make_user("social_media_officer", "staff", email="mbah@school.example.org")
    train(author.person)  # the author is trained; the only other officer is not
    other = make_user("social_media_officer", "staff", email="wilson@school.example.org")
    train(other.person, expired_days_ago=30)
    website = services.account_save(
        user=None, platform="website", name="School website news", connector="website"
    )
    draft = services.draft_save(
        author=author.person, text="Sports day is on Friday.", account_ids=[website.pk]
    )
    sign_in(client, author)
    response = client.post(
        f"/publishing/drafts/{draft.pk}/submit/", {"understood": "yes"}, follow=True
    )
    page = response.content.decode()
    assert "nobody can approve it yet" in page and "The Headteacher has been told" in page
    assert "No designated social media officer other than the author has in-date training" in page
    warned = [
        m for m in mailoutbox if m.subject == "Nobody can approve a post: officer training needed"
    ]
    assert len(warned) == 1 and "wilson@school.example.org" in warned[0].to
    assert "head@school.example.org" in warned[0].to
    assert AuditEvent.objects.filter(action="publishing.no_approver").exists()

    train(other.person)  # training renewed: the warning goes, and she can approve it
    page = client.get(f"/publishing/drafts/{draft.pk}/").content.decode()
    assert "nobody can approve this post yet" not in page
    draft.refresh_from_db()
    assert services.draft_approve(draft=draft, user=other).state == "published"
