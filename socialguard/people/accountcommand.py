"""The shape every account command shares: EXTERNAL_ID, --as USERNAME, --format json; exit 0 when
done, 1 when refused (not allowed, already has a sign-in, no email), 2 on bad input (unknown
person or --as). One line per error, never a traceback.

Without --as the command line acts as itself: whoever runs it already holds the server and its
database, so it is the way back in when the Headteacher's own sign-in needs resetting. With --as
it has exactly that account's say (the pack's `accounts.managed_by` and `granted_by`)."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from socialguard.audit.context import AuditContext, reset_context, set_context

from .accounts import AccountBadInput, AccountRefused, person_for_account


class AccountCommand(BaseCommand):
    def act(self, *, person, actor, trusted: bool, options) -> dict:
        raise NotImplementedError

    def describe(self, result: dict) -> str:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("external_id", metavar="EXTERNAL_ID")
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="act as this account: its roles decide what is allowed, and the audit trail "
            "names it",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        as_json = options["format"] == "json"
        token = set_context(AuditContext(actor_label="command line"))
        try:
            actor = None
            username = options.get("as_user")
            if username:
                actor = get_user_model().objects.filter(username=username, is_active=True).first()
                if actor is None:
                    raise AccountBadInput("--as", f"no active account {username!r}")
            person = person_for_account(options["external_id"])
            result = self.act(person=person, actor=actor, trusted=actor is None, options=options)
        except AccountRefused as exc:
            self._fail(as_json, exc)
        finally:
            reset_context(token)
        self.stdout.write(json.dumps({"ok": True, **result}) if as_json else self.describe(result))

    def _fail(self, as_json: bool, exc: AccountRefused):
        if as_json:
            self.stdout.write(json.dumps({"ok": False, "field": exc.field, "error": exc.message}))
        else:
            self.stderr.write(f"{exc.field}: {exc.message}")
        raise SystemExit(exc.exit_code)
