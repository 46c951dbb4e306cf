import json
from pathlib import Path

from socialguard.casework import export
from socialguard.casework.permissions import can_export_case

from ._case_cli import CaseCommand


class Command(CaseCommand):
    help = (
        "Export a case as the --as account (Headteacher or DSL): --pdf PATH writes the case report, "
        "--bundle PATH the zip (report, decrypted evidence, manifest); --redacted for parents. "
        "Files are written then renamed; prints each SHA-256; audited. Exit 0, 1 when not "
        "allowed, 2 on bad input (a path that exists, a missing folder)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--bundle", metavar="PATH")
        parser.add_argument("--pdf", metavar="PATH")
        parser.add_argument("--redacted", action="store_true")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def allowed(self, user, case) -> bool:
        return can_export_case(user, case)

    def run(self, user, case, options):
        if not options["bundle"] and not options["pdf"]:
            self.end(2, "--bundle or --pdf: say where to write the export")
        for option in ("pdf", "bundle"):
            path = options[option]
            if path and Path(path).exists():
                self.end(2, f"--{option}: {path} already exists")
            if path and not Path(path).resolve().parent.is_dir():
                self.end(2, f"--{option}: no folder {Path(path).resolve().parent}")
        written = {}
        try:
            if options["pdf"]:
                pdf = export.case_pdf(case, user, redacted=options["redacted"])
                written["pdf"] = export.write_file(Path(options["pdf"]), pdf)
            if options["bundle"]:
                written["bundle"] = export.case_bundle(
                    case, user, Path(options["bundle"]), redacted=options["redacted"]
                )
        except export.ExportError as exc:
            self.end(2, str(exc))
        if self.as_json:
            self.stdout.write(json.dumps({"case": case.reference, "sha256": written}))
            return
        for kind, digest in written.items():
            self.stdout.write(f"{options[kind]}  SHA-256 {digest}")
