from socialguard.people.accountcommand import AccountCommand
from socialguard.people.accounts import account_set_active


class Command(AccountCommand):
    help = (
        "Switch a sign-in off (signed out everywhere, API tokens revoked), or back on with "
        "--enable. Exit 0 when done, 1 when refused, 2 on bad input."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--enable", action="store_true", help="switch it back on")

    def act(self, *, person, actor, trusted, options):
        return account_set_active(
            person=person,
            active=options["enable"],
            actor=actor,
            trusted=trusted,
            via="command line",
        )

    def describe(self, result):
        state = "back on" if result["active"] else "off"
        return f"The sign-in of {result['external_id']} ({result['username']}) is {state}."
