import json

from django.core.management.base import BaseCommand

from socialguard.audit.context import AuditContext, reset_context, set_context
from socialguard.people.services import lockout_unlock


class Command(BaseCommand):
    help = (
        "Lift the sign-in lockout of a username (from every address). "
        "Exit 0 when unlocked, 1 when it was not locked out, 2 on bad input."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        as_json = options["format"] == "json"
        username = options["username"]
        token = set_context(AuditContext(actor_label="command line"))
        try:
            cleared = lockout_unlock(username=username, via="command line")
        except ValueError as exc:
            self._answer(as_json, {"unlocked": False, "username": username, "error": str(exc)})
            raise SystemExit(2) from None
        finally:
            reset_context(token)
        self._answer(
            as_json,
            {"unlocked": bool(cleared), "username": username, "records_cleared": cleared},
            f"{username} can sign in again." if cleared else f"{username} is not locked out.",
        )
        if not cleared:
            raise SystemExit(1)

    def _answer(self, as_json: bool, result: dict, text: str = "") -> None:
        if as_json:
            self.stdout.write(json.dumps(result))
        elif "error" in result:
            self.stderr.write(result["error"])
        else:
            self.stdout.write(text)
