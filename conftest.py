"""Test settings that must be in place before Django starts."""

import os
import tempfile

os.environ.setdefault("SOCIALGUARD_DATA_DIR", tempfile.mkdtemp(prefix="socialguard-test-"))
os.environ["SOCIALGUARD_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
os.environ["SOCIALGUARD_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialguard.settings")
