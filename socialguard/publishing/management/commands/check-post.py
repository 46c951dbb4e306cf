import json
from pathlib import Path

from django.core.management.base import BaseCommand

from socialguard.publishing import media, services


class Command(BaseCommand):
    help = (
        "Check a post before it is published (PRIN-b/c/d/f/g, CB-2, RESP-1). "
        "Exit 0 pass or review, 1 block, 2 bad input."
    )

    def add_arguments(self, parser):
        parser.add_argument("--channel", required=True, help="a channel ID of the policy pack")
        parser.add_argument("--text", required=True)
        parser.add_argument("--image", action="append", default=[], metavar="PATH")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        as_json = options["format"] == "json"
        try:
            images = [Path(p).read_bytes() for p in options["image"]]
        except OSError as exc:
            self._bad(as_json, f"cannot read {exc.filename}: {exc.strerror}")
        try:
            result = services.check_post(
                text=options["text"], channel=options["channel"], images=images
            )
        except (services.PublishingError, media.ImageRefused) as exc:
            self._bad(as_json, str(exc))
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(f"Verdict: {result['verdict']}")
            for f in result["findings"]:
                where = f" [{f['start']}:{f['end']}]" if f["end"] > f["start"] else ""
                self.stdout.write(f"  {f['severity']:6} {f['clause']:7} {f['message']}{where}")
                if f["suggestion"]:
                    self.stdout.write(f"         → {f['suggestion']}")
        if result["verdict"] == "block":
            raise SystemExit(1)

    def _bad(self, as_json, message):
        if as_json:
            self.stdout.write(json.dumps({"error": message}))
        else:
            self.stderr.write(message)
        raise SystemExit(2)
