import json
from datetime import date, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from socialguard.audit.services import audit_record
from socialguard.monitoring.models import Flag


class Command(BaseCommand):
    help = "List monitoring flags (the operator's view; each call is audited)."

    def add_arguments(self, parser):
        parser.add_argument("--since")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **opts):
        flags = Flag.objects.select_related("person").order_by("time")
        if opts["since"]:
            try:
                since = date.fromisoformat(opts["since"])
            except ValueError:
                raise CommandError("--since: give a date as YYYY-MM-DD") from None
            flags = flags.filter(time__gte=datetime.combine(since, time.min, timezone.get_current_timezone()))
        rows = [{"id": f.pk, "source": f.source, "time": f.time.isoformat(), "category": f.category,
                 "severity": f.severity, "state": f.state,
                 "person": f.person.external_id if f.person else None,
                 "matched": f.matched, "target": f.target} for f in flags]  # fmt: skip
        audit_record(action="monitoring.flags_listed", object_type="monitoring.flag",
                     detail={"via": "cli", "ids": [r["id"] for r in rows][:1000]})  # fmt: skip
        if opts["format"] == "json":
            self.stdout.write(json.dumps(rows))
        else:
            for r in rows:
                self.stdout.write(f"{r['id']}\t{r['time']}\t{r['category']}\t{r['severity']}\t{r['state']}")
