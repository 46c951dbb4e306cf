import json
import sys
from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from socialguard.monitoring import warrants
from socialguard.monitoring.identities import person_model
from socialguard.monitoring.models import Warrant


class Command(BaseCommand):
    help = "Search one person's raw log lines under a warrant (MON-2); exit 1 on refusal."

    def add_arguments(self, parser):
        parser.add_argument("--person", required=True)
        parser.add_argument("--from", dest="date_from", required=True)
        parser.add_argument("--to", dest="date_to", required=True)
        parser.add_argument("--warrant", required=True)
        parser.add_argument("--as", dest="username", required=True)

    def _refuse(self, reason):
        self.stdout.write(json.dumps({"allowed": False, "reason": reason, "lines": []}))
        sys.exit(1)

    def handle(self, *args, **opts):
        try:
            start, end = date.fromisoformat(opts["date_from"]), date.fromisoformat(opts["date_to"])
        except ValueError:
            self._refuse("--from/--to: give dates as YYYY-MM-DD")
        warrant = Warrant.objects.filter(pk=opts["warrant"]).first() if opts["warrant"].isdigit() else None
        if warrant is None:
            self._refuse(f"--warrant: no warrant {opts['warrant']}")
        user = get_user_model().objects.filter(username=opts["username"]).first()
        if user is None:
            self._refuse(f"--as: no user {opts['username']}")
        searcher = person_model().objects.filter(user=user).first()
        person = person_model().objects.filter(external_id=opts["person"]).first()
        result = warrants.search(warrant=warrant, searcher=searcher, user=user, person=person,
                                 date_from=start, date_to=end)  # fmt: skip
        self.stdout.write(json.dumps(result))
        if not result["allowed"]:
            sys.exit(1)
