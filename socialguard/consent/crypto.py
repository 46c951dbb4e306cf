"""Encryption at rest for face embeddings and photos (AES-256-GCM, keys from settings.MASTER_KEY
through HKDF-SHA256 with a purpose-specific `info`). Each ciphertext is bound to what it belongs
to (associated data), so a row copied onto another person does not decrypt."""

import os
import secrets
from functools import cache
from pathlib import Path

import numpy as np
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

NONCE_BYTES = 12


@cache
def _key(master_key: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        master_key.encode()
    )


def _aead(info: bytes) -> AESGCM:
    return AESGCM(_key(settings.MASTER_KEY, info))


def encrypt(data: bytes, *, info: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _aead(info).encrypt(nonce, data, associated)


def decrypt(blob: bytes, *, info: bytes, associated: bytes) -> bytes:
    blob = bytes(blob)
    return _aead(info).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated)


# A sealed file: a random 256-bit key for this file alone, wrapped (AES-256-GCM) by the key
# derived for `info`; then the file encrypted with it. Layout: version, wrap nonce, wrapped key,
# nonce, ciphertext. Deleting the file crypto-shreds it.
SEAL_VERSION = b"\x01"
_WRAPPED_KEY_BYTES = 32 + 16


def seal(data: bytes, *, info: bytes, associated: bytes) -> bytes:
    data_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce, nonce = os.urandom(NONCE_BYTES), os.urandom(NONCE_BYTES)
    wrapped = _aead(info).encrypt(wrap_nonce, data_key, associated)
    return (
        SEAL_VERSION
        + wrap_nonce
        + wrapped
        + nonce
        + AESGCM(data_key).encrypt(nonce, data, associated)
    )


def unseal(blob: bytes, *, info: bytes, associated: bytes) -> bytes:
    """The file sealed by `seal`. cryptography.exceptions.InvalidTag when it was changed, moved
    to another name or sealed with another master key; ValueError when it is not sealed at all."""
    blob = bytes(blob)
    header = 1 + NONCE_BYTES + _WRAPPED_KEY_BYTES + NONCE_BYTES
    if len(blob) < header + 16 or blob[:1] != SEAL_VERSION:
        raise ValueError("not a sealed file")
    wrap_nonce = blob[1 : 1 + NONCE_BYTES]
    wrapped = blob[1 + NONCE_BYTES : 1 + NONCE_BYTES + _WRAPPED_KEY_BYTES]
    nonce = blob[header - NONCE_BYTES : header]
    data_key = _aead(info).decrypt(wrap_nonce, wrapped, associated)
    return AESGCM(data_key).decrypt(nonce, blob[header:], associated)


EMBEDDINGS = b"consent-embeddings"
PHOTOS = b"consent-photos"


def encrypt_embedding(embedding, person_pk: int) -> bytes:
    vector = np.asarray(embedding, dtype=np.float32).reshape(128)
    return encrypt(vector.tobytes(), info=EMBEDDINGS, associated=f"person:{person_pk}".encode())


def decrypt_embedding(blob: bytes, person_pk: int) -> np.ndarray:
    raw = decrypt(blob, info=EMBEDDINGS, associated=f"person:{person_pk}".encode())
    return np.frombuffer(raw, dtype=np.float32).reshape(128)


def photo_dir(kind: str) -> Path:
    path = Path(settings.DATA_DIR) / "consent" / kind
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def photo_store(data: bytes, kind: str) -> str:
    """Encrypt and store a photo under DATA_DIR/consent/<kind>/ with a random name."""
    name = secrets.token_hex(16)
    (photo_dir(kind) / name).write_bytes(encrypt(data, info=PHOTOS, associated=name.encode()))
    return name


def photo_read(name: str, kind: str) -> bytes:
    return decrypt((photo_dir(kind) / name).read_bytes(), info=PHOTOS, associated=name.encode())


def photo_delete(name: str, kind: str) -> None:
    (photo_dir(kind) / name).unlink(missing_ok=True)
