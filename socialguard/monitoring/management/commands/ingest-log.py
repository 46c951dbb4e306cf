import json
import sys

from django.core.management.base import BaseCommand

from socialguard.monitoring.ingest import IngestError, ingest_file
from socialguard.monitoring.packdata import SOURCES


class Command(BaseCommand):
    help = "Ingest web filter, proxy, cloud or mail logs (MON-1)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--source", required=True)
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **opts):
        if opts["source"] not in SOURCES:
            sys.stderr.write(f"source: unknown source {opts['source']!r}; one of {', '.join(SOURCES)}\n")
            raise SystemExit(2)
        results, failed = [], False
        for name in opts["files"]:
            def progress(done, name=name):
                if opts["format"] == "text" and sys.stderr.isatty():
                    sys.stderr.write(f"\r{name}: {done:,} lines")
            try:
                results.append(ingest_file(name, opts["source"], progress=progress))
            except IngestError as exc:
                sys.stderr.write(f"{exc}\n")
                failed = True
        if opts["format"] == "json":
            out = results[0] if len(results) == 1 else results
            self.stdout.write(json.dumps(out))
        else:
            for r in results:
                self.stdout.write(f"{r['source']}: {r['lines']} lines, {r['parsed']} parsed, "
                                  f"{r['malformed']} malformed, {r['flags']} flags")  # fmt: skip
        if failed:
            raise SystemExit(2)
