"""Batch photo checks (IMG-3): a zip of event photos, or several photos, checked in the
background, with a contact sheet of the results.

Zip safety: the archive is read in memory, member by member; nothing is ever extracted to a path
named by the archive. Zip bombs are refused before anything is stored (declared file count and
total unzipped size) and again while reading (the bytes actually read, whatever the archive
declares). The uploads are kept encrypted only until the run ends; what remains is a small
encrypted thumbnail of each photo, for the contact sheet.
"""

from __future__ import annotations

import io
import logging
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.people.models import Person
from socialguard.policy.trace import enforces

from . import crypto, faces, photo_check, services
from .models import BatchCheck
from .services import ConsentError

logger = logging.getLogger("socialguard.consent")

# Limits for one batch (all its uploads together).
MAX_FILES = 300
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
THUMB_SIDE = 400
UPLOADS = "batch-uploads"
THUMBS = "batch-thumbs"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class BatchError(ConsentError):
    """An upload refused as a whole: nothing is stored."""


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def _mb(value: int) -> int:
    return value // (1024 * 1024)


def is_zip(upload: Upload) -> bool:
    return upload.name.lower().endswith(".zip") or upload.data[:4] in ZIP_MAGIC


def _open_zip(name: str, data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise BatchError(
            f"{name} is not a zip file that can be opened: it may be damaged. "
            "Make the zip again and upload it.",
            "files",
        ) from None


def _members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    return [info for info in archive.infolist() if not info.is_dir()]


def inspect(uploads: list[Upload]) -> int:
    """The number of files in the uploads; BatchError when any upload is refused."""
    if not uploads:
        raise BatchError("Choose a zip file or photos to check", "files")
    count = total = 0
    for upload in uploads:
        if not upload.data:
            raise BatchError(f"{upload.name} is empty", "files")
        if len(upload.data) > MAX_UPLOAD_BYTES:
            raise BatchError(
                f"{upload.name} is larger than {_mb(MAX_UPLOAD_BYTES)} MB. "
                "Split the photos into smaller zips.",
                "files",
            )
        if is_zip(upload):
            with _open_zip(upload.name, upload.data) as archive:
                members = _members(archive)
                if not members:
                    raise BatchError(f"{upload.name} has no files in it", "files")
                count += len(members)
                total += sum(info.file_size for info in members)
        else:
            count += 1
            total += len(upload.data)
        if count > MAX_FILES:
            raise BatchError(
                f"There are more than {MAX_FILES} files. Check at most {MAX_FILES} photos at a time.",
                "files",
            )
        if total > MAX_UNZIPPED_BYTES:
            raise BatchError(
                f"The photos come to more than {_mb(MAX_UNZIPPED_BYTES)} MB when unzipped. "
                "Check fewer photos at a time.",
                "files",
            )
    return count


@enforces("IMG-3")
def batch_start(*, uploads: list[Upload], purpose: str, actor) -> BatchCheck:
    """Refuse bad uploads (nothing stored), else keep them encrypted for the background run."""
    services.validate_purpose(purpose)
    total = inspect(uploads)
    staged: list[dict] = []
    try:
        for upload in uploads:
            staged.append(
                {
                    "name": upload.name[:255],
                    "stored": crypto.photo_store(upload.data, UPLOADS),
                    "kind": "zip" if is_zip(upload) else "file",
                }
            )
        with transaction.atomic():
            label = uploads[0].name if len(uploads) == 1 else f"{len(uploads)} files"
            batch = BatchCheck.objects.create(
                purpose=purpose,
                label=label[:255],
                started_by=actor,
                staged=staged,
                total=total,
                created_at=clock.now(),
            )
            audit_record(
                action="consent.batch_started",
                obj=batch,
                actor=actor,
                detail={"files": total, "purpose": purpose},
            )
    except Exception:
        for entry in staged:
            crypto.photo_delete(entry["stored"], UPLOADS)
        raise
    return batch


class TooLarge(Exception):
    """A zip holds more than it declares, or more than a batch may."""


def _items(batch: BatchCheck, budget: list[int]) -> Iterator[tuple[str, bytes | None, str]]:
    """(name, data or None, message) for every file of the batch, read in memory."""
    for entry in batch.staged:
        data = crypto.photo_read(entry["stored"], UPLOADS)
        if entry["kind"] != "zip":
            yield entry["name"], data, ""
            continue
        yield from zip_photos(entry["name"], data, budget)


def zip_photos(
    zip_name: str, data: bytes, budget: list[int]
) -> Iterator[tuple[str, bytes | None, str]]:
    """(name, data or None, message) for every file in a zip, read in memory, never extracted.
    budget[0] counts the bytes actually read; past MAX_UNZIPPED_BYTES, TooLarge is raised."""
    limit = settings.UPLOAD_MAX_BYTES
    with _open_zip(zip_name, data) as archive:
        for info in _members(archive):
            name = f"{zip_name}: {info.filename}"
            base = PurePosixPath(info.filename).name
            if info.filename.startswith("__MACOSX/") or base.startswith("."):
                yield name, None, "Skipped: a system file, not a photo"
                continue
            if info.flag_bits & 0x1:
                yield name, None, "Skipped: the file is protected by a password"
                continue
            if info.file_size > limit:
                yield name, None, f"Skipped: larger than {_mb(limit)} MB"
                continue
            try:
                with archive.open(info) as member:
                    content = member.read(limit + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
                yield name, None, "Skipped: the file in the zip is damaged"
                continue
            budget[0] += len(content)
            if len(content) > limit or budget[0] > MAX_UNZIPPED_BYTES:
                raise TooLarge
            yield name, content, ""


def _thumbnail(data: bytes, found: list[dict]) -> tuple[str, list[dict]]:
    image, scale = faces.load_scaled(data, max_pixels=THUMB_SIDE * THUMB_SIDE, max_side=THUMB_SIDE)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=85)
    boxes = [{**f, "box": [round(v * scale) for v in f["box"]]} for f in found]  # names stay ids
    return crypto.photo_store(out.getvalue(), THUMBS), boxes


def _check_one(batch: BatchCheck, name: str, data: bytes) -> dict:
    row = {"name": name[:300], "verdict": None, "message": "", "check_id": None, "thumb": ""}
    try:
        result, check = services.photo_check_run(
            data=data, purpose=batch.purpose, actor=batch.started_by, via="batch"
        )
        row["thumb"], row["faces"] = _thumbnail(data, result["faces"])
    except (faces.PhotoError, ConsentError) as error:
        row["message"] = f"Skipped: {getattr(error, 'message', str(error))}"
        return row
    row.update(verdict=result["verdict"], check_id=check.pk)
    return row


def _delete_files(batch: BatchCheck, thumbs: bool = False) -> None:
    for entry in batch.staged:
        crypto.photo_delete(entry["stored"], UPLOADS)
    if thumbs:
        for row in batch.results:
            if row.get("thumb"):
                crypto.photo_delete(row["thumb"], THUMBS)


@enforces("IMG-3")
def batch_run(batch: BatchCheck) -> BatchCheck:
    """Check every photo of the batch (the background task). The uploads are deleted at the end."""
    batch.state, batch.results, batch.processed = "running", [], 0
    batch.save(update_fields=["state", "results", "processed"])
    budget = [0]
    try:
        for name, data, message in _items(batch, budget):
            if data is None:
                row = {"name": name[:300], "verdict": None, "message": message, "thumb": ""}
            else:
                row = _check_one(batch, name, data)
            batch.results.append(row)
            batch.processed += 1
            batch.total = max(batch.total, batch.processed)
            batch.save(update_fields=["results", "processed", "total"])
    except TooLarge:
        _delete_files(batch, thumbs=True)
        batch.results, batch.state = [], "failed"
        batch.error = (
            f"The zip holds more than its listing says: over {_mb(MAX_UNZIPPED_BYTES)} MB "
            f"unzipped, or a photo over {_mb(settings.UPLOAD_MAX_BYTES)} MB. It was not checked "
            "and nothing of it was kept."
        )
    except Exception:  # the run must end, and the uploads must go, whatever happens
        logger.exception("batch check %s failed", batch.pk)
        _delete_files(batch, thumbs=True)
        batch.results, batch.state = [], "failed"
        batch.error = (
            "The check stopped because of a problem in SocialGuard. Nothing was kept; try again."
        )
    else:
        _delete_files(batch)
        batch.state = "done"
    batch.staged, batch.finished_at = [], clock.now()
    batch.save(update_fields=["staged", "state", "results", "error", "finished_at"])
    audit_record(
        action="consent.batch_checked",
        obj=batch,
        actor=batch.started_by,
        detail={"state": batch.state, "counts": batch.counts()},
    )
    return batch


# --------------------------------------------------------------------------- the contact sheet

VERDICT_TEXT = {
    "pass": "Can be used",
    "review": "A person must check it",
    "block": "Must not be used",
    None: "Not checked",
}
_VERDICT_COLOURS = {
    "pass": (0, 112, 60),
    "review": (182, 77, 0),
    "block": (212, 53, 28),
    None: (80, 90, 95),
}
COLUMNS = 4
CELL = THUMB_SIDE + 20
CAPTION = 64
HEADER = 90


def _names_for(batch: BatchCheck) -> dict[str, str]:
    ids = {
        f["external_id"]
        for row in batch.results
        for f in row.get("faces", [])
        if f.get("external_id")
    }
    return {p.external_id: p.full_name for p in Person.objects.filter(external_id__in=ids)}


def _fit(draw, text: str, font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def contact_sheet(batch: BatchCheck, *, names: bool, purpose_label: str) -> bytes:
    """A PNG grid: each photo's thumbnail with its coloured face boxes and its verdict. Names
    of the people found appear only when `names` (the viewer may see them)."""
    rows = max(1, -(-len(batch.results) // COLUMNS))
    sheet = Image.new("RGB", (COLUMNS * CELL, HEADER + rows * (CELL + CAPTION)), "white")
    draw = ImageDraw.Draw(sheet)
    title_font = ImageFont.load_default(size=24)
    font = ImageFont.load_default(size=15)
    counts = batch.counts()
    draw.text((10, 10), _fit(draw, f"Photo check: {batch.label}", title_font, sheet.width - 20),
              fill=(11, 12, 12), font=title_font)  # fmt: skip
    summary = (
        f"For: {purpose_label}. Checked {batch.created_at:%d %B %Y %H:%M}. "
        f"{counts['pass']} can be used, {counts['review']} to check, {counts['block']} must not "
        f"be used, {counts['skipped']} skipped."
    )
    draw.text((10, 48), _fit(draw, summary, font, sheet.width - 20), fill=(11, 12, 12), font=font)
    people = _names_for(batch) if names else None
    for number, row in enumerate(batch.results):
        x = (number % COLUMNS) * CELL + 10
        y = HEADER + (number // COLUMNS) * (CELL + CAPTION)
        if row.get("thumb"):
            try:
                thumb = crypto.photo_read(row["thumb"], THUMBS)
                boxed = photo_check.render_boxes(
                    thumb, row.get("faces", []), labels=names, names=people, max_side=THUMB_SIDE
                )
                sheet.paste(Image.open(io.BytesIO(boxed)).convert("RGB"), (x, y))
            except (OSError, ValueError):
                draw.rectangle((x, y, x + THUMB_SIDE, y + THUMB_SIDE), outline=(177, 180, 182))
        else:
            draw.rectangle((x, y, x + THUMB_SIDE, y + THUMB_SIDE), outline=(177, 180, 182))
        caption_y = y + THUMB_SIDE + 6
        draw.text((x, caption_y), _fit(draw, f"{number + 1}. {row['name']}", font, THUMB_SIDE),
                  fill=(11, 12, 12), font=font)  # fmt: skip
        verdict = row.get("verdict")
        text = VERDICT_TEXT[verdict] if verdict else row.get("message") or VERDICT_TEXT[None]
        draw.text((x, caption_y + 22), _fit(draw, text, font, THUMB_SIDE),
                  fill=_VERDICT_COLOURS.get(verdict, _VERDICT_COLOURS[None]), font=font)  # fmt: skip
    out = io.BytesIO()
    sheet.save(out, format="PNG", optimize=True)
    return out.getvalue()
