"""The RSS feed of the school website news page (text is escaped by the feed generator)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse

from socialguard.policy.pack import get_pack

from . import services


class NewsFeed(Feed):
    def title(self):
        return f"{get_pack().school_name} news"

    def link(self):
        return reverse("publishing:news")

    def description(self):
        return f"News from {get_pack().school_name}"

    def items(self):
        return services.public_items("website")[:30]

    def item_title(self, item):
        return item.title or (item.text[:60] + ("…" if len(item.text) > 60 else ""))

    def item_description(self, item):
        return item.text

    def item_link(self, item):
        return reverse("publishing:news_item", kwargs={"remote_id": item.remote_id})

    def item_guid(self, item):
        return settings.SITE_URL.rstrip("/") + self.item_link(item)

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.published_at
