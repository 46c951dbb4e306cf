from ninja import Router, Schema
from ninja.errors import HttpError

from socialguard.api import require_capability

from . import services
from .pack import get_pack

router = Router(tags=["policy"])


class ClauseOut(Schema):
    id: str
    section: str
    kind: str
    text: str


class PolicyOut(Schema):
    school: str
    motto: str
    version: str
    acknowledged: bool
    clauses: list[ClauseOut]


class AcknowledgementOut(Schema):
    version: str
    acknowledged_at: str


@router.get("", response=PolicyOut, summary="The policy in force, its version and its clauses")
def get_policy(request):
    require_capability(request, "policy.read")
    pack = get_pack()
    version = services.policy_version_current(pack=pack)
    return {
        "school": pack.school_name,
        "motto": pack.school["motto"],
        "version": version.content_hash,
        "acknowledged": services.has_acknowledged(request.user, version),
        "clauses": [c.__dict__ for c in pack.clauses.values()],
    }


class AcknowledgeIn(Schema):
    version: str


@router.post("/acknowledge", response=AcknowledgementOut, summary="Acknowledge the current version")
def acknowledge(request, body: AcknowledgeIn):
    require_capability(request, "policy.read")
    version = services.policy_version_current()
    if body.version != version.content_hash:
        # A well-formed answer to a version no longer (or never) in force: a conflict, not a typo.
        raise HttpError(
            409,
            f"version: {body.version!r} is not the current policy version ({version.content_hash})",
        )
    ack = services.policy_acknowledge(user=request.user, version=version)
    return {"version": version.content_hash, "acknowledged_at": ack.acknowledged_at.isoformat()}
