"""Small secrets kept in the database (two-factor seeds), sealed with the master key.

AES-256-GCM with a key derived from settings.MASTER_KEY by HKDF-SHA256 for one purpose; each
ciphertext is bound to what it belongs to (associated data), so a seed copied onto another
account does not open. Same construction as the consent app's photo encryption, kept here so
the people app depends on no other app.
"""

import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

NONCE_BYTES = 12
FORMAT = b"\x01"  # first byte of every sealed value, so a later format can be told apart


@cache
def _key(master_key: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        master_key.encode()
    )


def seal(secret: bytes, *, purpose: bytes, bound_to: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    aead = AESGCM(_key(settings.MASTER_KEY, purpose))
    return FORMAT + nonce + aead.encrypt(nonce, secret, bound_to)


def unseal(blob: bytes, *, purpose: bytes, bound_to: bytes) -> bytes:
    """The secret; raises cryptography's InvalidTag if the blob was altered, moved or the master
    key is not the one it was sealed with."""
    blob = bytes(blob)
    if blob[:1] != FORMAT:
        raise ValueError("not a sealed value")
    aead = AESGCM(_key(settings.MASTER_KEY, purpose))
    return aead.decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], bound_to)
