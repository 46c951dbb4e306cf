"""Places SocialGuard serves itself: the website news page (with its feed) and the newsletter.
Publishing there is recording the archive item, which the public pages read."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from socialguard import clock

from .base import Connector, OutgoingPost, PublishResult, new_remote_id


class WebsiteNewsConnector(Connector):
    label = "School website news"

    def publish(self, post: OutgoingPost) -> PublishResult:
        remote_id = new_remote_id()
        path = reverse("publishing:news_item", kwargs={"remote_id": remote_id})
        return PublishResult(remote_id, settings.SITE_URL.rstrip("/") + path)

    def withdraw(self, remote_id: str) -> str:
        return "Removed from the news page and its feed."


class NewsletterConnector(Connector):
    """An article of this month's issue of the school's newsletter (HTML page and PDF)."""

    label = "Newsletter"

    def publish(self, post: OutgoingPost) -> PublishResult:
        issue = clock.now().strftime("%Y-%m")
        path = reverse("publishing:newsletter_issue", kwargs={"issue": issue})
        return PublishResult(new_remote_id(), settings.SITE_URL.rstrip("/") + path)

    def withdraw(self, remote_id: str) -> str:
        return "Removed from the online issue and its PDF; printed copies already sent stay as they are."


class ManualConnector(Connector):
    """Instagram, YouTube and any account without an adapter: the officer posts it by hand;
    SocialGuard keeps the approved text and images in the archive."""

    label = "Posted by hand"

    def publish(self, post: OutgoingPost) -> PublishResult:
        return PublishResult("manual-" + new_remote_id(), "")

    def withdraw(self, remote_id: str) -> str:
        return "This account is managed by hand: delete the post on the platform yourself."
