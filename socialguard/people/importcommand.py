"""The shape every CSV import command shares: read the file, run the all-or-nothing import,
print the result or every bad row with its line number; exit 2 on bad input, 1 when a
well-formed file is refused (a role change the actor may not make)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from .csvimport import CsvImportError


class CsvImportCommand(BaseCommand):
    def run_import(self, content: bytes) -> dict:
        raise NotImplementedError

    def describe(self, result: dict) -> str:
        raise NotImplementedError

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
            result = self.run_import(content)
        except CsvImportError as exc:
            self._fail(as_json, [e.as_dict() for e in exc.errors], exc.exit_code)
        self.stdout.write(json.dumps({"ok": True, **result}) if as_json else self.describe(result))

    def _fail(self, as_json, errors, exit_code: int = 2):
        if as_json:
            self.stdout.write(json.dumps({"ok": False, "errors": errors}))
        else:
            self.stderr.write(f"Nothing was imported: {len(errors)} problem(s).")
            for e in errors:
                where = f"line {e['line']}" + (f", column {e['column']}" if e["column"] else "")
                self.stderr.write(f"  {where}: {e['message']}")
        raise SystemExit(exit_code)
