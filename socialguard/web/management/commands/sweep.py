import json

from django.core.management.base import BaseCommand

from socialguard.web.schedule import load_sweeps, run_sweeps


class Command(BaseCommand):
    help = "Run the deadline sweep once: reminders before due times, escalations when overdue."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        load_sweeps()
        results = run_sweeps()
        if options["format"] == "json":
            self.stdout.write(json.dumps(results))
        else:
            for name, count in results.items():
                self.stdout.write(f"{name}: {count}")
        if any(v < 0 for v in results.values()):
            raise SystemExit(1)
