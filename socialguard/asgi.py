import os

from socialguard.web.datadir import private_umask

# Before Django writes anything (keys, the database, evidence, photos): files 0600, folders 0700.
private_umask()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialguard.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()

from socialguard.web.checks import warn_at_start  # noqa: E402

warn_at_start()
