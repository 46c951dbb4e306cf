from socialguard.people.accountcommand import AccountCommand
from socialguard.people.accounts import account_password_reset


class Command(AccountCommand):
    help = (
        "Reset a password: the old one stops working and a one-time link is emailed. "
        "Exit 0 when sent, 1 when refused, 2 on bad input."
    )

    def act(self, *, person, actor, trusted, options):
        return account_password_reset(
            person=person, actor=actor, trusted=trusted, via="command line"
        )

    def describe(self, result):
        return f"New sign-in link sent to {result['external_id']} ({result['username']})."
