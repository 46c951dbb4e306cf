import json

from django.core.management.base import BaseCommand, CommandError

from socialguard.contact.services import (
    CheckRequest,
    ContactError,
    contact_check,
    resolve_person,
    resolve_role,
)


class Command(BaseCommand):
    help = (
        "May I contact…? Answers from the policy pack's communication rules. "
        "Exit 0 allowed, 1 not allowed, 2 bad input."
    )

    def add_arguments(self, parser):
        sender = parser.add_mutually_exclusive_group(required=True)
        sender.add_argument("--sender", metavar="EXTERNAL_ID")
        sender.add_argument("--sender-role", metavar="ROLE")
        recipient = parser.add_mutually_exclusive_group(required=True)
        recipient.add_argument("--recipient", metavar="EXTERNAL_ID")
        recipient.add_argument("--recipient-role", metavar="ROLE")
        parser.add_argument("--channel", required=True)
        parser.add_argument("--on-trip", action="store_true")
        parser.add_argument("--pre-arranged", action="store_true")
        parser.add_argument("--supervised", action="store_true")
        parser.add_argument("--genuine-need", action="store_true")
        parser.add_argument("--permission", type=int, metavar="ID")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def run_from_argv(self, argv):
        try:
            super().run_from_argv(argv)
        except CommandError as exc:  # argparse problems: bad input
            self.stderr.write(str(exc))
            raise SystemExit(2) from exc

    def handle(self, *args, **options):
        as_json = options["format"] == "json"
        try:
            answer = contact_check(request=self._request(options), via="cli")
        except ContactError as error:
            if as_json:
                self.stdout.write(
                    json.dumps({"error": {"field": error.field, "message": error.message}})
                )
            else:
                self.stderr.write(f"Bad input: {error}")
            raise SystemExit(2) from error
        data = answer.to_dict()
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self.stdout.write(self._text(data))
        if not answer.allowed:
            raise SystemExit(1)

    def _request(self, options) -> CheckRequest:
        sender = resolve_person(options["sender"], "sender") if options["sender"] else None
        recipient = (
            resolve_person(options["recipient"], "recipient") if options["recipient"] else None
        )
        return CheckRequest(
            channel=options["channel"],
            sender=sender,
            sender_roles=resolve_role(options["sender_role"], "sender_role")
            if options["sender_role"]
            else None,
            recipient=recipient,
            recipient_roles=resolve_role(options["recipient_role"], "recipient_role")
            if options["recipient_role"]
            else None,
            on_trip=options["on_trip"],
            pre_arranged=options["pre_arranged"],
            supervised=options["supervised"],
            genuine_need=options["genuine_need"],
            permission_id=options["permission"],
        )

    @staticmethod
    def _text(data) -> str:
        lines = ["Allowed." if data["allowed"] else "Not allowed.", data["reason"]]
        lines.append(f"Clauses: {', '.join(data['clauses'])}")
        lines += [f"- {c}" for c in data["conditions"]]
        if data["alternatives"]:
            lines.append(f"Allowed instead, best first: {', '.join(data['alternatives'])}")
        return "\n".join(lines)
