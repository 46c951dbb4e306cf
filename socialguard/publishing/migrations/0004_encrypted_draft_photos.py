"""Encrypt the draft and archive photos already on disk (they were plain image files, 0644).

Every file under DATA_DIR/publishing/drafts and /archive is sealed in place the way
publishing.media now writes them (AES-256-GCM, a random key per file wrapped by the master key,
bound to its stored name): written to a temporary file (0600) and renamed over the plain one, so
a stop half-way leaves each file either plain or sealed, never broken; running it again seals
only what is still plain. Reversing it decrypts them again. No table changes.

It also takes out of each draft what its author must not learn (IMG-3): the photo checks kept on
draft photos lose the external ids, distances and the restricted status, and photo findings that
said "restricted" say "not allowed in this use", like those written from now on.
"""

import os
import re
from pathlib import Path

from django.conf import settings
from django.db import migrations

PURPOSE = b"publishing-photos"
FOLDERS = ("drafts", "archive")


def _files():
    root = Path(settings.DATA_DIR) / "publishing"
    for folder in FOLDERS:
        directory = root / folder
        if not directory.is_dir():
            continue
        os.chmod(directory, 0o700)
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.name.isalnum():
                yield f"{folder}/{path.name}", path


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def encrypt_photos(apps, schema_editor):
    from socialguard.consent import crypto

    for stored_name, path in _files():
        data = path.read_bytes()
        if data[:1] == crypto.SEAL_VERSION:  # already sealed (no JPEG, PNG or WebP starts so)
            continue
        _replace(path, crypto.seal(data, info=PURPOSE, associated=stored_name.encode()))


def decrypt_photos(apps, schema_editor):
    from socialguard.consent import crypto

    for stored_name, path in _files():
        data = path.read_bytes()
        if data[:1] != crypto.SEAL_VERSION:
            continue
        _replace(path, crypto.unseal(data, info=PURPOSE, associated=stored_name.encode()))


_FINDING = re.compile(r"^(?P<label>.*): a face in the photo is (?P<detail>.+)\.$")
# The statuses the old messages listed ("no consent, restricted, unknown"), in today's words.
_WORDS = {
    "restricted": "not allowed in this use",
    "no consent": "not allowed in this use",
    "unknown": "not recognised",
    "not cleared": "not cleared",
}


def _redacted_check(result):
    if not isinstance(result, dict):
        return result
    hidden = {"restricted": "not_allowed", "no_consent": "not_allowed"}
    faces = []
    for face in result.get("faces") or []:
        status = face.get("status", "unknown")
        faces.append(
            {
                "box": face.get("box", []),
                "external_id": None,
                "status": hidden.get(status, status),
                "distance": None,
            }
        )
    return {**result, "faces": faces}


def _redacted_finding(finding):
    if finding.get("check") != "photo":
        return finding
    found = _FINDING.match(finding.get("message", ""))
    if not found:
        return finding
    listed = [word.strip() for word in found["detail"].split(",")]
    if not all(word in _WORDS for word in listed):  # already in today's words
        return finding
    words = sorted({_WORDS[word] for word in listed})
    message = f"{found['label']}: a face in the photo is {' or '.join(words)}."
    return {**finding, "message": message}


def redact_drafts(apps, schema_editor):
    DraftImage = apps.get_model("publishing", "DraftImage")
    Draft = apps.get_model("publishing", "Draft")
    for image in DraftImage.objects.exclude(photo_check=None).iterator():
        image.photo_check = _redacted_check(image.photo_check)
        image.save(update_fields=["photo_check"])
    for draft in Draft.objects.iterator():
        findings = [_redacted_finding(f) for f in draft.findings or []]
        if findings != (draft.findings or []):
            draft.findings = findings
            draft.save(update_fields=["findings"])


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0003_newsletter_labels_from_pack"),
    ]

    operations = [
        migrations.RunPython(encrypt_photos, decrypt_photos, elidable=False),
        migrations.RunPython(redact_drafts, migrations.RunPython.noop, elidable=False),
    ]
