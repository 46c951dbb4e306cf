import json

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from socialguard.policy.pack import get_pack
from socialguard.web.demo import DEMO_PASSWORD, DemoPackMismatch, check_demo_pack, load_demo


class Command(BaseCommand):
    help = "Load the St Martin's demo school (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        try:
            check_demo_pack(get_pack())
        except DemoPackMismatch as exc:
            raise CommandError(str(exc), returncode=2) from exc
        # The demo's own notifications (new concerns, approvals…) would bury the sign-in sheet.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            sheet = load_demo()
        if options["format"] == "json":
            self.stdout.write(json.dumps({"password": DEMO_PASSWORD, "accounts": sheet}))
            return
        self.stdout.write("St Martin's demo school loaded. Sign in at http://127.0.0.1:8000/ with")
        self.stdout.write(f"password {DEMO_PASSWORD} and one of these usernames:\n")
        for row in sheet:
            extra = (
                "  + 2FA code: .venv/bin/socialguard demo-code " + row["username"]
                if row["two_factor"]
                else ""
            )
            self.stdout.write(f"  {row['username']:<11} {row['name']:<18} {row['roles']}{extra}")
        self.stdout.write(
            "\nRoles marked 2FA need a six-digit code: run the command shown in another terminal "
            "(from the project folder)."
        )
