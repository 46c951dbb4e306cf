import json
from pathlib import Path

from django.core.management.base import BaseCommand

from socialguard.consent.faces import PhotoError
from socialguard.consent.services import ConsentError, face_enrol
from socialguard.people.models import Person


class Command(BaseCommand):
    help = (
        "Enrol a person's face for the photo check from photos of them alone. Refused (exit 1) "
        "without biometric consent; only the face embeddings are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("external_id")
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        self.as_json = options["format"] == "json"
        person = Person.objects.filter(external_id=options["external_id"]).first()
        if person is None:
            self._end(2, f"No person with the id {options['external_id']!r} is in the directory.")
        photos = []
        for name in options["paths"]:
            try:
                photos.append(Path(name).read_bytes())
            except OSError as exc:
                self._end(2, f"Cannot read {name}: {exc.strerror}")
        try:
            count = face_enrol(person=person, photos=photos)
        except ConsentError as exc:
            self._end(1, exc.message)
        except PhotoError as exc:
            self._end(2, str(exc))
        self._end(0, f"Enrolled {count} photo(s) of {person.external_id}.", enrolled=count)

    def _end(self, code: int, message: str, **extra):
        if self.as_json:
            self.stdout.write(json.dumps({"ok": code == 0, "message": message, **extra}))
        elif code == 0:
            self.stdout.write(message)
        else:
            self.stderr.write(message)
        raise SystemExit(code)
