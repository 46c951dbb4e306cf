"""Checkpoints: the chain's count and head, signed with the audit key, kept outside the database.

One JSON line per checkpoint, appended to `audit-checkpoints.log` in the data directory (mode
0600) by every deadline sweep and by a clean `audit-verify`. Each line carries the signature of
the line before it. Someone who can change the database, but not this file or the key, cannot
cut the tail of the chain, renumber it, re-chain it or TRUNCATE the table without a checkpoint
saying what was there.
"""

import fcntl
import hashlib
import hmac
import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from .models import AuditEvent

logger = logging.getLogger("socialguard.audit")
_TAIL_BYTES = 4096


def checkpoint_path() -> Path:
    configured = getattr(settings, "AUDIT_CHECKPOINT_FILE", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "audit-checkpoints.log"


def _signature(key: bytes, record: dict) -> str:
    body = {k: v for k, v in record.items() if k != "mac"}
    payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, b"checkpoint:" + payload, hashlib.sha256).hexdigest()


def _last_line(handle) -> bytes:
    handle.seek(0, os.SEEK_END)
    end = handle.tell()
    start = max(0, end - _TAIL_BYTES)
    while True:
        handle.seek(start)
        lines = handle.read(end - start).splitlines()
        if start == 0 or len(lines) > 1:
            return lines[-1] if lines else b""
        start = max(0, start - _TAIL_BYTES)


def _head() -> tuple[int, int, str]:
    totals = AuditEvent.objects.aggregate(events=Count("id"), head=Max("id"))
    head_id = totals["head"] or 0
    head_hash = (
        AuditEvent.objects.filter(id=head_id).values_list("hash", flat=True).first() or ""
        if head_id
        else ""
    )
    return totals["events"], head_id, head_hash


def checkpoint_write(*, by: str) -> dict | None:
    """Append a checkpoint of the chain as it is now; None when nothing changed since the last."""
    from .services import audit_key, key_id

    key = audit_key()
    events, head_id, head_hash = _head()
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # one writer at a time keeps the lines chained
        os.fchmod(handle.fileno(), 0o600)
        last_raw = _last_line(handle)
        try:
            last = json.loads(last_raw) if last_raw else None
        except ValueError:
            last = None
        if last and (last.get("events"), last.get("head_id"), last.get("head_hash")) == (
            events,
            head_id,
            head_hash,
        ):
            return None
        if last and isinstance(last.get("head_id"), int) and last["head_id"] > head_id:
            logger.error(
                "audit chain is shorter than its last checkpoint (#%s now, #%s then)",
                head_id,
                last["head_id"],
            )
        record = {
            "at": timezone.now().isoformat(timespec="seconds"),
            "by": by,
            "events": events,
            "head_id": head_id,
            "head_hash": head_hash,
            "key_id": key_id(key),
            "previous": (last or {}).get("mac", ""),
        }
        record["mac"] = _signature(key, record)
        handle.write((json.dumps(record, sort_keys=True) + "\n").encode())
        handle.flush()
        os.fsync(handle.fileno())
    return record


def checkpoint_sweep(now=None) -> int:
    """The deadline sweep's call: 1 when a checkpoint was written."""
    return 1 if checkpoint_write(by="sweep") else 0


def read_checkpoints(key: bytes, our_key_id: str):
    """(good checkpoints, [(event id or None, reason)]) read from the file."""
    from .services import ChainProblem

    path = checkpoint_path()
    if not path.exists():
        return [], []
    good, problems, previous_mac = [], [], ""
    foreign: dict[str, list[int]] = {}  # key id -> line numbers signed with it
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                head_id, at = int(record["head_id"]), str(record["at"])
            except (ValueError, KeyError, TypeError):
                problems.append(
                    ChainProblem(
                        None, f"checkpoint line {number} cannot be read: the file was edited"
                    )
                )
                previous_mac = ""
                continue
            if record.get("key_id") != our_key_id:
                foreign.setdefault(str(record.get("key_id")), []).append(number)
            elif not hmac.compare_digest(str(record.get("mac", "")), _signature(key, record)):
                problems.append(
                    ChainProblem(
                        head_id,
                        f"checkpoint line {number} ({at}) does not match its signature: the "
                        "checkpoint file was edited",
                    )
                )
            else:
                if record.get("previous", "") != previous_mac:
                    problems.append(
                        ChainProblem(
                            None,
                            f"checkpoint line {number} ({at}) does not follow the line before "
                            "it: checkpoints were removed from the file",
                        )
                    )
                good.append(record)
            previous_mac = str(record.get("mac", ""))
    for other, numbers in foreign.items():
        lines = (
            f"line {numbers[0]}"
            if len(numbers) == 1
            else f"{len(numbers)} lines, from line {numbers[0]}"
        )
        problems.append(
            ChainProblem(
                None,
                f"checkpoint {lines}, signed with another audit key (key id {other}; this "
                f"server's is {our_key_id}): the key was replaced, or the lines forged",
            )
        )
    return good, problems


def compare(report, key: bytes) -> None:
    """Add to `report` every way the database differs from what the checkpoints recorded."""
    from .services import ChainProblem, key_id

    good, problems = read_checkpoints(key, key_id(key))
    report.problems.extend(problems)
    report.checkpoints = len(good)
    heads: dict[int, dict] = {}
    for record in good:
        if record["head_id"]:
            heads.setdefault(record["head_id"], record)  # the oldest checkpoint of each head
    found: dict[int, str] = {}
    ids = sorted(heads)
    for start in range(0, len(ids), 500):
        found.update(
            AuditEvent.objects.filter(id__in=ids[start : start + 500]).values_list("id", "hash")
        )
    beyond = [r for i, r in heads.items() if i not in found and i > report.head_id]
    if beyond:
        newest = max(beyond, key=lambda r: r["head_id"])
        first = report.head_id + 1
        span = (
            f"event #{first} is"
            if first == newest["head_id"]
            else f"events #{first}–#{newest['head_id']} are"
        )
        report.problems.append(
            ChainProblem(
                first,
                f"{span} missing: the checkpoint of {newest['at']} recorded "
                f"{newest['events']} events ending at #{newest['head_id']}, and the trail now "
                f"ends at #{report.head_id} (the newest events were deleted or the table "
                "truncated)",
            )
        )
    for head_id, record in sorted(heads.items()):
        if head_id in found and not hmac.compare_digest(found[head_id], record["head_hash"]):
            report.problems.append(
                ChainProblem(
                    head_id,
                    f"it differs from the checkpoint of {record['at']}: this event, or the chain "
                    "before it, was rewritten or renumbered",
                )
            )
