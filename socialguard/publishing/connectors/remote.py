"""Mastodon, Facebook Page (Graph API) and X (API v2) adapters."""

from __future__ import annotations

import json

from .base import Connector, ConnectorError, HttpClient, OutgoingPost, PublishResult, require_key

X_MAX_CHARACTERS = 280


class MastodonConnector(Connector):
    """POST /api/v2/media for each image, then POST /api/v1/statuses."""

    label = "Mastodon"

    def __init__(self, base_url: str, token: str, **_):
        self.http = HttpClient(base_url, token)

    def publish(self, post: OutgoingPost) -> PublishResult:
        media_ids = []
        for image in post.images:
            answer = self.http.request(
                "POST",
                "/api/v2/media",
                form={"description": image.alt_text},
                files=[("file", image)],
            )
            media_ids.append(require_key(answer, "id"))
        headers = {"Idempotency-Key": post.idempotency_key} if post.idempotency_key else {}
        answer = self.http.request(
            "POST",
            "/api/v1/statuses",
            json_body={"status": post.text, "media_ids": media_ids, "visibility": "public"},
            headers=headers,
        )
        return PublishResult(require_key(answer, "id"), str(answer.get("url") or ""))

    def withdraw(self, remote_id: str) -> str:
        self.http.request("DELETE", f"/api/v1/statuses/{remote_id}")
        return "Deleted from Mastodon."


class FacebookPageConnector(Connector):
    """Text: POST /{page-id}/feed. One photo: POST /{page-id}/photos with the message.
    Several: each photo unpublished to /photos, then /feed with attached_media."""

    label = "Facebook"

    def __init__(self, base_url: str, token: str, remote_account_id: str = "", **_):
        if not remote_account_id:
            raise ConnectorError("The Facebook account has no page ID. Add it on the account page.")
        self.http = HttpClient(base_url, token)
        self.page_id = remote_account_id

    def publish(self, post: OutgoingPost) -> PublishResult:
        page = f"/{self.page_id}"
        if len(post.images) == 1:
            answer = self.http.request(
                "POST",
                f"{page}/photos",
                form={"message": post.text},
                files=[("source", post.images[0])],
            )
            remote_id = str(answer.get("post_id") or require_key(answer, "id"))
        else:
            form = {"message": post.text}
            for i, image in enumerate(post.images):
                photo = self.http.request(
                    "POST", f"{page}/photos", form={"published": "false"}, files=[("source", image)]
                )
                form[f"attached_media[{i}]"] = json.dumps({"media_fbid": require_key(photo, "id")})
            answer = self.http.request("POST", f"{page}/feed", form=form)
            remote_id = require_key(answer, "id")
        return PublishResult(remote_id, f"https://www.facebook.com/{remote_id}")

    def withdraw(self, remote_id: str) -> str:
        self.http.request("DELETE", f"/{remote_id}")
        return "Deleted from the Facebook page."


class XConnector(Connector):
    """POST /2/media/upload for each image, then POST /2/tweets (OAuth 2.0 user token)."""

    label = "X"

    def __init__(self, base_url: str, token: str, remote_account_id: str = "", **_):
        self.http = HttpClient(base_url, token)
        self.handle = remote_account_id

    def publish(self, post: OutgoingPost) -> PublishResult:
        if len(post.text) > X_MAX_CHARACTERS:
            raise ConnectorError(f"Posts to X must be {X_MAX_CHARACTERS} characters or fewer")
        media_ids = []
        for image in post.images:
            answer = self.http.request(
                "POST",
                "/2/media/upload",
                form={"media_category": "tweet_image"},
                files=[("media", image)],
            )
            media_ids.append(require_key(answer, "data", "id"))
        body: dict = {"text": post.text}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        answer = self.http.request("POST", "/2/tweets", json_body=body)
        remote_id = require_key(answer, "data", "id")
        who = self.handle or "i"
        return PublishResult(remote_id, f"https://x.com/{who}/status/{remote_id}")

    def withdraw(self, remote_id: str) -> str:
        self.http.request("DELETE", f"/2/tweets/{remote_id}")
        return "Deleted from X."
