"""The evidence vault: content sniffing, AES-256-GCM encryption at rest, the known-hash list.

Each file gets a random 256-bit data key; the data key is wrapped (AES-256-GCM) by a key derived
from settings.MASTER_KEY with HKDF-SHA256. Ciphertext lives under DATA_DIR/evidence with a random
name; deleting the wrapped key and the file crypto-shreds the item."""

import email.parser
import hashlib
import io
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from PIL import Image

from .packdata import casework_config

ALLOWED_DESCRIPTION = (
    "a screenshot (PNG, JPEG, GIF or WebP), a PDF, a text file, a saved web page (HTML or MHTML) "
    "or an email saved as .eml"
)


class EvidenceRefused(ValueError):
    """An upload that cannot be accepted; the message says why, for the person uploading, and
    `field` names the input at fault (captured_at, site_address or file)."""

    def __init__(self, message: str, field: str = "file"):
        super().__init__(message)
        self.field = field


def evidence_dir() -> Path:
    path = Path(settings.DATA_DIR) / "evidence"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _master_key() -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"socialguard-evidence",
        info=b"socialguard evidence key wrapping v1",
    ).derive(settings.MASTER_KEY.encode())


def _image_ok(content: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
        with Image.open(io.BytesIO(content)) as image:
            image.load()
    except Exception:
        return False
    return True


def _text_type(content: bytes) -> str | None:
    if b"\x00" in content:
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = content.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
            return None
    head = text.lstrip()[:2000].lower()
    if head.startswith(("<!doctype html", "<html")):
        return "text/html"
    message = email.parser.Parser().parsestr(text[:20000], headersonly=True)
    content_type = (message.get("Content-Type") or "").lower()
    if message.get("MIME-Version") and "multipart/related" in content_type:
        return "multipart/related"
    if message.get("From") and (message.get("Subject") is not None or message.get("Date")):
        return "message/rfc822"
    return "text/plain"


def sniff(content: bytes) -> str:
    """The content type of an upload, from its bytes; EvidenceRefused for anything else."""
    if not content:
        raise EvidenceRefused("The file is empty")
    image_type = None
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        image_type = "image/png"
    elif content.startswith(b"\xff\xd8\xff"):
        image_type = "image/jpeg"
    elif content.startswith((b"GIF87a", b"GIF89a")):
        image_type = "image/gif"
    elif content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        image_type = "image/webp"
    if image_type:
        if not _image_ok(content):
            raise EvidenceRefused(
                "The image is damaged or incomplete and cannot be opened: upload the original screenshot"
            )
        return image_type
    if content.startswith(b"%PDF-"):
        if b"%%EOF" not in content[-2048:]:
            raise EvidenceRefused("The PDF is damaged or incomplete: upload the complete file")
        return "application/pdf"
    kind = _text_type(content)
    if kind is None:
        raise EvidenceRefused(f"This type of file is not accepted. Upload {ALLOWED_DESCRIPTION}")
    return kind


def known_hashes() -> set[str]:
    path = casework_config().known_hash_path
    if path is None or not path.exists():
        return set()
    hashes_ = set()
    for line in path.read_text(encoding="utf-8", errors="ignore").splitlines():
        line = line.strip().lower()
        if len(line) == 64 and all(c in "0123456789abcdef" for c in line):
            hashes_.add(line)
    return hashes_


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def encrypt_and_store(content: bytes) -> dict:
    """Encrypt with a fresh data key, write under a random name; return what the DB keeps.
    The storage name is the associated data, so a file swapped for another fails to decrypt."""
    storage_name = secrets.token_hex(24)
    associated = storage_name.encode()
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = secrets.token_bytes(12)
    ciphertext = AESGCM(data_key).encrypt(nonce, content, associated)
    path = evidence_dir() / storage_name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(ciphertext)
    wrap_nonce = secrets.token_bytes(12)
    wrapped = AESGCM(_master_key()).encrypt(wrap_nonce, data_key, associated)
    return {
        "storage_name": storage_name,
        "nonce": nonce,
        "wrapped_key": wrapped,
        "wrap_nonce": wrap_nonce,
    }


def is_storage_name(name: str) -> bool:
    """A name encrypt_and_store could have chosen (48 lowercase hex digits)."""
    return len(name) == 48 and all(c in "0123456789abcdef" for c in name)


def remove_file(storage_name: str) -> None:
    if storage_name:
        try:
            (evidence_dir() / storage_name).unlink()
        except FileNotFoundError:
            pass


def decrypt(*, storage_name: str, nonce: bytes, wrapped_key: bytes, wrap_nonce: bytes) -> bytes:
    associated = storage_name.encode()
    data_key = AESGCM(_master_key()).decrypt(bytes(wrap_nonce), bytes(wrapped_key), associated)
    ciphertext = (evidence_dir() / storage_name).read_bytes()
    return AESGCM(data_key).decrypt(bytes(nonce), ciphertext, associated)
