import json

from django.core.management.base import BaseCommand

from socialguard.casework.services import evidence_verify_all


class Command(BaseCommand):
    help = "Re-hash every stored evidence file; exit 0 when all match, 1 on any mismatch."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        results = evidence_verify_all()
        bad = [r for r in results if r["status"] == "mismatch"]
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "intact": not bad,
                        "checked": len(results),
                        "mismatches": bad,
                        "items": results,
                    }
                )
            )
        else:
            for row in bad:
                self.stdout.write(f"MISMATCH {row['case']} {row['evidence']}: {row['reason']}")
            self.stdout.write(
                f"{len(results)} evidence items checked, {len(bad)} mismatch{'es' if len(bad) != 1 else ''}."
            )
        if bad:
            raise SystemExit(1)
