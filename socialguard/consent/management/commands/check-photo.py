import json
from pathlib import Path

from django.core.management.base import BaseCommand

from socialguard.consent.faces import PhotoError
from socialguard.consent.services import PURPOSES, ConsentError, check_photo_for_purpose


class Command(BaseCommand):
    help = (
        "Check a photo before it is published (IMG-3): exit 0 pass or review (the verdict says "
        "which), 1 block, 2 bad input."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--purpose", default="social_media", help=f"one of {', '.join(PURPOSES)}"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        as_json = options["format"] == "json"
        try:
            data = Path(options["path"]).read_bytes()
            result = check_photo_for_purpose(data=data, purpose=options["purpose"], via="cli")
        except OSError as exc:
            self._bad(as_json, f"Cannot read {options['path']}: {exc.strerror}")
        except (ConsentError, PhotoError) as exc:
            self._bad(as_json, getattr(exc, "message", str(exc)))
        contract = {"verdict": result["verdict"], "faces": result["faces"]}
        if as_json:
            self.stdout.write(json.dumps(contract))
        else:
            self.stdout.write(f"Verdict: {result['verdict']} ({len(result['faces'])} face(s))")
            for number, face in enumerate(result["faces"], start=1):
                who = face["external_id"] or "not recognised"
                self.stdout.write(f"  {number}. {face['status']}: {who} at {face['box']}")
        raise SystemExit(1 if result["verdict"] == "block" else 0)

    def _bad(self, as_json, message):
        if as_json:
            self.stdout.write(json.dumps({"error": message}))
        else:
            self.stderr.write(message)
        raise SystemExit(2)
