import json

from django.core.management.base import BaseCommand

from socialguard.audit.services import audit_verify


class Command(BaseCommand):
    help = "Walk the audit chain; exit 0 when intact, 1 with the first broken event."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        checked, problem = audit_verify()
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "intact": problem is None,
                        "events_checked": checked,
                        "first_bad_event": problem.event_id if problem else None,
                        "reason": problem.reason if problem else None,
                    }
                )
            )
        elif problem is None:
            self.stdout.write(f"Audit trail intact: {checked} events checked.")
        else:
            self.stdout.write(
                f"Audit trail BROKEN at event #{problem.event_id}: {problem.reason}. "
                f"{checked} events before it are intact."
            )
        if problem is not None:
            raise SystemExit(1)
