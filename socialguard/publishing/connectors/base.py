"""One interface for every place a post can go, and the small HTTP client the remote ones share.

Remote adapters build the documented requests with `urllib.request` against the account's
configured service address; nothing else is contacted.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

TIMEOUT_SECONDS = 15


class ConnectorError(Exception):
    """A post could not go out; the message is shown to the officer."""


@dataclass(frozen=True)
class OutgoingImage:
    name: str
    content_type: str
    data: bytes
    alt_text: str = ""


@dataclass(frozen=True)
class OutgoingPost:
    title: str
    text: str
    images: list[OutgoingImage] = field(default_factory=list)
    idempotency_key: str = ""


@dataclass(frozen=True)
class PublishResult:
    remote_id: str
    remote_url: str = ""


class Connector:
    """publish(post) -> PublishResult, raising ConnectorError; withdraw(remote_id) for takedowns."""

    label = "connector"

    def publish(self, post: OutgoingPost) -> PublishResult:
        raise NotImplementedError

    def withdraw(self, remote_id: str) -> str:
        """Remove a published post; returns what happened, in words."""
        return "Nothing to remove on the remote service."


def new_remote_id() -> str:
    return secrets.token_hex(6)


class HttpClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = TIMEOUT_SECONDS):
        if not base_url:
            raise ConnectorError("The account has no service address. Add it on the account page.")
        if not token:
            raise ConnectorError("The account has no access token. Add it on the account page.")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body=None,
        form: dict | None = None,
        files: list[tuple[str, OutgoingImage]] | None = None,
        headers: dict | None = None,
    ) -> dict:
        all_headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        all_headers.update(headers or {})
        body = None
        if files is not None:
            body, content_type = multipart(form or {}, files)
            all_headers["Content-Type"] = content_type
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=all_headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            raise ConnectorError(f"{method} {path} was refused ({exc.code}): {detail}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ConnectorError(f"Could not reach {self.base_url}: {reason}") from exc
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ConnectorError(
                f"{method} {path} answered with something that is not JSON"
            ) from exc


def multipart(fields: dict, files: list[tuple[str, OutgoingImage]]) -> tuple[bytes, str]:
    boundary = "sg-" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, image in files:
        filename = image.name.replace('"', "")
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {image.content_type}\r\n\r\n'
            ).encode()
            + image.data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def require_key(payload: dict, *keys: str) -> str:
    value = payload
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if not value:
        raise ConnectorError(f"The service answered without {'.'.join(keys)}")
    return str(value)
