"""What case-show and case-export share: --as, need-to-know, one-line errors and exit codes."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from socialguard.audit.context import AuditContext, reset_context, set_context
from socialguard.audit.services import audit_refusal
from socialguard.casework.models import Case
from socialguard.casework.permissions import can_view_case


class CaseCommand(BaseCommand):
    as_json = False

    def add_arguments(self, parser):
        parser.add_argument("reference", metavar="REF")
        parser.add_argument("--as", dest="username", required=True, metavar="USERNAME")

    def allowed(self, user, case) -> bool:
        return can_view_case(user, case)

    def handle(self, *args, **options):
        self.as_json = options.get("format") == "json"
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None or not user.is_active:
            self.end(2, f"--as: no active account {options['username']!r}")
        token = set_context(AuditContext(actor_id=user.pk, actor_label=user.get_username()))
        try:
            case = (
                Case.objects.select_related("reporter__user")
                .filter(reference=options["reference"])
                .first()
            )
            # An unknown case and one the account may not see look alike (need-to-know).
            if case is None or not self.allowed(user, case):
                if case is not None:
                    audit_refusal(object_type="casework.case", object_id=str(case.pk),
                                  detail={"via": "cli"})  # fmt: skip
                self.end(
                    1, f"REF: no case {options['reference']!r} that {user.get_username()} may open"
                )
            self.run(user, case, options)
        finally:
            reset_context(token)

    def run(self, user, case, options):
        raise NotImplementedError

    def end(self, code: int, message: str):
        if self.as_json:
            self.stdout.write(json.dumps({"error": message}))
        else:
            self.stderr.write(message)
        raise SystemExit(code)
