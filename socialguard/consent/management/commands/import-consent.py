import json
from pathlib import Path

from django.core.management.base import BaseCommand

from socialguard.consent.services import consent_import
from socialguard.people.csvimport import CsvImportError


class Command(BaseCommand):
    help = "Import image consent from a CSV file (all or nothing; safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        as_json = options["format"] == "json"
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            self._fail(
                as_json,
                [{"line": 0, "column": "", "message": f"cannot read {path}: {exc.strerror}"}],
            )
        try:
            result = consent_import(content=content)
        except CsvImportError as exc:
            self._fail(as_json, [e.as_dict() for e in exc.errors])
        if as_json:
            self.stdout.write(json.dumps({"ok": True, **result}))
        else:
            self.stdout.write(
                f"Imported {result['rows']} rows: {result['changed']} with changes, "
                f"{result['restricted_added']} added to the restricted list."
            )

    def _fail(self, as_json, errors):
        if as_json:
            self.stdout.write(json.dumps({"ok": False, "errors": errors}))
        else:
            self.stderr.write(f"Nothing was imported: {len(errors)} problem(s).")
            for e in errors:
                where = f"line {e['line']}" + (f", column {e['column']}" if e["column"] else "")
                self.stderr.write(f"  {where}: {e['message']}")
        raise SystemExit(2)
