import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from socialguard.audit.context import AuditContext, reset_context, set_context
from socialguard.audit.services import audit_list_view, audit_refusal
from socialguard.casework import caselist
from socialguard.people.permissions import has_capability

# The form field each option fills, so that an error names the option the person typed.
OPTIONS = {
    "status": "--status",
    "category": "--category",
    "handler": "--handler",
    "urgency": "--urgent",
    "due": "--due",
    "year_group": "--year-group",
    "person": "--person",
    "date_from": "--from",
    "date_to": "--to",
    "sort": "--sort",
}
MAX_LIMIT = 10_000


class Command(BaseCommand):
    help = (
        "Casework from the command line. `cases list` lists the cases the --as account may see "
        "(need-to-know as on the web; audited): exit 0, 1 when the account may not handle "
        "cases, 2 on bad input."
    )

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="list")
        listing = commands.add_parser("list", help="list cases, filtered and sorted")
        listing.add_argument("--as", dest="username", required=True, metavar="USERNAME")
        listing.add_argument("--status", default="", help="new, triaged, investigating, …")
        listing.add_argument("--category", default="", help="a category id of the policy pack")
        listing.add_argument("--urgent", action="store_true", help="urgent cases only")
        listing.add_argument("--handler", default="", metavar="USERNAME")
        listing.add_argument("--person", default="", metavar="EXTERNAL_ID", help="or a name")
        listing.add_argument("--year-group", default="")
        listing.add_argument("--due", default="", help="overdue, today or week")
        listing.add_argument("--from", dest="date_from", default="", metavar="YYYY-MM-DD")
        listing.add_argument("--to", dest="date_to", default="", metavar="YYYY-MM-DD")
        listing.add_argument("--sort", default="urgency", help=", ".join(caselist.SORTS))
        listing.add_argument("--limit", default="50", metavar="N")
        listing.add_argument("--page", default="1", metavar="N")
        listing.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        self.as_json = options["format"] == "json"
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None or not user.is_active:
            self._end(2, f"--as: no active account {options['username']!r}")
        token = set_context(AuditContext(actor_id=user.pk, actor_label=user.get_username()))
        try:
            self._list(user, options)
        finally:
            reset_context(token)

    def _list(self, user, options):
        if not has_capability(user, "cases.handle"):
            audit_refusal(object_type="casework.case", detail={"via": "cli", "page": "case list"})
            self._end(1, f"--as: {user.get_username()} does not handle cases")
        data = {field: options[field] for field in OPTIONS if field in options}
        data["urgency"] = "urgent" if options["urgent"] else ""
        form = caselist.CaseListForm(data)
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            self._end(2, f"{OPTIONS.get(field, field)}: {errors[0]}")
        limit = options["limit"]
        if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
            self._end(2, f"--limit: give a number from 1 to {MAX_LIMIT:,}")
        try:
            number = caselist.page_number(options["page"])
            page = caselist.case_page(user, form.cleaned_data, number, per_page=int(limit))
        except caselist.PageOutOfRange as exc:
            self._end(2, f"--page: {exc}")
        audit_list_view(
            object_type="casework.case",
            ids=[row["reference"] for row in page.rows],
            page="case list",
            detail={
                "via": "cli",
                "filters": caselist.filters_for_audit(form.cleaned_data, page.people_matched),
                "total": page.total,
            },
        )
        self._print(page)

    def _print(self, page):
        if self.as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "total": page.total,
                        "first": page.first,
                        "last": page.last,
                        "page": page.page_obj.number,
                        "pages": page.page_obj.paginator.num_pages,
                        "cases": [caselist.row_json(row) for row in page.rows],
                    }
                )  # fmt: skip
            )
            return
        self.stdout.write(f"{page.summary} case{'s' if page.total != 1 else ''}")
        for row in page.rows:
            due = row["next_due"].strftime("%Y-%m-%d %H:%M") if row["next_due"] else "-"
            flags = " URGENT" if row["urgent"] else ""
            flags += " OVERDUE" if row["overdue"] else ""
            people = ", ".join(row["people"]) or "none named"
            self.stdout.write(
                f"{row['reference']}  {row['case'].state:<13} due {due}  {row['category']}  "
                f"handler: {row['handler'] or '-'}  people: {people}{flags}"
            )

    def _end(self, code: int, message: str):
        if self.as_json:
            self.stdout.write(json.dumps({"error": message}))
        else:
            self.stderr.write(message)
        raise SystemExit(code)
