"""Streamed, resumable ingest (MON-1): constant memory, gzip, malformed lines counted, never a crash.

A file is identified by (source, SHA-256 of its bytes): the same file ingested again is not counted
twice. Lines are committed in batches together with the line checkpoint, so an interrupted ingest
resumes after the last committed batch and nothing is half-ingested.
"""

import gzip
import hashlib
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.db import transaction

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.policy.trace import enforces

from . import flags as flagging
from .crypto import seal_line
from .identities import Resolver
from .models import Flag, IngestFile, LogLine
from .packdata import SOURCES, monitoring_pack
from .parsers import Malformed, parsers

MAX_LINE = 16_384  # bytes; longer lines are malformed (read in pieces, never held whole)
BATCH = 2_000
SAMPLES = 20


class IngestError(ValueError):
    """The file could not be read at all, or the source is unknown (exit code 2)."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _open(path: Path):
    with path.open("rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")


def read_lines(handle):
    """(line_no, text or None) — None for a line too long, not UTF-8, or binary."""
    number = 0
    while True:
        raw = handle.readline(MAX_LINE + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = handle.readline(1 << 16)  # skip the rest of the line, in pieces
            yield number, None
            continue
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            yield number, None
            continue
        yield number, (None if "\x00" in text else text)


def summary(record: IngestFile, seconds: float, already: bool = False) -> dict:
    out = {
        "source": record.source,
        "lines": record.lines,
        "parsed": record.parsed,
        "malformed": record.malformed,
        "malformed_samples": record.malformed_samples,
        "flags": record.flags,
        "by_severity": record.by_severity,
        "seconds": round(seconds, 3),
    }
    if already:
        out["already_ingested"] = True
    return out


@enforces("MON-1")
def ingest_file(path, source: str, *, name: str = "", progress=None, stop_after=None) -> dict:
    """Ingest one file. `progress(lines_done)` is called after each batch; `stop_after` (lines)
    simulates an interruption for tests."""
    started = time.monotonic()
    if source not in SOURCES:
        raise IngestError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    path = Path(path)
    try:
        sha = file_sha256(path)
        handle = _open(path)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise IngestError(f"cannot read {path}: {exc.__class__.__name__}") from None
    record, _ = IngestFile.objects.get_or_create(
        source=source, sha256=sha, defaults={"name": (name or path.name)[:255], "started_at": clock.now()}
    )
    if record.complete:
        handle.close()
        return summary(record, time.monotonic() - started, already=True)
    config = monitoring_pack()
    parse = parsers()[source]
    resolver = Resolver()
    maker = flagging.FlagMaker(config)
    skip, batch = record.lines, []
    try:
        with handle:
            for number, text in read_lines(handle):
                if number <= skip:
                    continue
                batch.append((number, text))
                if len(batch) >= BATCH:
                    _commit(record, batch, parse, resolver, maker, config)
                    batch = []
                    if progress:
                        progress(record.lines)
                    if stop_after and record.lines >= stop_after:
                        return summary(record, time.monotonic() - started)
            _commit(record, batch, parse, resolver, maker, config, last=True)
    except (OSError, EOFError, gzip.BadGzipFile):
        # A truncated gzip: everything up to the last whole batch stays; the tail is malformed.
        record.malformed += 1
        record.complete = True
        record.finished_at = clock.now()
        record.save()
    if progress:
        progress(record.lines)
    return summary(record, time.monotonic() - started)


def _commit(record, batch, parse, resolver, maker, config, last=False) -> None:
    lines, new_flags = [], []
    severities = Counter(record.by_severity)
    expires = clock.now() + timedelta(days=config.retention_days)
    for number, text in batch:
        event = None
        if text is not None and text.strip():
            try:
                event = parse(text)
            except (Malformed, ValueError, TypeError, KeyError, AttributeError, RecursionError):
                event = None
        if event is None:
            record.malformed += 1
            if len(record.malformed_samples) < SAMPLES:
                record.malformed_samples.append(number)
            continue
        record.parsed += 1
        person, identity = resolver.resolve(event.who, event.time)
        lines.append(LogLine(ingest=record, line_no=number, source=record.source, time=event.time,
                             person=person, sealed=seal_line(text, record.pk, number),
                             expires_at=expires))  # fmt: skip
        for flag in maker.flags_for(event, person, identity):
            flag.ingest, flag.line_no, flag.source = record, number, record.source
            new_flags.append(flag)
            severities[flag.severity] += 1
    with transaction.atomic():
        LogLine.objects.bulk_create(lines)
        created = Flag.objects.bulk_create(new_flags)
        record.lines = batch[-1][0] if batch else record.lines
        record.flags += len(created)
        record.by_severity = dict(severities)
        if last:
            record.complete, record.finished_at = True, clock.now()
            audit_record(action="monitoring.ingested", obj=record,
                         detail={"source": record.source, "lines": record.lines,
                                 "malformed": record.malformed, "flags": record.flags})  # fmt: skip
        record.save()
        resolver.save_unresolved()
    flagging.notify_urgent(created, config)
