from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import StrictBool, StrictInt

from socialguard.api import body_rules, check_text, require_capability
from socialguard.people.permissions import has_capability, user_person

from .services import (
    CheckRequest,
    ContactError,
    contact_check,
    contact_ruleset,
    resolve_person,
    resolve_role,
)

router = Router(tags=["contact"])
# POST /api/v1/checks/contact (DESIGN.md contract)
checks_router = Router(tags=["checks"])


def _channels():
    return list(contact_ruleset().channel_labels)


def _roles():
    return list(contact_ruleset().role_labels)


class ContactCheckIn(Schema):
    model_config = body_rules(
        choices={"channel": _channels, "sender_role": _roles, "recipient_role": _roles},
        max_lengths={"sender": 64, "recipient": 64},
        one_of=("recipient", "recipient_role"),
    )
    channel: str
    sender: str | None = None
    sender_role: str | None = None
    recipient: str | None = None
    recipient_role: str | None = None
    on_trip: StrictBool = False
    pre_arranged: StrictBool = False
    supervised: StrictBool = False
    genuine_need: StrictBool = False
    permission: StrictInt | None = None


class ContactCheckOut(Schema):
    allowed: bool
    clauses: list[str]
    reason: str
    conditions: list[str]
    alternatives: list[str]


def _one_of(person_id, role, field):
    if person_id and role:
        raise ContactError(field, f"give {field} or {field}_role, not both")


@checks_router.post(
    "/contact", response=ContactCheckOut, summary="May I contact…? (communication rules)"
)
def contact_check_api(request, payload: ContactCheckIn):
    """Sender: yourself unless `sender_role` is given (or `sender`, with access to the directory).
    Recipient: `recipient` (an external ID) or `recipient_role`."""
    require_capability(request, "contact.check")
    check_text(payload, {"sender": 64, "recipient": 64})
    _one_of(payload.sender, payload.sender_role, "sender")
    _one_of(payload.recipient, payload.recipient_role, "recipient")
    me = user_person(request.user)
    sender, sender_roles = None, None
    if payload.sender_role:
        sender_roles = resolve_role(payload.sender_role, "sender_role")
    elif payload.sender and (me is None or payload.sender != me.external_id):
        if not has_capability(request.user, "people.view"):
            raise HttpError(403, "sender: you may ask only about yourself or a role")
        sender = resolve_person(payload.sender, "sender")
    else:
        sender = me
    recipient, recipient_roles = None, None
    if payload.recipient_role:
        recipient_roles = resolve_role(payload.recipient_role, "recipient_role")
    elif payload.recipient:
        if not has_capability(request.user, "contact.directory_search"):
            raise HttpError(403, "recipient: name a kind of person (recipient_role)")
        recipient = resolve_person(payload.recipient, "recipient")
    answer = contact_check(
        request=CheckRequest(
            channel=payload.channel,
            sender=sender,
            sender_roles=sender_roles,
            recipient=recipient,
            recipient_roles=recipient_roles,
            on_trip=payload.on_trip,
            pre_arranged=payload.pre_arranged,
            supervised=payload.supervised,
            genuine_need=payload.genuine_need,
            permission_id=payload.permission,
        ),
        asked_by=request.user,
        via="api",
    )
    return answer.to_dict()
