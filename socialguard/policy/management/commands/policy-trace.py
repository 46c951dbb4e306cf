import json

from django.core.management.base import BaseCommand

from socialguard.policy.tracing import policy_trace


class Command(BaseCommand):
    help = "Each clause of the policy: the code that enforces it and the tests that prove it."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        rows = policy_trace()
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, indent=1))
            return
        uncovered = []
        for row in rows:
            self.stdout.write(f"{row['id']} [{row['kind']}]")
            for where in row["code"]:
                self.stdout.write(f"    code: {where}")
            for test in row["tests"]:
                self.stdout.write(f"    test: {test}")
            if row["kind"] in ("E", "W") and not row["tests"]:
                uncovered.append(row["id"])
        proven = sum(1 for r in rows if r["tests"])
        self.stdout.write(f"\n{proven} of {len(rows)} clauses are named by a test.")
        if uncovered:
            self.stdout.write(
                "Enforceable or workflow clauses not yet proven by a test: " + ", ".join(uncovered)
            )
