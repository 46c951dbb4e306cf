"""Publishing connectors against local fake services, scheduled publishing and retries (OFF-2)."""

import json
from datetime import timedelta

import pytest

from socialguard import clock
from socialguard.publishing import services
from socialguard.publishing.connectors import (
    ConnectorError,
    OutgoingImage,
    OutgoingPost,
    connector_for,
)
from socialguard.publishing.credentials import decrypt_credentials
from socialguard.publishing.models import ArchiveItem, OfficialAccount, Publication

pytestmark = pytest.mark.django_db
IMAGE = OutgoingImage("fair.png", "image/png", b"\x89PNG fake bytes", "Children at the fair")


def _account(connector, url, **kwargs):
    return services.account_save(
        user=None,
        platform=connector,
        name=f"Test {connector}",
        connector=connector,
        base_url=url,
        access_token="secret-token-1234",
        **kwargs,
    )


@pytest.mark.clause("OFF-2")
def test_it_posts_to_mastodon_with_media_as_documented(fake_service):
    fake_service.answer("POST", "/api/v2/media", (200, {"id": "m1"}))
    fake_service.answer(
        "POST", "/api/v1/statuses", (200, {"id": "s9", "url": "https://social.example/@school/s9"})
    )
    connector = connector_for(_account("mastodon", fake_service.url))
    result = connector.publish(
        OutgoingPost("", "Hello <b>families</b>", [IMAGE], idempotency_key="k1")
    )
    assert (result.remote_id, result.remote_url) == ("s9", "https://social.example/@school/s9")
    media, status = fake_service.requests
    assert (media["method"], media["path"]) == ("POST", "/api/v2/media")
    assert media["headers"]["Authorization"] == "Bearer secret-token-1234"
    assert media["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert (
        b'name="file"; filename="fair.png"' in media["body"]
        and b"\x89PNG fake bytes" in media["body"]
    )
    assert b"Children at the fair" in media["body"]
    assert status["headers"]["Idempotency-Key"] == "k1"
    assert json.loads(status["body"]) == {
        "status": "Hello <b>families</b>",
        "media_ids": ["m1"],
        "visibility": "public",
    }


@pytest.mark.clause("OFF-2")
def test_it_posts_to_a_facebook_page_feed_and_photos(fake_service):
    fake_service.answer("POST", "/v21.0/12345/feed", (200, {"id": "12345_678"}))
    fake_service.answer("POST", "/v21.0/12345/photos", (200, {"id": "p1", "post_id": "12345_999"}))
    account = _account("facebook", fake_service.url + "/v21.0", remote_account_id="12345")
    connector = connector_for(account)
    assert connector.publish(OutgoingPost("", "Open evening tonight")).remote_id == "12345_678"
    feed = fake_service.requests[-1]
    assert feed["headers"]["Authorization"] == "Bearer secret-token-1234"
    assert feed["body"] == b"message=Open+evening+tonight"
    assert connector.publish(OutgoingPost("", "Fair", [IMAGE])).remote_id == "12345_999"
    photo = fake_service.requests[-1]
    assert photo["path"] == "/v21.0/12345/photos" and b'name="source"' in photo["body"]
    assert b'name="message"\r\n\r\nFair' in photo["body"]


@pytest.mark.clause("OFF-2")
def test_it_posts_to_x_with_api_v2(fake_service):
    fake_service.answer("POST", "/2/media/upload", (200, {"data": {"id": "777"}}))
    fake_service.answer("POST", "/2/tweets", (201, {"data": {"id": "1850", "text": "Fair"}}))
    connector = connector_for(_account("x", fake_service.url, remote_account_id="StMartins"))
    result = connector.publish(OutgoingPost("", "Fair day!", [IMAGE]))
    assert result.remote_id == "1850" and result.remote_url == "https://x.com/StMartins/status/1850"
    upload, tweet = fake_service.requests
    assert b'name="media_category"\r\n\r\ntweet_image' in upload["body"]
    assert tweet["headers"]["Authorization"] == "Bearer secret-token-1234"
    assert json.loads(tweet["body"]) == {"text": "Fair day!", "media": {"media_ids": ["777"]}}
    with pytest.raises(ConnectorError, match="280 characters"):
        connector.publish(OutgoingPost("", "x" * 281))


