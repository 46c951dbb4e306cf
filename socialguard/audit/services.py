"""The audit trail: append events, seal them with the audit key, verify the chain.

Each event is sealed with an HMAC-SHA256 under the audit key, which lives outside the database
(`SOCIALGUARD_AUDIT_KEY` or `audit.key` in the data directory), and chained to the event before
it. Someone who can write to the database but has not got the key cannot recompute the chain.
Events written before the chain was keyed (hash version 1) keep their plain SHA-256 and still
verify; the first keyed event after them, `chain.rekeyed`, seals their count and head hash.
Checkpoints (see `checkpoints.py`) anchor the chain outside the database, so a cut tail or a
truncated table shows too.
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from socialguard.policy.trace import enforces

from . import context
from .models import AuditEvent

logger = logging.getLogger("socialguard.audit")

GENESIS = "0" * 64
_ADVISORY_LOCK_KEY = 7_310_042  # any fixed number: serialises chain appends on PostgreSQL
HASH_SHA256 = 1  # before the chain was keyed: SHA-256 of canonical()
HASH_HMAC = 2  # HMAC-SHA256 of canonical() under the audit key
REFUSED = "access.refused"
REKEYED = "chain.rekeyed"


def audit_key() -> bytes:
    key = getattr(settings, "AUDIT_KEY", "")
    if not key:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("AUDIT_KEY is not set: the audit trail cannot be sealed")
    return key.encode()


def key_id(key: bytes | None = None) -> str:
    """A short public name for a key, so a wrong key is told apart from an edited event."""
    return hmac.new(key or audit_key(), b"socialguard audit key id", hashlib.sha256).hexdigest()[
        :16
    ]


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
    hash_version: int = HASH_SHA256,
    key_id: str = "",
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
    if hash_version != HASH_SHA256:  # version 1 payloads stay byte for byte what they were
        payload["hash_version"] = hash_version
        payload["key_id"] = key_id
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(payload: bytes, hash_version: int, key: bytes | None = None) -> str:
    if hash_version == HASH_SHA256:
        return hashlib.sha256(payload).hexdigest()
    if hash_version == HASH_HMAC:
        return hmac.new(key or audit_key(), payload, hashlib.sha256).hexdigest()
    raise ValueError(f"unknown hash version {hash_version}")


def event_hash(event, sequence: int, key: bytes | None = None) -> str:
    return seal(
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
            hash_version=event.hash_version,
            key_id=event.key_id,
        ),
        event.hash_version,
        key,
    )


def _json_safe(detail: dict) -> dict:
    return json.loads(json.dumps(detail or {}, default=str, sort_keys=True))


def append_event(
    model,
    *,
    action: str,
    actor_id=None,
    actor_label: str = "system",
    object_type: str = "",
    object_id: str = "",
    detail: dict | None = None,
    request_id: str = "",
):
    """Seal and append one event (also used by the migration that keys the chain, with its model)."""
    key = audit_key()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        last = model.objects.order_by("-id").values("id", "hash").first()
        sequence = (last["id"] if last else 0) + 1
        event = model(
            created_at=timezone.now(),
            actor_id=actor_id,
            actor_label=(actor_label or "")[:200],
            action=action,
            object_type=(object_type or "")[:100],
            object_id=str(object_id)[:100],
            detail=_json_safe(detail or {}),
            request_id=request_id or "",
            previous_hash=last["hash"] if last else GENESIS,
            hash_version=HASH_HMAC,
            key_id=key_id(key),
        )
        event.id = sequence
        event.hash = event_hash(event, sequence, key)
        if model is AuditEvent:
            super(AuditEvent, event).save(force_insert=True)
        else:
            event.save(force_insert=True)
    return event


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
    detail = dict(detail or {})
    if ctx.token and actor is None:
        detail.setdefault("token", ctx.token)
    if action.endswith("refused") and ctx.request_log is not None:
        ctx.request_log.refusal_recorded = True
    return append_event(
        AuditEvent,
        action=action,
        actor_id=actor_id,
        actor_label=actor_label,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        request_id=ctx.request_id,
    )


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


# ---------------------------------------------------------------- refusals


def audit_refusal(*, object_type: str = "", object_id: str = "", detail: dict | None = None):
    """Record a refused attempt to open a record, so that it survives the request's rollback.

    Inside a transaction (which a failing view rolls back) the event waits in the request's log
    and the middleware writes it after the response; outside one it is written at once."""
    ctx = context.current()
    log = ctx.request_log
    if log is not None:
        log.refusal_recorded = True
    entry = {
        "actor_id": ctx.actor_id,
        "actor_label": ctx.actor_label,
        "request_id": ctx.request_id,
        "object_type": object_type,
        "object_id": object_id,
        "detail": {**(detail or {}), **({"token": ctx.token} if ctx.token else {})},
    }
    if log is not None and connection.in_atomic_block:
        log.pending.append(entry)
        return None
    return append_event(AuditEvent, action=REFUSED, **entry)


def audit_refused_response(request, response) -> None:
    """A 403, or a 404 from a view, that nothing more specific recorded: record the attempt."""
    log = context.current().request_log
    if log is None or log.refusal_recorded:
        return
    match = getattr(request, "resolver_match", None)
    if response.status_code != 403 and not (response.status_code == 404 and match is not None):
        return
    audit_refusal(
        detail={
            "status": response.status_code,
            "method": request.method,
            "path": request.path[:300],
            "view": (match.view_name if match else "") or "",
        }
    )


def flush_refusals() -> None:
    """Write the refusals a request kept back, now that its transaction is over."""
    log = context.current().request_log
    if log is None or not log.pending:
        return
    pending, log.pending = log.pending, []
    for entry in pending:
        try:
            append_event(AuditEvent, action=REFUSED, **entry)
        except Exception:  # the response is already made: never turn it into a 500
            logger.exception("could not record a refused access")


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class ChainProblem:
    event_id: int | None
    reason: str


@dataclass
class ChainReport:
    events: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    head_id: int = 0
    head_hash: str = GENESIS
    checkpoints: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "intact": self.intact,
            "events": self.events,
            "problems": [{"event_id": p.event_id, "reason": p.reason} for p in self.problems],
        }


def iter_chain(batch: int = 2000) -> Iterator[AuditEvent]:
    last_id = None
    while True:
        rows = AuditEvent.objects.order_by("id")
        if last_id is not None:
            rows = rows.filter(id__gt=last_id)
        rows = list(rows[:batch])
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def _check_seal(event, key: bytes, our_key_id: str) -> str | None:
    if event.hash_version not in (HASH_SHA256, HASH_HMAC):
        return f"it has an unknown seal version ({event.hash_version})"
    if event.hash_version == HASH_HMAC and event.key_id != our_key_id:
        return (
            f"it is sealed with another audit key (key id {event.key_id or 'none'}; this "
            f"server's key is {our_key_id}): forged, or the audit key was replaced"
        )
    if event_hash(event, event.id, key) == event.hash:
        return None
    if event.hash_version == HASH_SHA256:
        return "its content does not match its hash (edited)"
    return "its content does not match its seal (edited, or recomputed without the audit key)"


def _vouched_legacy(event, previous, vouched: int) -> int:
    """A keyed `chain.rekeyed` seals the id and hash of the last unkeyed event before it."""
    detail = event.detail or {}
    if (
        detail.get("legacy_head_id") == previous.id
        and detail.get("legacy_head_hash") == previous.hash
        and previous.hash_version == HASH_SHA256
    ):
        return max(vouched, previous.id)
    return vouched


def rekey_detail(legacy_head_id: int, legacy_head_hash: str, legacy_events: int, kid: str) -> dict:
    return {
        "from": "sha256",
        "to": "hmac-sha256",
        "key_id": kid,
        "legacy_events": legacy_events,
        "legacy_head_id": legacy_head_id,
        "legacy_head_hash": legacy_head_hash,
    }


@enforces("SLT-3")
def audit_verify(*, checkpoints: bool = True) -> ChainReport:
    """Walk the whole chain and compare it with the checkpoints; report every problem found."""
    from . import checkpoints as anchor

    key = audit_key()
    our_key_id = key_id(key)
    report = ChainReport()
    problems = report.problems
    expected_id = 1
    previous = None
    unkeyed: list[int] = []  # plain SHA-256 events: good only if a keyed chain.rekeyed vouches
    vouched = 0
    for event in iter_chain():
        report.events += 1
        gap = event.id > expected_id
        if event.id < expected_id:
            problems.append(ChainProblem(event.id, "it is numbered out of sequence (renumbered)"))
        elif gap:
            missing = (
                f"event #{expected_id} is"
                if event.id == expected_id + 1
                else f"events #{expected_id}–#{event.id - 1} are"
            )
            problems.append(
                ChainProblem(
                    expected_id,
                    f"{missing} missing (deleted); the next present is #{event.id}",
                )
            )
        expected_previous = previous.hash if previous is not None else GENESIS
        if event.previous_hash != expected_previous and not gap:
            problems.append(
                ChainProblem(
                    event.id,
                    "it does not follow the event before it: its previous-hash does not match "
                    "(an event was deleted, inserted or reordered, or the chain renumbered)",
                )
            )
        reason = _check_seal(event, key, our_key_id)
        if reason:
            problems.append(ChainProblem(event.id, reason))
        if event.hash_version == HASH_SHA256:
            unkeyed.append(event.id)
        elif event.action == REKEYED and not reason and previous is not None:
            vouched = _vouched_legacy(event, previous, vouched)
        expected_id = max(expected_id, event.id + 1)
        previous = event
    for event_id in unkeyed:
        if event_id > vouched:
            problems.append(
                ChainProblem(
                    event_id,
                    "it is unkeyed (plain SHA-256) and no keyed chain.rekeyed event vouches for "
                    "it: added or recomputed by someone without the audit key",
                )
            )
    if previous is not None:
        report.head_id, report.head_hash = previous.id, previous.hash
    if checkpoints:
        anchor.compare(report, key)
    problems.sort(key=lambda p: (p.event_id is None, p.event_id or 0))
    return report
