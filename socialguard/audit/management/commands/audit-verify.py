import json

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from socialguard.audit.checkpoints import checkpoint_path, checkpoint_write
from socialguard.audit.services import audit_verify


class Command(BaseCommand):
    help = (
        "Walk the audit chain and compare it with the checkpoints kept outside the database. "
        "Lists every problem found. Exit 0 when intact, 1 with problems, 2 when it cannot check."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        try:
            report = audit_verify()
        except (ImproperlyConfigured, OSError) as exc:
            raise CommandError(f"cannot check the audit trail: {exc}", returncode=2) from None
        if report.intact:
            try:
                checkpoint_write(by="audit-verify")  # a clean check anchors the chain as it is now
            except OSError as exc:
                self.stderr.write(f"Warning: could not write a checkpoint: {exc}")
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict()))
        elif report.intact:
            self.stdout.write(
                f"Audit trail intact: {report.events} events checked, against "
                f"{report.checkpoints} checkpoint{'s' if report.checkpoints != 1 else ''} "
                f"in {checkpoint_path()}."
            )
        else:
            count = len(report.problems)
            self.stdout.write(
                f"Audit trail BROKEN: {count} problem{'s' if count != 1 else ''} found in "
                f"{report.events} events ({report.checkpoints} checkpoint"
                f"{'s' if report.checkpoints != 1 else ''} compared)."
            )
            for problem in report.problems:
                where = f"event #{problem.event_id}" if problem.event_id else "checkpoint file"
                self.stdout.write(f"- {where}: {problem.reason}.")
            self.stdout.write("Tell the Data Protection Lead now, and keep a copy of the database.")
        if not report.intact:
            raise SystemExit(1)