def test_it_reports_refusals_and_unreachable_services_clearly(fake_service):
    fake_service.answer("POST", "/2/tweets", (401, {"title": "Unauthorized"}))
    with pytest.raises(ConnectorError, match=r"refused \(401\)"):
        connector_for(_account("x", fake_service.url)).publish(OutgoingPost("", "Hi"))
    dead = _account("mastodon", "http://127.0.0.1:9")
    dead.name = "other"
    with pytest.raises(ConnectorError, match="Could not reach"):
        connector_for(dead).publish(OutgoingPost("", "Hi"))


@pytest.mark.clause("OFF-2")
def test_it_encrypts_connector_credentials_and_never_shows_them_back(
    db, signed_in, client, fake_service
):
    account = _account("mastodon", fake_service.url)
    stored = OfficialAccount.objects.get(pk=account.pk)
    assert "secret-token-1234" not in stored.credentials_encrypted
    assert stored.credentials_hint == "••••1234"
    assert decrypt_credentials(stored.credentials_encrypted) == {
        "access_token": "secret-token-1234"
    }
    signed_in("social_media_officer")
    page = client.get(f"/publishing/accounts/{account.pk}/").content.decode()
    listing = client.get("/publishing/accounts/").content.decode()
    assert "secret-token-1234" not in page + listing and "••••1234" in listing


@pytest.mark.clause("OFF-2")
def test_it_publishes_scheduled_posts_when_their_time_comes_and_retries_with_backoff(
    fake_service, author, officer
):
    account = _account("mastodon", fake_service.url)
    fake_service.answer(
        "POST",
        "/api/v1/statuses",
        (503, {"error": "busy"}),
        (503, {"error": "busy"}),
        (200, {"id": "42", "url": "https://social.example/42"}),
    )
    at = clock.now() + timedelta(days=1)
    draft = services.draft_save(
        author=author.person,
        text="Trip letters go home today.",
        account_ids=[account.pk],
        scheduled_for=at,
    )
    services.draft_submit(draft=draft, author=author.person)
    services.draft_approve(draft=draft, user=officer)
    assert services.publications_publish_due(at - timedelta(minutes=1)) == 0
    assert fake_service.requests == []
    assert services.publications_publish_due(at) == 0
    publication = Publication.objects.get()
    assert (
        publication.state == "retrying"
        and publication.attempts == 1
        and "503" in publication.last_error
    )
    assert publication.due_at == at + timedelta(minutes=1)
    assert services.publications_publish_due(at + timedelta(seconds=30)) == 0  # not yet
    assert services.publications_publish_due(at + timedelta(minutes=1)) == 0
    publication.refresh_from_db()
    assert publication.attempts == 2 and publication.due_at == at + timedelta(
        minutes=3
    )  # 1, then 2 minutes
    assert services.publications_publish_due(at + timedelta(minutes=3)) == 1
    publication.refresh_from_db()
    assert publication.state == "published" and publication.remote_id == "42"
    assert ArchiveItem.objects.get().remote_id == "42"
    assert len([r for r in fake_service.requests if r["path"] == "/api/v1/statuses"]) == 3


def test_it_gives_up_after_the_last_retry_and_shows_the_officer(
    fake_service, author, officer, signed_in, client
):
    from django.core import mail

    account = _account("mastodon", fake_service.url)
    fake_service.answer("POST", "/api/v1/statuses", (500, {"error": "down"}))
    draft = services.draft_save(
        author=author.person, text="Trip letters go home today.", account_ids=[account.pk]
    )
    services.draft_submit(draft=draft, author=author.person)
    services.draft_approve(draft=draft, user=officer)
    now = clock.now()
    for _ in range(10):
        now += timedelta(hours=1)
        services.publications_publish_due(now)
    publication = Publication.objects.get()
    assert publication.state == "failed" and publication.attempts == services.MAX_ATTEMPTS
    assert any("could not be published" in m.subject for m in mail.outbox)
    from tests.conftest import sign_in

    sign_in(client, officer)
    page = client.get("/publishing/outbox/").content.decode()
    assert "Failed" in page and "down" in page
    fake_service.answer("POST", "/api/v1/statuses", (200, {"id": "43"}))
    response = client.post(f"/publishing/outbox/{publication.pk}/retry/")
    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.state == "published"


