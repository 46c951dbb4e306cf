"""Images of drafts and of the archive: checked, stripped of metadata, stored under
DATA_DIR/publishing with random names (never under static), encrypted at rest like the consent
app's photos (AES-256-GCM, a random key per file wrapped by the master key, bound to the file's
name) and decrypted only in memory, for the photo check, the preview and publishing."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from socialguard.consent import services as consent
from socialguard.web import images

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# What the files are encrypted for (the key derived from the master key for it).
ENCRYPTION_PURPOSE = b"publishing-photos"
FOLDERS = ("drafts", "archive")


class ImageRefused(ValueError):
    pass


@dataclass(frozen=True)
class StoredImage:
    stored_name: str
    content_type: str
    size: int
    sha256: str


def media_dir(*parts: str) -> Path:
    path = Path(settings.DATA_DIR) / "publishing"
    path = path.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def max_image_bytes() -> int:
    return min(MAX_IMAGE_BYTES, getattr(settings, "UPLOAD_MAX_BYTES", MAX_IMAGE_BYTES))


DAMAGED = "The selected image is damaged and cannot be read: save it again and upload it"


def image_format(data: bytes) -> str:
    """The image's format, or ImageRefused with a message a member of staff can act on."""
    if not data:
        raise ImageRefused("The selected image is empty")
    if len(data) > max_image_bytes():
        raise ImageRefused(
            f"The image must be smaller than {max_image_bytes() // (1024 * 1024)} MB"
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            # The one limit for every image (settings.MAX_IMAGE_MEGAPIXELS), from the header.
            images.check_pixels(image.width, image.height, noun="image")
            image.verify()
    except images.ImageTooLarge as exc:
        raise ImageRefused(exc.message) from None
    except Image.DecompressionBombError as exc:
        # Pillow refuses an image whose header claims more pixels than twice its limit (a
        # decompression bomb): say so, rather than calling it "not an image".
        raise ImageRefused(images.bomb_error(exc, noun="image").message) from exc
    except UnidentifiedImageError as exc:
        raise ImageRefused("The selected file must be a JPG, PNG or WebP image") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused(DAMAGED) from exc
    if fmt not in ALLOWED_FORMATS:
        raise ImageRefused("The selected file must be a JPG, PNG or WebP image")
    return fmt


def strip_metadata(data: bytes) -> bytes:
    """EXIF (GPS, camera, times) removed before anything is published. Uses the consent app's
    stripper when it is there (it also handles phone photos), else re-encodes with Pillow."""
    try:
        from socialguard.consent.faces import strip_metadata as consent_strip
    except (ImportError, AttributeError):
        consent_strip = None
    if consent_strip is not None:
        return consent_strip(data)
    with Image.open(io.BytesIO(data)) as image:
        fmt = image.format
        clean = ImageOps.exif_transpose(image).copy()
    clean.info = {}
    out = io.BytesIO()
    if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    clean.save(out, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return out.getvalue()


def image_store(data: bytes, *, folder: str = "drafts") -> StoredImage:
    """Check, strip and store an image. Returns where it went and its hash."""
    fmt = image_format(data)
    try:
        clean = strip_metadata(data)
    except ImageRefused:
        raise
    except (ValueError, OSError, SyntaxError) as exc:
        # A header that reads but pixels that do not (a truncated upload): a message, not a 500.
        raise ImageRefused(DAMAGED) from exc
    fmt = image_format(clean)
    stored_name = _write(clean, folder)
    return StoredImage(
        stored_name=stored_name,
        content_type=ALLOWED_FORMATS[fmt],
        size=len(clean),
        sha256=hashlib.sha256(clean).hexdigest(),
    )


def _path(stored_name: str) -> Path:
    folder, _, name = stored_name.partition("/")
    if folder not in FOLDERS or not name.isalnum():
        raise ImageRefused("Unknown image")
    return media_dir(folder) / name


def encrypt_file(data: bytes, stored_name: str) -> bytes:
    return consent.file_encrypt(data, purpose=ENCRYPTION_PURPOSE, name=stored_name)


def _write(data: bytes, folder: str) -> str:
    """Encrypt and write under a new random name (0600, never overwriting); the stored name."""
    stored_name = f"{folder}/{secrets.token_hex(16)}"
    blob = encrypt_file(data, stored_name)
    fd = os.open(_path(stored_name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(blob)
    return stored_name


def image_read(stored_name: str) -> bytes:
    """The image, decrypted in memory (the file on disk is ciphertext)."""
    blob = _path(stored_name).read_bytes()
    return consent.file_decrypt(blob, purpose=ENCRYPTION_PURPOSE, name=stored_name)


def image_copy_to_archive(stored_name: str) -> str:
    """The archive keeps its own copy, so a later edit of the draft never changes what was published."""
    return _write(image_read(stored_name), "archive")
