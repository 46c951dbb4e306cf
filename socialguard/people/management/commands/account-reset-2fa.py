from socialguard.people.accountcommand import AccountCommand
from socialguard.people.accounts import account_two_factor_reset


class Command(AccountCommand):
    help = (
        "Remove a sign-in's authenticator app: they set up a new one at their next sign-in. "
        "Exit 0 when done, 1 when refused, 2 on bad input."
    )

    def act(self, *, person, actor, trusted, options):
        return account_two_factor_reset(
            person=person, actor=actor, trusted=trusted, via="command line"
        )

    def describe(self, result):
        return (
            f"Authenticator app reset for {result['external_id']} ({result['username']}): "
            "they set up a new one at their next sign-in."
        )
