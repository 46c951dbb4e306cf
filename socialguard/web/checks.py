"""What a school's IT technician must fix before SocialGuard holds real records.

`socialguard check --deploy` reports these; with SOCIALGUARD_PRODUCTION=1 the server also warns at
start (serve, wsgi, asgi). Each message says what is wrong and why it matters; each hint says what
to do, in commands.
"""

import sys
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.checks import Warning, register
from django.db import DatabaseError
from django.db.models import Q

from socialguard.web.datadir import data_dir_open_paths, is_shared_folder

# Email backends that deliver nothing, and where the emails go instead.
UNSENT_EMAIL = {
    "socialguard.web.mail.FileEmailBackend": "written to files in {mail_dir}",
    "django.core.mail.backends.filebased.EmailBackend": "written to files in {mail_dir}",
    "django.core.mail.backends.console.EmailBackend": (
        "printed into the server log, names and addresses included"
    ),
    "django.core.mail.backends.locmem.EmailBackend": "kept in memory and lost",
    "django.core.mail.backends.dummy.EmailBackend": "thrown away",
}


def demo_usernames_present() -> list[str]:
    """The demo school's accounts that can still sign in (username and person both the demo's)."""
    from socialguard.people.models import Person
    from socialguard.web.demo import DEMO_ACCOUNTS

    pairs = [Q(external_id=eid, user__username=name) for eid, name in DEMO_ACCOUNTS.items()]
    try:
        found = Person.objects.filter(reduce(or_, pairs), user__is_active=True)
        return sorted(found.values_list("user__username", flat=True))
    except DatabaseError:
        return []  # not migrated yet: no accounts at all


@register(deploy=True)
def check_demo_accounts(app_configs=None, **kwargs):
    usernames = demo_usernames_present()
    if not usernames:
        return []
    return [
        Warning(
            f"The demo school's accounts are in this database ({', '.join(usernames)}). Their "
            "password is printed in SocialGuard's README, so anyone can sign in with them, and "
            "anyone with a shell on this server can get their two-factor codes with "
            "`socialguard demo-code`.",
            hint="Install the school on an empty data directory and database (a new "
            "SOCIALGUARD_DATA_DIR, or a new DATABASE_URL), run `socialguard migrate`, and load "
            "your staff with `socialguard import-people FILE.csv`; never run "
            "`socialguard load-demo` there.",
            id="socialguard.W001",
        )
    ]


@register(deploy=True)
def check_email_is_sent(app_configs=None, **kwargs):
    where = UNSENT_EMAIL.get(settings.EMAIL_BACKEND)
    if where is None:
        return []
    where = where.format(mail_dir=getattr(settings, "EMAIL_FILE_PATH", ""))
    return [
        Warning(
            f"Emails are not sent: they are {where}. Nobody hears of a new concern, a deadline "
            "or an approval.",
            hint="Set EMAIL_URL to the school's mail server, for example "
            "EMAIL_URL=submission://USER:PASSWORD@smtp.example.org:587 (smtp://, smtps:// and "
            "submission:// are understood), and SOCIALGUARD_FROM_EMAIL to the address the "
            "emails come from; then restart SocialGuard.",
            id="socialguard.W002",
        )
    ]


@register(deploy=True)
def check_data_dir_private(app_configs=None, **kwargs):
    data_dir = settings.DATA_DIR
    if is_shared_folder(data_dir):
        return [
            Warning(
                f"The data directory is {data_dir}, a folder SocialGuard does not have to itself, "
                "so it does not make it private.",
                hint="Set SOCIALGUARD_DATA_DIR to a folder of its own, for example "
                "/var/lib/socialguard, owned by the account SocialGuard runs as.",
                id="socialguard.W003",
            )
        ]
    open_paths = data_dir_open_paths(data_dir)
    if not open_paths:
        return []
    examples = ", ".join(str(p) for p in open_paths[:3])
    what = "file or folder" if len(open_paths) == 1 else "files or folders"
    return [
        Warning(
            f"{len(open_paths)} {what} in the data directory {data_dir} can be read by other "
            f"accounts on this server (for example {examples}). The data directory holds the "
            "keys, the database and photos of pupils.",
            hint="SocialGuard makes them private itself when it starts, so these belong to "
            "another account or sit on a file system without permissions. As root run "
            f"`chown -R SERVICE_ACCOUNT: {data_dir} && chmod -R go-rwx {data_dir}` "
            "(SERVICE_ACCOUNT being the account SocialGuard runs as).",
            id="socialguard.W003",
        )
    ]


@register(deploy=True)
def check_production_set(app_configs=None, **kwargs):
    # settings.py silences Django's own warnings about these four settings (security.W004,
    # W008, W012, W016) while SOCIALGUARD_PRODUCTION is off, so this one line stands for them.
    if settings.PRODUCTION:
        return []
    return [
        Warning(
            "SOCIALGUARD_PRODUCTION is not set to 1, so the settings for serving over HTTPS "
            "(secure cookies, HSTS, redirect to https://) are off.",
            hint="On the school's server set SOCIALGUARD_PRODUCTION=1, with "
            "SOCIALGUARD_ALLOWED_HOSTS and SOCIALGUARD_SITE_URL set to its address, behind a "
            "proxy that serves HTTPS.",
            id="socialguard.W004",
        )
    ]


def production_warnings() -> list[Warning]:
    """What the server warns about at start when SOCIALGUARD_PRODUCTION=1."""
    if not settings.PRODUCTION:
        return []
    return [*check_demo_accounts(), *check_email_is_sent(), *check_data_dir_private()]


def warn_at_start(stream=None) -> None:
    """Print the production warnings to the server's error output (its log under a service
    manager), whatever the log level."""
    stream = stream or sys.stderr
    for warning in production_warnings():
        stream.write(
            f"SocialGuard warning ({warning.id}): {warning.msg}\n  What to do: {warning.hint}\n"
        )
    stream.flush()
