import json
from datetime import date

from django.core.management.base import BaseCommand

from socialguard.records.services import retention_due_list


class Command(BaseCommand):
    help = (
        "List the records whose retention period (the pack's [records.retention]) has ended on "
        "DATE (today by default). Held records are listed with hold=true: they are not due for "
        "destruction until the hold is lifted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--on", metavar="DATE", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        as_json = options["format"] == "json"
        on = None
        if options["on"]:
            try:
                on = date.fromisoformat(options["on"])
            except ValueError:
                message = f"--on: {options['on']!r} is not a date (YYYY-MM-DD)"
                if as_json:
                    self.stdout.write(json.dumps({"error": message}))
                else:
                    self.stderr.write(message)
                raise SystemExit(2) from None
        items = retention_due_list(on=on)
        if as_json:
            self.stdout.write(json.dumps([item.as_dict() for item in items]))
            return
        if not items:
            self.stdout.write("Nothing has reached the end of its retention period.")
        for item in items:
            held = " (HELD: not to be destroyed)" if item.hold else ""
            self.stdout.write(
                f"{item.due.isoformat()}  {item.record_type}  {item.id}  {item.rule}  "
                f"{item.action}{held}"
            )
