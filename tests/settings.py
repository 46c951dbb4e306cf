"""Settings for the test suite: the product's settings with a scratch data directory,
tasks run at once, and email kept in memory."""

import os
import tempfile

os.environ.setdefault("SOCIALGUARD_DATA_DIR", tempfile.mkdtemp(prefix="socialguard-test-"))
os.environ["SOCIALGUARD_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
os.environ["SOCIALGUARD_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.pop("EMAIL_URL", None)

from socialguard.settings import *  # noqa: E402,F403

WHITENOISE_AUTOREFRESH = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
