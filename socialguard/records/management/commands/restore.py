import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from socialguard.records.backup import BackupError
from socialguard.records.restore import backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `socialguard backup` into an empty data directory, after "
        "checking every file against the manifest. Then run audit-verify and verify-evidence."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("src")
        parser.add_argument("--keys", help="the folder holding the keys, if kept apart")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        src = Path(options["src"])
        if not src.is_dir():
            raise CommandError(f"SRC {src} is not a folder", returncode=2)
        try:
            result = backup_restore(src=src, keys_dir=options["keys"])
        except BackupError as exc:
            if options["format"] == "json":
                self.stdout.write(json.dumps({"ok": False, "reason": str(exc)}))
                raise SystemExit(1) from None
            raise CommandError(str(exc), returncode=1) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps({"ok": True, **result}))
            return
        self.stdout.write(
            f"Restored {result['files']} files into {result['restored']}. "
            "Now run `socialguard audit-verify` and `socialguard verify-evidence`."
        )
