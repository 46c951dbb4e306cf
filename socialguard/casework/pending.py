"""A screenshot kept across a report form that failed validation, so nobody has to find it again.

The bytes are encrypted into the evidence vault like any evidence (vault.encrypt_and_store); the
wrapped key and the name live only in the reporter's own server-side session, and the form
carries a signed token naming the entry. A token from anyone else's form names nothing in this
session, so a pending upload can be attached only by the session that sent it. No Evidence row
refers to the file, so services.vault_orphans_sweep removes it after ORPHAN_GRACE if the form is
never sent; a kept upload is used (or dropped) at most once.

SLT-5: nothing is kept unless the reporter has answered "No" to "could it include an indecent
image of a child?", and a kept upload is shredded the moment the answer becomes "Yes"."""

import base64
import secrets
import time

from cryptography.exceptions import InvalidTag
from django.core import signing

from . import vault
from .uploads import refuse_oversized_image

SESSION_KEY = "casework_pending_uploads"
SALT = "socialguard.casework.pending-upload"
MAX_AGE_SECONDS = 50 * 60  # well inside ORPHAN_GRACE (1 hour): the sweep never races a live form
MAX_KEPT = 5


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


class PendingUploads:
    def __init__(self, session):
        self.session = session

    def _entries(self) -> dict:
        entries = self.session.get(SESSION_KEY)
        return entries if isinstance(entries, dict) else {}

    def _save(self, entries: dict) -> None:
        self.session[SESSION_KEY] = entries
        self.session.modified = True

    def _id(self, token: str) -> str | None:
        if not token:
            return None
        try:
            pid = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
        except signing.BadSignature:
            return None
        return pid if isinstance(pid, str) and pid in self._entries() else None

    def keep(self, content: bytes, name: str) -> str:
        """Store the bytes; the token for the form. EvidenceRefused when the file would be
        refused anyway (empty, wrong type, damaged, too many pixels), so it is not kept."""
        refuse_oversized_image(content)
        vault.sniff(content)
        if vault.sha256_hex(content) in vault.known_hashes():
            raise vault.EvidenceRefused(
                "This file cannot be kept: say where the item is instead of uploading it"
            )
        entries = self._entries()
        while len(entries) >= MAX_KEPT:  # the oldest go first
            oldest = min(entries, key=lambda k: entries[k]["created"])
            vault.remove_file(entries.pop(oldest)["storage_name"])
        stored = vault.encrypt_and_store(content)
        pid = secrets.token_urlsafe(18)
        entries[pid] = {
            "storage_name": stored["storage_name"],
            "nonce": _b64(stored["nonce"]),
            "wrapped_key": _b64(stored["wrapped_key"]),
            "wrap_nonce": _b64(stored["wrap_nonce"]),
            "name": (name or "file")[:200],
            "created": time.time(),
        }
        self._save(entries)
        return signing.dumps(pid, salt=SALT)

    def name(self, token: str) -> str | None:
        """The file name of a kept upload this session may use, or None."""
        pid = self._id(token)
        return self._entries()[pid]["name"] if pid else None

    def take(self, token: str) -> tuple[str, bytes] | None:
        """(name, bytes) of the kept upload, removed from the store; None if there is none
        (unknown token, another session's, or swept)."""
        pid = self._id(token)
        if pid is None:
            return None
        entries = self._entries()
        entry = entries.pop(pid)
        self._save(entries)
        try:
            content = vault.decrypt(
                storage_name=entry["storage_name"],
                nonce=base64.b64decode(entry["nonce"]),
                wrapped_key=base64.b64decode(entry["wrapped_key"]),
                wrap_nonce=base64.b64decode(entry["wrap_nonce"]),
            )
        except (OSError, ValueError, InvalidTag):  # swept, or tampered with: not usable
            content = None
        vault.remove_file(entry["storage_name"])
        return (entry["name"], content) if content else None

    def discard(self, token: str) -> None:
        """Shred a kept upload (the key goes with the session entry, the file is removed)."""
        pid = self._id(token)
        if pid is None:
            return
        entries = self._entries()
        vault.remove_file(entries.pop(pid)["storage_name"])
        self._save(entries)
