"""Emails kept as files when no mail server is configured (the demo, a first install).

Emails name pupils, staff and their addresses, so they go neither to the server log nor to the
console: each message is one .eml file in EMAIL_FILE_PATH (DATA_DIR/mail), mode 0600, written
under a temporary name and renamed, so a reader never sees half a message. Any mail program opens
an .eml file.
"""

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class FileEmailBackend(BaseEmailBackend):
    def __init__(self, *, file_path=None, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                self._write(message)
            except OSError:
                if not self.fail_silently:
                    raise
            else:
                sent += 1
        return sent

    def _write(self, message) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Names sort in the order the emails were sent.
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        path = self.directory / f"{stamp}-{secrets.token_hex(4)}.eml"
        partial = self.directory / f".{path.name}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(message.message().as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return path
