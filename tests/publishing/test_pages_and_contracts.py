"""The draft pages with live HTMX checks, the check-post CLI and API contract, and the website
register (RESP-1, PRIN-d, WEB-1, WEB-2)."""

import base64
import io
import json
from contextlib import redirect_stdout
from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from socialguard import clock
from socialguard.publishing import services
from socialguard.publishing.models import Draft, WebsitePage

pytestmark = pytest.mark.django_db
KEYS = {"check", "clause", "severity", "start", "end", "message", "suggestion"}


def _cli(*args):
    out = io.StringIO()
    code = 0
    try:
        with redirect_stdout(out):
            call_command("check-post", *args, stdout=out)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


@pytest.mark.clause("PRIN-d")
@pytest.mark.clause("RESP-1")
def test_it_answers_check_post_with_the_design_contract_and_exit_codes(db, png, tmp_path):
    code, out = _cli(
        "--channel",
        "official_social_media",
        "--text",
        "Well done to the choir!",
        "--format",
        "json",
    )
    result = json.loads(out)
    assert code == 0 and set(result) == {"verdict", "findings"} and result["verdict"] == "pass"
    assert all(set(f) == KEYS for f in result["findings"])
    assert any(f["clause"] == "RESP-1" and f["severity"] == "info" for f in result["findings"])
    code, out = _cli(
        "--channel", "website", "--text", "Ring 07700 900123 for tickets", "--format", "json"
    )
    assert code == 1 and json.loads(out)["verdict"] == "block"
    code, out = _cli(
        "--channel",
        "official_social_media",
        "--text",
        "I think the trip was great.",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)["verdict"] == "review"
    assert _cli("--channel", "carrier_pigeon", "--text", "Hi", "--format", "json")[0] == 2
    assert _cli("--channel", "website", "--text", "   ", "--format", "json")[0] == 2
    image = tmp_path / "a.png"
    image.write_bytes(png())
    assert _cli("--channel", "website", "--text", "Hi all", "--image", str(image))[0] == 0
    bad = tmp_path / "a.txt"
    bad.write_text("not an image")
    code, out = _cli(
        "--channel", "website", "--text", "Hi all", "--image", str(bad), "--format", "json"
    )
    assert code == 2 and "JPG, PNG or WebP" in json.loads(out)["error"]
    assert (
        _cli("--channel", "website", "--text", "Hi", "--image", str(tmp_path / "missing.png"))[0]
        == 2
    )


@pytest.mark.clause("PRIN-d")
def test_it_answers_the_check_api_with_the_same_contract(signed_in, client, png):
    signed_in("staff")
    response = client.post(
        "/api/v1/checks/post",
        {"channel": "website", "text": "Email amy@example.com"},
        content_type="application/json",
    )
    body = response.json()
    assert (
        response.status_code == 200
        and set(body) == {"verdict", "findings"}
        and body["verdict"] == "block"
    )
    email = next(f for f in body["findings"] if f["severity"] == "block")
    assert "Email amy@example.com"[email["start"] : email["end"]] == "amy@example.com"
    image = base64.b64encode(png()).decode()
    ok = client.post(
        "/api/v1/checks/post",
        {"channel": "website", "text": "Hello", "images": [image]},
        content_type="application/json",
    )
    assert ok.status_code == 200
    for payload in (
        {"channel": "nowhere", "text": "Hi"},
        {"channel": "website", "text": ""},
        {"channel": "website", "text": "Hi", "images": ["***"]},
    ):
        assert (
            client.post("/api/v1/checks/post", payload, content_type="application/json").status_code
            == 400
        )


def test_it_refuses_the_check_api_to_non_staff(signed_in, client):
    signed_in("governor")
    response = client.post(
        "/api/v1/checks/post", {"channel": "website", "text": "Hi"}, content_type="application/json"
    )
    assert response.status_code == 403


