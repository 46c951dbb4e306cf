"""The audit trail: append events, verify the chain."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from . import context
from .models import AuditEvent

GENESIS = "0" * 64
_ADVISORY_LOCK_KEY = 7_310_042  # any fixed number: serialises chain appends on PostgreSQL


def canonical(
    *,
    sequence: int,
    created_at: str,
    actor_id,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict,
    request_id: str,
    previous_hash: str,
) -> bytes:
    payload = {
        "sequence": sequence,
        "created_at": created_at,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": detail,
        "request_id": request_id,
        "previous_hash": previous_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: AuditEvent, sequence: int) -> str:
    return hashlib.sha256(
        canonical(
            sequence=sequence,
            created_at=event.created_at.isoformat(timespec="microseconds"),
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            detail=event.detail,
            request_id=event.request_id,
            previous_hash=event.previous_hash,
        )
    ).hexdigest()


def _json_safe(detail: dict) -> dict:
    return json.loads(json.dumps(detail or {}, default=str, sort_keys=True))


def audit_record(
    *,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    detail: dict | None = None,
    actor=None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    ctx = context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if actor is not None:
        actor_id, actor_label = actor.pk, actor.get_username()
    else:
        actor_id, actor_label = ctx.actor_id, ctx.actor_label
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").values("id", "hash").first()
        sequence = (last["id"] if last else 0) + 1
        event = AuditEvent(
            created_at=timezone.now(),
            actor_id=actor_id,
            actor_label=actor_label[:200],
            action=action,
            object_type=object_type[:100],
            object_id=str(object_id)[:100],
            detail=_json_safe(detail or {}),
            request_id=ctx.request_id,
            previous_hash=last["hash"] if last else GENESIS,
        )
        event.id = sequence
        event.hash = event_hash(event, sequence)
        super(AuditEvent, event).save(force_insert=True)
    return event


def audit_view(*, obj, request=None, detail: dict | None = None) -> AuditEvent:
    """Record that someone looked at a sensitive record."""
    return audit_record(action="view", obj=obj, detail=detail)


def audit_list_view(*, object_type: str, ids, page: str, detail: dict | None = None) -> AuditEvent:
    """Record that someone looked at a list of sensitive records: one event naming the page and
    the ids shown (never names), so "who saw this record?" also finds list views."""
    shown = [str(i) for i in ids]
    return audit_record(
        action="view_list",
        object_type=object_type,
        object_id=page,
        detail={"page": page, "ids": shown, **(detail or {})},
    )


@dataclass
class ChainProblem:
    event_id: int
    reason: str


def iter_chain(batch: int = 2000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def audit_verify() -> tuple[int, ChainProblem | None]:
    """Walk the chain; return (events checked, first problem or None)."""
    expected_previous = GENESIS
    expected_id = 1
    count = 0
    for event in iter_chain():
        if event.id != expected_id:
            return count, ChainProblem(
                expected_id, f"event #{expected_id} is missing (next present is #{event.id})"
            )
        if event.previous_hash != expected_previous:
            return count, ChainProblem(
                event.id,
                "its previous-hash does not match the event before it (deleted, inserted or reordered)",
            )
        if event_hash(event, event.id) != event.hash:
            return count, ChainProblem(event.id, "its content does not match its hash (edited)")
        expected_previous = event.hash
        expected_id += 1
        count += 1
    return count, None
