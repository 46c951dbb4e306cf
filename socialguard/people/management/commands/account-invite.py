from socialguard.people.accountcommand import AccountCommand
from socialguard.people.accounts import account_invite


class Command(AccountCommand):
    help = (
        "Give a member of staff a sign-in: email them their username and a one-time link to choose "
        "a password (and set up an authenticator app for the safeguarding roles). "
        "Exit 0 when sent, 1 when refused, 2 on bad input."
    )

    def act(self, *, person, actor, trusted, options):
        return account_invite(person=person, actor=actor, trusted=trusted, via="command line")

    def describe(self, result):
        return f"Invitation sent to {result['external_id']} (username {result['username']})."
