"""The publishing API: the post check (DESIGN.md contract) and the archive."""

from datetime import datetime

from ninja import Router, Schema
from ninja.errors import HttpError

from socialguard.api import body_rules, check_text, require_capability
from socialguard.policy.pack import get_pack

from . import media, permissions, services  # noqa: F401  (registers capabilities)

router = Router(tags=["publishing"])
# POST /api/v1/checks/post lives here (DESIGN.md contract); /checks/photo is added by the consent app.
checks_router = Router(tags=["checks"])


def _channels():
    return sorted(get_pack().channels)


class PostCheckIn(Schema):
    # Defaults everywhere, so that permission is checked before the body is judged.
    model_config = body_rules(
        required=("channel", "text"),
        choices={"channel": _channels},
        patterns={"text": r"\S"},
        formats={"images": "byte"},
    )
    channel: str = ""
    text: str = ""
    images: list[str] = []  # base64-encoded image files


class FindingOut(Schema):
    check: str
    clause: str
    severity: str
    start: int
    end: int
    message: str
    suggestion: str


class PostCheckOut(Schema):
    verdict: str
    findings: list[FindingOut]


@checks_router.post("/post", response=PostCheckOut)
def check_post(request, payload: PostCheckIn):
    """Check a post's text (and images) before publishing: verdict pass | review | block."""
    require_capability(request, "publishing.check")
    check_text(payload, {})
    try:
        images = services.decode_images(payload.images)
        return services.check_post(text=payload.text, channel=payload.channel, images=images)
    except (services.PublishingError, media.ImageRefused) as exc:
        field = getattr(exc, "field", "") or (
            "images" if isinstance(exc, media.ImageRefused) else ""
        )
        raise HttpError(400, f"{field}: {exc}" if field else str(exc)) from exc


class ArchiveItemOut(Schema):
    id: int
    account: str
    platform: str
    title: str
    text: str
    drafted_by: str
    approved_by: str
    published_at: datetime
    remote_id: str
    remote_url: str
    taken_down: bool


@router.get("/archive", response=list[ArchiveItemOut])
def list_archive(request, q: str = ""):
    """Published posts, newest first (searchable with ?q=)."""
    require_capability(request, "publishing.archive")
    return [
        {
            "id": item.pk,
            "account": item.account_name,
            "platform": item.platform,
            "title": item.title,
            "text": item.text,
            "drafted_by": item.drafted_by_name,
            "approved_by": item.approved_by_name,
            "published_at": item.published_at,
            "remote_id": item.remote_id,
            "remote_url": item.remote_url,
            "taken_down": bool(item.takedowns.all()),
        }
        for item in services.archive_search(q)[:200]
    ]
