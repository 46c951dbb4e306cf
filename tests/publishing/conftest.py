import io
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from PIL import Image

from socialguard import clock
from socialguard.publishing import services


@pytest.fixture
def train(make_user):
    """Record social media officer training for a person: in date, or expired `expired_days_ago`."""
    from socialguard.declarations.services import training_record

    head = make_user("headteacher")

    def record(person, *, expired_days_ago=None):
        today = timezone.localdate(clock.now())
        if expired_days_ago is None:
            completed, expires = today - timedelta(days=10), today + timedelta(days=300)
        else:
            expires = today - timedelta(days=expired_days_ago)
            completed = expires - timedelta(days=365)
        return training_record(
            person=person,
            kind="social_media_officer",
            course="Social media officer course",
            completed_on=completed,
            expires_on=expires,
            recorded_by=head,
        )

    return record


@pytest.fixture
def officer(make_user, train):
    user = make_user(
        "social_media_officer",
        "staff",
        given_name="Julie",
        family_name="Wilson",
        email="j.wilson@school.example.org",
    )
    train(user.person)
    return user


@pytest.fixture
def author(make_user):
    return make_user(
        "staff", given_name="Laura", family_name="Bennett", email="l.bennett@school.example.org"
    )


@pytest.fixture
def website(db, make_user):
    return services.account_save(
        user=None, platform="website", name="School website news", connector="website"
    )


@pytest.fixture
def newsletter(db):
    return services.account_save(
        user=None, platform="newsletter", name="St Martin’s Post", connector="newsletter"
    )


@pytest.fixture
def png():
    def make(colour="red", size=(8, 8), fmt="PNG", exif=None):
        buffer = io.BytesIO()
        image = Image.new("RGB", size, colour)
        kwargs = {"exif": exif} if exif is not None else {}
        image.save(buffer, fmt, **kwargs)
        return buffer.getvalue()

    return make


@pytest.fixture
def submitted(author, website, officer):
    def make(
        text="The choir sings at the town hall on Friday. Everyone is welcome.",
        accounts=None,
        **kwargs,
    ):
        draft = services.draft_save(
            author=author.person,
            text=text,
            account_ids=[a.pk for a in accounts or [website]],
            **kwargs,
        )
        return services.draft_submit(draft=draft, author=author.person)

    return make


class FakeService:
    """A local HTTP server that records each request and answers from a script."""

    def __init__(self):
        self.requests = []
        self.answers = {}  # (method, path) -> list of (status, json body); the last one repeats
        service = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                service.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                    }
                )
                queue = service.answers.get((self.command, self.path)) or [
                    (404, {"error": "unknown"})
                ]
                status, payload = queue.pop(0) if len(queue) > 1 else queue[0]
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_DELETE = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def answer(self, method, path, *responses):
        self.answers[(method, path)] = list(responses)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_service():
    service = FakeService()
    yield service
    service.close()
