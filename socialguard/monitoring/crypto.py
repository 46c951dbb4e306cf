"""Raw log lines sealed at rest: AES-256-GCM, key derived from settings.MASTER_KEY by HKDF for this
purpose only; each line bound to its file and line number (a moved ciphertext does not open)."""

import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PURPOSE = b"socialguard.monitoring.lines.v1"


@cache
def _aead(master_key: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
        master_key.encode()
    )
    return AESGCM(key)


def _bound(ingest_id: int, line_no: int) -> bytes:
    return f"{ingest_id}:{line_no}".encode()


def seal_line(text: str, ingest_id: int, line_no: int) -> bytes:
    nonce = os.urandom(12)
    return nonce + _aead(settings.MASTER_KEY).encrypt(
        nonce, text.encode(), _bound(ingest_id, line_no)
    )


def open_line(blob: bytes, ingest_id: int, line_no: int) -> str:
    blob = bytes(blob)
    plain = _aead(settings.MASTER_KEY).decrypt(blob[:12], blob[12:], _bound(ingest_id, line_no))
    return plain.decode()
