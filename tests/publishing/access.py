"""Who may open each publishing URL (merged by tests/test_access_matrix.py)."""

PUBLIC = "public"
STAFF = {
    "headteacher",
    "dsl",
    "deputy_dsl",
    "dpl",
    "social_media_officer",
    "line_manager",
    "staff",
    "trainee_teacher",
}
OVERSIGHT = {"social_media_officer", "headteacher", "proprietor"}  # officers and leadership
DRAFT_READERS = {"social_media_officer", "headteacher"}  # staff who see others' drafts
MANAGERS = {"social_media_officer", "headteacher"}
WEBSITE = {"headteacher", "proprietor", "website_admin"}


def _draft(w):
    return {"pk": w["pub_draft"].pk}


def _item(w):
    return {"pk": w["pub_item"].pk}


ENTRIES = {
    "publishing:draft_list": (STAFF, {}),
    "publishing:draft_new": (STAFF, {}),
    "publishing:draft_check": (STAFF, {}, "post"),
    "publishing:draft_detail": (DRAFT_READERS, _draft),
    "publishing:draft_edit": (
        set(),
        _draft,
    ),  # only the author, who is no role-account of the matrix
    "publishing:draft_submit": (set(), _draft),
    "publishing:draft_image": (
        DRAFT_READERS | {"proprietor"},  # the approval page shows it to leadership
        lambda w: {"pk": w["pub_draft"].pk, "image_id": w["pub_image"].pk},
    ),
    "publishing:approval_list": (OVERSIGHT, {}),
    "publishing:approval_detail": (OVERSIGHT, _draft),
    "publishing:account_list": (OVERSIGHT, {}),
    "publishing:account_new": (MANAGERS, {}),
    "publishing:account_edit": (MANAGERS, lambda w: {"pk": w["pub_account"].pk}),
    "publishing:publication_list": (OVERSIGHT, {}),
    "publishing:publication_retry": (
        {"social_media_officer"},
        lambda w: {"pk": w["pub_publication"].pk},
        "post",
    ),
    "publishing:archive_list": (OVERSIGHT, {}),
    "publishing:archive_detail": (OVERSIGHT, _item),
    "publishing:archive_image": (OVERSIGHT, lambda w: {"pk": w["pub_item"].pk, "number": 0}),
    "publishing:website_register": (WEBSITE, {}),
    "publishing:website_page_new": (WEBSITE, {}),
    "publishing:website_page_edit": (WEBSITE, lambda w: {"pk": w["pub_page"].pk}),
    "publishing:website_page_reviewed": (WEBSITE, lambda w: {"pk": w["pub_page"].pk}, "post"),
    "publishing:news": (PUBLIC, {}),
    "publishing:news_feed": (PUBLIC, {}),
    "publishing:news_item": (PUBLIC, lambda w: {"remote_id": w["pub_item"].remote_id}),
    "publishing:public_image": (
        PUBLIC,
        lambda w: {"remote_id": w["pub_item"].remote_id, "number": 0},
    ),
    "publishing:newsletter_index": (PUBLIC, {}),
    "publishing:newsletter_issue": (PUBLIC, lambda w: {"issue": w["pub_issue"]}),
    "publishing:newsletter_pdf": (PUBLIC, lambda w: {"issue": w["pub_issue"]}),
    "api:check_post": (STAFF, {}, "post"),
    "api:list_archive": (OVERSIGHT, {}),
}


def build_world(make_person, make_user):
    """A website + newsletter post with an image, published by a trained officer; a draft in progress
    with an image; a website page."""
    import io
    from datetime import date, timedelta

    from django.utils import timezone
    from PIL import Image

    from socialguard import clock
    from socialguard.declarations.services import training_record
    from socialguard.publishing import services
    from socialguard.publishing.models import WebsitePage

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    image = services.NewImage(name="fair.png", data=buffer.getvalue())
    head = make_user("headteacher")
    officer = make_user("social_media_officer")
    today = timezone.localdate(clock.now())
    training_record(
        person=officer.person,
        kind="social_media_officer",
        course="Course",
        completed_on=today - timedelta(days=1),
        expires_on=today + timedelta(days=300),
        recorded_by=head,
    )
    author = make_user("staff")
    website = services.account_save(
        user=head, platform="website", name="Matrix website", connector="website"
    )
    newsletter = services.account_save(
        user=head, platform="newsletter", name="Matrix post", connector="newsletter"
    )
    published = services.draft_save(
        author=author.person,
        text="The choir sings on Friday.",
        account_ids=[website.pk, newsletter.pk],
        new_images=[image],
    )
    services.draft_submit(draft=published, author=author.person)
    services.draft_approve(draft=published, user=officer)
    draft = services.draft_save(
        author=author.person,
        text="Sports day is next week.",
        account_ids=[website.pk],
        new_images=[image],
    )
    item = published.publications.get(account=website).archive_item
    page = WebsitePage.objects.create(
        title="Admissions",
        path="/admissions/",
        owner=author.person,
        review_every_days=30,
        last_reviewed_on=date(2026, 1, 1),
    )
    return {
        "pub_draft": draft,
        "pub_image": draft.images.get(),
        "pub_account": website,
        "pub_publication": published.publications.first(),
        "pub_item": item,
        "pub_issue": item.published_at.strftime("%Y-%m"),
        "pub_page": page,
    }
