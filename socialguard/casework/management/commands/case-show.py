import json

from socialguard.casework import export
from socialguard.casework.models import Case

from ._case_cli import CaseCommand


class Command(CaseCommand):
    help = (
        "Show one case (summary, people, actions, chronology) as the --as account sees it "
        "(need-to-know as on the web; audited). Exit 0, 1 when not allowed, 2 on bad input."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def run(self, user, case: Case, options):
        from socialguard.audit.services import audit_record

        context = export.report_context(case, user)
        audit_record(action="case.viewed", obj=case, detail={"via": "cli"})
        data = {
            "reference": case.reference,
            "state": case.state,
            "category": case.category,
            "reported_at": case.created_at.isoformat(),
            "reporter": context["reporter"],
            "what_happened": case.what_happened,
            "people": context["people"],
            "actions": [
                {
                    **a,
                    "due_at": a["due_at"].isoformat(),
                    "done_at": a["done_at"].isoformat() if a["done_at"] else None,
                }
                for a in context["actions"]
            ],  # fmt: skip
            "chronology": [{**e, "at": e["at"].isoformat()} for e in context["events"]],
        }
        if self.as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(
            f"Case {case.reference} ({case.get_state_display()}) — {data['category']}"
        )
        self.stdout.write(f"Reported by {data['reporter']} at {data['reported_at']}")
        self.stdout.write(f"What happened: {case.what_happened}")
        self.stdout.write("People:")
        for p in data["people"]:
            self.stdout.write(f"  {p['name']}, {p['role']} — {p['part']}")
        self.stdout.write("Actions:")
        for a in data["actions"]:
            self.stdout.write(f"  {a['status']:<9} due {a['due_at']}  {a['title']} ({a['owner']})")
        self.stdout.write("Chronology:")
        for e in data["chronology"]:
            self.stdout.write(f"  {e['at']}  {e['who']}: {e['text']}")
