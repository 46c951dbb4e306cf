from django.contrib.auth import get_user_model

from socialguard.audit.context import AuditContext, reset_context, set_context
from socialguard.people.importcommand import CsvImportCommand
from socialguard.people.services import people_import


class Command(CsvImportCommand):
    help = (
        "Import people from a CSV file (all or nothing; safe to run again). Changing a role the "
        "policy pack reserves (the safeguarding roles) needs --as USERNAME of someone who may "
        "grant it; without --as the command line may change only the other roles."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="act as this account: its roles decide which roles the file may change, "
            "and the audit trail names it",
        )

    def handle(self, *args, **options):
        self.actor = None
        username = options.get("as_user")
        if username:
            self.actor = get_user_model().objects.filter(username=username, is_active=True).first()
            if self.actor is None:
                self._fail(
                    options["format"] == "json",
                    [{"line": 0, "column": "--as", "message": f"no active account {username!r}"}],
                )
        # Without --as the audit trail says the command line did it, not an anonymous "system".
        token = set_context(AuditContext(actor_label="command line"))
        try:
            super().handle(*args, **options)
        finally:
            reset_context(token)

    def run_import(self, content: bytes) -> dict:
        return people_import(content=content, actor=self.actor, via="command line")

    def describe(self, result: dict) -> str:
        return (
            f"Imported {result['rows']} rows: {result['created']} new, {result['updated']} updated."
        )