def test_it_publishes_a_newsletter_issue_as_html_and_pdf(author, officer, newsletter, client, png):
    draft = services.draft_save(
        author=author.person,
        title="Harvest festival",
        text="Thank you for 300 tins <script>alert(1)</script> for the food bank.",
        account_ids=[newsletter.pk],
        new_images=[services.NewImage("tins.png", png())],
    )
    services.draft_submit(draft=draft, author=author.person)
    services.draft_approve(draft=draft, user=officer)
    issue = clock.now().strftime("%Y-%m")
    html = client.get(f"/publishing/st-martins-post/{issue}/").content.decode()
    assert "Harvest festival" in html and "&lt;script&gt;" in html and "<script>alert" not in html
    pdf = client.get(f"/publishing/st-martins-post/{issue}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/publishing/st-martins-post/1999-01/").status_code == 404


def test_it_escapes_html_in_the_news_page_and_feed(author, officer, website, client):
    draft = services.draft_save(
        author=author.person,
        title="<b>Big</b> news",
        text="Sports day <script>alert('x')</script> is on Friday.",
        account_ids=[website.pk],
    )
    services.draft_submit(draft=draft, author=author.person)
    services.draft_approve(draft=draft, user=officer)
    page = client.get("/publishing/news/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    feed = client.get("/publishing/news/feed.xml").content.decode()
    assert "<script>" not in feed and "&lt;script&gt;" in feed
    assert "<b>Big</b>" not in feed


REMOTES = {
    # connector: (publish path, publish answer, account kwargs, DELETE path, remote result)
    "mastodon": (
        "/api/v1/statuses",
        {"id": "s9", "url": "https://social.example/@school/s9"},
        {},
        "/api/v1/statuses/s9",
        "Deleted from Mastodon.",
    ),
    "facebook": (
        "/v21.0/12345/feed",
        {"id": "12345_678"},
        {"remote_account_id": "12345"},
        "/v21.0/12345_678",
        "Deleted from the Facebook page.",
    ),
    "x": (
        "/2/tweets",
        {"data": {"id": "1850", "text": "Fair"}},
        {"remote_account_id": "StMartins"},
        "/2/tweets/1850",
        "Deleted from X.",
    ),
}


def _published_on(fake_service, connector, author, officer):
    path, answer, kwargs, *_ = REMOTES[connector]
    base = fake_service.url + ("/v21.0" if connector == "facebook" else "")
    account = _account(connector, base, **kwargs)
    fake_service.answer("POST", path, (200, answer))
    draft = services.draft_save(
        author=author.person, text="Sports day is on Friday.", account_ids=[account.pk]
    )
    services.draft_submit(draft=draft, author=author.person)
    services.draft_approve(draft=draft, user=officer)
    return ArchiveItem.objects.get(account=account)


@pytest.mark.clause("PRIN-b")
@pytest.mark.clause("OFF-2")
@pytest.mark.parametrize("connector", sorted(REMOTES))
def test_it_takes_a_post_down_from_the_remote_service_and_keeps_the_record(
    fake_service, author, officer, connector
):
    from socialguard.publishing.models import Takedown

    item = _published_on(fake_service, connector, author, officer)
    *_, delete_path, said = REMOTES[connector]
    fake_service.answer("DELETE", delete_path, (200, {}))
    takedown = services.item_take_down(item=item, user=officer, reason="A parent asked.")
    delete = fake_service.requests[-1]
    assert (delete["method"], delete["path"]) == ("DELETE", delete_path)
    assert delete["headers"]["Authorization"] == "Bearer secret-token-1234"
    assert takedown.remote_result == said
    assert ArchiveItem.objects.filter(pk=item.pk).exists() and Takedown.objects.count() == 1


@pytest.mark.clause("PRIN-b")
@pytest.mark.parametrize("connector", sorted(REMOTES))
def test_it_records_a_takedown_the_service_refused_and_says_to_remove_it_by_hand(
    fake_service, author, officer, connector
):
    item = _published_on(fake_service, connector, author, officer)
    *_, delete_path, _said = REMOTES[connector]
    fake_service.answer("DELETE", delete_path, (500, {"error": "down"}))
    takedown = services.item_take_down(item=item, user=officer, reason="A parent asked.")
    assert "refused (500)" in takedown.remote_result
    assert "Remove it by hand" in takedown.remote_result
    assert ArchiveItem.objects.filter(pk=item.pk).exists()
