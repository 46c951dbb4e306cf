import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from socialguard.records.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the data directory to DEST (a new or empty folder): the "
        "database, evidence and photos, the audit checkpoints, the keys in DEST/keys/ and a "
        "manifest of SHA-256 hashes. Keep DEST/keys apart from the rest."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("dest")
        parser.add_argument("--without-keys", action="store_true")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        dest = Path(options["dest"])
        try:
            manifest = backup_create(dest=dest, with_keys=not options["without_keys"])
        except BackupError as exc:
            if options["format"] == "json":
                self.stdout.write(json.dumps({"ok": False, "reason": str(exc)}))
                raise SystemExit(1) from None
            raise CommandError(str(exc), returncode=1) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps({"ok": True, "dest": str(dest), **manifest}))
            return
        self.stdout.write(f"Backup written to {dest}: {len(manifest['files'])} files.")
        if manifest["keys_included"]:
            self.stdout.write(
                f"The keys are in {dest / 'keys'}: move them to a separate place from the rest."
            )
