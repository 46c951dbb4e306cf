import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from socialguard.audit.context import AuditContext, reset_context, set_context
from socialguard.records.services import (
    HoldError,
    check_hold_allowed,
    hold_lift,
    hold_place,
    holds_list,
)


def _hold_dict(hold) -> dict:
    return {
        "id": hold.pk,
        "scope": hold.scope,
        "case": hold.case.reference if hold.case_id else None,
        "person": hold.person.external_id if hold.person_id else None,
        "asked_by": hold.asked_by,
        "reason": hold.reason,
        "placed_by": hold.placed_by.get_username(),
        "placed_at": hold.placed_at.isoformat(),
        "lifted_by": hold.lifted_by.get_username() if hold.lifted_by_id else None,
        "lifted_at": hold.lifted_at.isoformat() if hold.lifted_at else None,
    }


class Command(BaseCommand):
    help = (
        "Place, lift or list legal holds (police, LADO, inquiry, litigation). A held case, person "
        "or everything never counts as due for destruction. DSL or DPL only."
    )

    def add_arguments(self, parser):
        parser.add_argument("verb", choices=["place", "lift", "list"])
        parser.add_argument("--as", dest="username", required=True, metavar="USERNAME")
        parser.add_argument("--scope", choices=["case", "person", "everything"])
        parser.add_argument("--case", metavar="REF")
        parser.add_argument("--person", metavar="EXTERNAL_ID")
        parser.add_argument("--reason", default="")
        parser.add_argument("--asked-by", dest="asked_by", default="")
        parser.add_argument("--hold", metavar="ID")
        parser.add_argument("--all", action="store_true", help="list: include lifted holds")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        self.as_json = options["format"] == "json"
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None or not user.is_active:
            self.end(2, f"--as: no active account {options['username']!r}")
        token = set_context(AuditContext(actor_id=user.pk, actor_label=user.get_username()))
        try:
            self.run(user, options)
        except HoldError as exc:
            self.end(1 if exc.refused else 2, f"--{exc.field.replace('_', '-')}: "
                     f"{str(exc).split(': ', 1)[1]}")  # fmt: skip
        finally:
            reset_context(token)

    def run(self, user, options):
        verb = options["verb"]
        # Before any look-up, so a refusal does not tell which cases or people exist (audited).
        check_hold_allowed(user, verb)
        if verb == "list":
            holds = holds_list(user=user, active_only=not options["all"])
            self.out([_hold_dict(h) for h in holds], "\n".join(
                f"{h.pk}  {h.scope}  {h.case.reference if h.case_id else ''}"
                f"{h.person.external_id if h.person_id else ''}  {h.asked_by}  "
                f"{'lifted' if h.lifted_at else 'active'}" for h in holds
            ) or "No legal holds.")  # fmt: skip
            return
        if verb == "lift":
            if not options["hold"] or not options["hold"].isdigit():
                self.end(2, "--hold: give the number of the hold to lift")
            hold = hold_lift(user=user, hold_id=int(options["hold"]))
            self.out(_hold_dict(hold), f"Hold {hold.pk} lifted.")
            return
        case = person = None
        if options["case"]:
            from socialguard.casework.models import Case

            case = Case.objects.filter(reference=options["case"]).first()
            if case is None:
                self.end(2, f"--case: no case {options['case']!r}")
        if options["person"]:
            from socialguard.people.models import Person

            person = Person.objects.filter(external_id=options["person"]).first()
            if person is None:
                self.end(2, f"--person: no person {options['person']!r}")
        hold = hold_place(
            user=user,
            scope=options["scope"] or "",
            reason=options["reason"],
            asked_by=options["asked_by"],
            case=case,
            person=person,
        )
        self.out(_hold_dict(hold), f"Hold {hold.pk} placed ({hold.scope}).")

    def out(self, data, text: str):
        self.stdout.write(json.dumps(data) if self.as_json else text)

    def end(self, code: int, message: str):
        if self.as_json:
            self.stdout.write(json.dumps({"error": message}))
        else:
            self.stderr.write(message)
        raise SystemExit(code)
