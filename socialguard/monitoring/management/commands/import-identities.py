import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from socialguard.monitoring.identities import IdentityError, import_identities


class Command(BaseCommand):
    help = "Import log identities: external_id,username,email,device,ip,valid_from,valid_to"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **opts):
        try:
            text = Path(opts["file"]).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            sys.stderr.write(f"file: cannot read {opts['file']}: {exc.__class__.__name__}\n")
            sys.exit(2)
        try:
            result = import_identities(text)
        except IdentityError as exc:
            sys.stderr.write(f"{exc}\n")
            sys.exit(1)
        self.stdout.write(f"Imported {result['identities']} identities.")