@pytest.mark.clause("PRIN-d")
def test_it_rechecks_live_with_htmx_and_marks_findings_in_place(signed_in, client, website):
    signed_in("staff")
    page = client.get("/publishing/drafts/new/").content.decode()
    assert (
        'hx-post="/publishing/drafts/check/"' in page
        and 'hx-trigger="keyup changed delay:500ms"' in page
    )
    partial = client.post(
        "/publishing/drafts/check/",
        {"text": "Call <b>me</b> on 07700 900123", "accounts": [website.pk]},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert '<mark class="sg-finding sg-finding--block">07700 900123' in partial
    assert "&lt;b&gt;me&lt;/b&gt;" in partial and "<b>me</b>" not in partial
    assert "PRIN-d" in partial and "<html" not in partial
    empty = client.post("/publishing/drafts/check/", {"text": ""}).content.decode()
    assert "Start typing" in empty


@pytest.mark.clause("RESP-1")
def test_a_teacher_drafts_sees_findings_and_submits_after_the_reminder(
    signed_in, client, website, officer
):
    teacher = signed_in("staff")
    response = client.post(
        "/publishing/drafts/new/",
        {"text": "Ring 07700 900123 for tickets", "accounts": [website.pk]},
    )
    draft = Draft.objects.get()
    assert response.status_code == 302 and draft.author == teacher.person
    detail = client.get(f"/publishing/drafts/{draft.pk}/").content.decode()
    assert "sg-finding--block" in detail and "PRIN-d" in detail
    reminder = client.get(f"/publishing/drafts/{draft.pk}/submit/").content.decode()
    assert "out of your control" in reminder
    assert client.post(f"/publishing/drafts/{draft.pk}/submit/", {}).status_code == 400
    assert (
        client.post(f"/publishing/drafts/{draft.pk}/submit/", {"understood": "yes"}).status_code
        == 302
    )
    draft.refresh_from_db()
    assert draft.state == "submitted" and draft.approver == officer.person


def test_the_draft_form_shows_clear_errors(signed_in, client, website):
    signed_in("staff")
    response = client.post("/publishing/drafts/new/", {"text": "", "accounts": [website.pk]})
    assert response.status_code == 400 and "Enter the text of the post" in response.content.decode()
    past = (clock.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = client.post(
        "/publishing/drafts/new/", {"text": "Hi", "accounts": [website.pk], "scheduled_for": past}
    )
    assert "must be in the future" in response.content.decode()
    response = client.post("/publishing/drafts/new/", {"text": "Hi", "accounts": ["999"]})
    assert response.status_code == 400
    assert not Draft.objects.exists()


@pytest.mark.clause("PAR-6")
def test_the_approval_page_shows_the_expired_officer_why_they_cannot_decide(
    submitted, make_user, train, client
):
    from tests.conftest import sign_in

    draft = submitted()
    expired = make_user("social_media_officer", "staff")
    train(expired.person, expired_days_ago=1)
    sign_in(client, expired)
    page = client.get(f"/publishing/approvals/{draft.pk}/").content.decode()
    assert "training expired on" in page and 'name="decision"' not in page
    response = client.post(f"/publishing/approvals/{draft.pk}/", {"decision": "approve"})
    assert response.status_code == 400 and "training expired on" in response.content.decode()


def test_the_officer_approves_from_the_page_and_it_is_published(submitted, officer, client):
    from tests.conftest import sign_in

    draft = submitted()
    sign_in(client, officer)
    response = client.post(f"/publishing/approvals/{draft.pk}/", {"decision": "approve"})
    assert response.status_code == 302
    assert Draft.objects.get(pk=draft.pk).state == "published"
    assert "The choir sings" in client.get("/publishing/archive/?q=choir").content.decode()


@pytest.mark.clause("WEB-1")
@pytest.mark.clause("WEB-2")
def test_it_emails_overdue_website_reviews_once_a_week(make_person, make_user):
    owner = make_person("staff")
    admin = make_user("website_admin", email="web@cst.example.org")
    head = make_user("headteacher", email="head@school.example.org")
    today = date(2026, 11, 23)  # a Monday
    with clock.frozen(datetime(2026, 11, 23, 8, 0, tzinfo=clock.now().tzinfo)):
        services.website_page_save(
            title="Admissions",
            path="/admissions/",
            owner=owner,
            review_every_days=30,
            last_reviewed_on=today - timedelta(days=40),
        )
        services.website_page_save(
            title="Clubs",
            path="/clubs/",
            owner=owner,
            review_every_days=90,
            last_reviewed_on=today - timedelta(days=5),
        )
        assert [p.title for p in services.overdue_pages()] == ["Admissions"]
        assert services.website_review_digest(clock.now()) == 1
        assert services.website_review_digest(clock.now()) == 0
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {admin.person.email, head.person.email}
    assert "Admissions" in mail.outbox[0].body and "Clubs" not in mail.outbox[0].body
    with clock.frozen(datetime(2026, 11, 28, 8, 0, tzinfo=clock.now().tzinfo)):  # same ISO week
        assert services.website_review_digest(clock.now()) == 0
    with clock.frozen(datetime(2026, 11, 30, 8, 0, tzinfo=clock.now().tzinfo)):  # next week
        assert services.website_review_digest(clock.now()) == 1
    assert len(mail.outbox) == 2


@pytest.mark.clause("WEB-1")
def test_it_refuses_a_website_page_owned_by_someone_who_is_not_staff(make_person):
    with pytest.raises(services.PublishingError, match="member of staff"):
        services.website_page_save(
            title="Fees",
            path="/fees/",
            owner=make_person("parent"),
            review_every_days=30,
            last_reviewed_on=date(2026, 1, 1),
        )


@pytest.mark.clause("WEB-2")
def test_the_leadership_home_page_shows_overdue_reviews(signed_in, client, make_person):
    signed_in("headteacher")
    WebsitePage.objects.create(
        title="Admissions",
        path="/admissions/",
        owner=make_person("staff"),
        review_every_days=30,
        last_reviewed_on=date(2020, 1, 1),
    )
    assert "Website pages overdue for review" in client.get("/").content.decode()
    page = client.get("/publishing/website/").content.decode()
    assert "Overdue" in page
    client.post(f"/publishing/website/{WebsitePage.objects.get().pk}/reviewed/")
    assert "Website pages overdue for review" not in client.get("/").content.decode()


def test_the_demo_loads_and_is_idempotent(db):
    from socialguard.web.demo import load_demo

    load_demo()
    load_demo()
    states = set(Draft.objects.values_list("state", flat=True))
    assert {"draft", "submitted", "returned", "published"} <= states
    assert Draft.objects.filter(verdict="block").exists()
    assert services.overdue_pages()


@pytest.mark.clause("PRIN-b")
def test_the_officer_takes_a_post_down_from_the_archive_page(submitted, officer, client):
    from socialguard.publishing.models import ArchiveItem, Takedown
    from tests.conftest import sign_in

    services.draft_approve(draft=submitted(), user=officer)
    item = ArchiveItem.objects.get()
    sign_in(client, officer)
    url = f"/publishing/archive/{item.pk}/"
    page = client.get(url).content.decode()
    assert "The choir sings" in page and 'name="reason"' in page
    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 400
    assert "Enter why the post is being taken down" in empty.content.decode()
    assert client.post(url, {"reason": "A parent asked us to remove it."}).status_code == 302
    again = client.post(url, {"reason": "Twice"})
    assert again.status_code == 400 and "already been taken down" in again.content.decode()
    assert Takedown.objects.count() == 1 and ArchiveItem.objects.filter(pk=item.pk).exists()
    assert "A parent asked us to remove it." in client.get(url).content.decode()
