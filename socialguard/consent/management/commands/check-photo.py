import json
from pathlib import Path

from django.core.management.base import BaseCommand

from socialguard.consent import batch as batches
from socialguard.consent.faces import PhotoError
from socialguard.consent.photo_check import worst_verdict
from socialguard.consent.services import (
    PURPOSES,
    ConsentError,
    check_photo_for_purpose,
    photo_result_for,
)
from socialguard.people.permissions import has_capability


class Command(BaseCommand):
    help = (
        "Check a photo, or every photo in a folder or zip, before it is published (IMG-3): "
        "exit 0 pass or review (the verdict says which), 1 block (or refused), 2 bad input. "
        "Who is in the photo (external ids, the restricted list) is shown only --as the account "
        "of someone who keeps the consent register; otherwise the verdict and the boxes only."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a photo, a folder of photos or a zip of photos")
        parser.add_argument(
            "--purpose", default="social_media", help=f"one of {', '.join(PURPOSES)}"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--as",
            dest="username",
            default="",
            help="check as this account (audited as them); names and ids only for the "
            "consent register's keepers",
        )

    def handle(self, *args, **options):
        as_json = options["format"] == "json"
        self.user = self._user(options["username"], as_json)
        path = Path(options["path"])
        try:
            if path.is_dir() or path.suffix.lower() == ".zip":
                return self._many(path, options["purpose"], as_json)
            data = path.read_bytes()
            result = self._check(data, options["purpose"])
        except OSError as exc:
            self._bad(as_json, f"Cannot read {options['path']}: {exc.strerror}")
        except (ConsentError, PhotoError) as exc:
            self._bad(as_json, getattr(exc, "message", str(exc)))
        if as_json:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(f"Verdict: {result['verdict']} ({len(result['faces'])} face(s))")
            for number, face in enumerate(result["faces"], start=1):
                who = f": {face['external_id']}" if face["external_id"] else ""
                self.stdout.write(f"  {number}. {face['status']}{who} at {face['box']}")
        raise SystemExit(1 if result["verdict"] == "block" else 0)

    def _user(self, username: str, as_json: bool):
        """The account named by --as (None without it: the answer is then redacted)."""
        if not username:
            return None
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            self._bad(as_json, f"No account with the username {username!r}")
        if not has_capability(user, "consent.check_photo"):
            self._end(as_json, 1, f"{username} may not check photos")
        return user

    def _check(self, data: bytes, purpose: str) -> dict:
        result = check_photo_for_purpose(data=data, purpose=purpose, actor=self.user, via="cli")
        return photo_result_for(self.user, result)

    def _many(self, path: Path, purpose: str, as_json: bool):
        """Every photo of a folder (and its subfolders) or a zip: one line each, the worst verdict
        overall. Files that are not photos are listed as skipped."""
        if purpose not in PURPOSES:
            self._bad(as_json, f"Unknown purpose {purpose!r}: choose one of {', '.join(PURPOSES)}")
        photos = []
        try:
            for name, data, message in self._files(path):
                row = {"name": name, "verdict": None, "faces": [], "message": message}
                if data is not None:
                    try:
                        result = self._check(data, purpose)
                        row.update(verdict=result["verdict"], faces=result["faces"])
                    except PhotoError as exc:
                        row["message"] = (
                            f"Skipped: {exc.message if hasattr(exc, 'message') else exc}"
                        )
                photos.append(row)
        except batches.TooLarge:
            self._bad(
                as_json,
                f"{path.name} holds more than {batches.MAX_UNZIPPED_BYTES // 2**20} MB of photos: check fewer at a time",
            )
        except batches.BatchError as exc:
            self._bad(as_json, exc.message)
        checked = [p["verdict"] for p in photos if p["verdict"]]
        if not checked:
            self._bad(as_json, f"No photo in {path} could be checked")
        verdict = worst_verdict(checked)  # the most cautious wins
        if as_json:
            self.stdout.write(json.dumps({"verdict": verdict, "photos": photos}))
        else:
            self.stdout.write(
                f"Verdict: {verdict} ({len(checked)} photo(s) checked, {len(photos) - len(checked)} skipped)"
            )
            for row in photos:
                self.stdout.write(
                    f"  {row['name']}: {row['verdict'] or row['message']}"
                    + (f" ({len(row['faces'])} face(s))" if row["verdict"] else "")
                )
        raise SystemExit(1 if verdict == "block" else 0)

    def _files(self, path: Path):
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            if len(files) > batches.MAX_FILES:
                raise batches.BatchError(
                    f"{path} holds more than {batches.MAX_FILES} files: check at most {batches.MAX_FILES} at a time"
                )
            for file in files:
                yield str(file.relative_to(path)), file.read_bytes(), ""
        else:
            data = path.read_bytes()
            batches.inspect([batches.Upload(path.name, data)])
            yield from batches.zip_photos(path.name, data, [0])

    def _bad(self, as_json, message):
        self._end(as_json, 2, message)

    def _end(self, as_json, code, message):
        if as_json:
            self.stdout.write(json.dumps({"error": message}))
        else:
            self.stderr.write(message)
        raise SystemExit(code)
