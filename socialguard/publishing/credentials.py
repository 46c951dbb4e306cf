"""Connector credentials, encrypted at rest with AES-256-GCM under a key derived from MASTER_KEY."""

import base64
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"publishing-credentials"
_VERSION = "v1"


class CredentialsError(ValueError):
    pass


def _key() -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        settings.MASTER_KEY.encode()
    )


def encrypt_credentials(values: dict[str, str]) -> str:
    """`v1:<base64 nonce+ciphertext>`: a fresh random nonce each time."""
    nonce = os.urandom(12)
    plaintext = json.dumps(values, sort_keys=True).encode()
    sealed = AESGCM(_key()).encrypt(nonce, plaintext, _INFO)
    return f"{_VERSION}:" + base64.b64encode(nonce + sealed).decode()


def decrypt_credentials(token: str) -> dict[str, str]:
    if not token:
        return {}
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise CredentialsError("The stored connector credentials are in an unknown format.")
    raw = base64.b64decode(body)
    try:
        plaintext = AESGCM(_key()).decrypt(raw[:12], raw[12:], _INFO)
    except InvalidTag as exc:
        raise CredentialsError(
            "The stored connector credentials cannot be read with this master key. "
            "Enter them again."
        ) from exc
    return json.loads(plaintext)


def hint_for(secret: str) -> str:
    """What the page may show of a secret: its last four characters, never the whole."""
    secret = secret or ""
    return f"••••{secret[-4:]}" if len(secret) >= 8 else "••••"
