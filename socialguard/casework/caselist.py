"""The case list: filters, sort and paging for the web page and the `cases list` command alike.

Built for 100,000 cases: the count and the page are one query each, the people of a page are
fetched for that page only, and the next due date is a subquery, so the number of queries does
not grow with the number of cases. Only cases the viewer may see are ever counted or shown
(`permissions.visible_cases`, the one place that decides)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.core.paginator import EmptyPage, Paginator
from django.db.models import (
    Case as Switch,
)
from django.db.models import (
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from socialguard import clock
from socialguard.people.models import Person
from socialguard.policy.pack import get_pack

from .models import Case, CaseAction, CaseParty, PossibleMatch
from .permissions import HANDLER_ROLES, visible_cases

PAGE_SIZE = 50
PERSON_CASES_MAX = 2000  # a person filter's cases passed as ids; more, and the database joins

SORTS = {
    "urgency": ("Urgent first, then newest", ("-urgent_rank", "-created_at", "-id")),
    "created": ("Newest first", ("-created_at", "-id")),
    "oldest": ("Oldest first", ("created_at", "id")),
    "due": ("Next due first", (F("next_due").asc(nulls_last=True), "-created_at", "-id")),
    "reference": ("Reference", ("reference",)),
    "status": ("Status", ("status_rank", "-created_at", "-id")),
}
URGENCY = {
    "urgent": "Urgent",
    "unacknowledged": "Urgent, not yet acknowledged",
    "not_urgent": "Not urgent",
}
DUE = {"overdue": "Overdue", "today": "Due today", "week": "Due this week"}


def _date_in_range(value):
    """A date the database can filter on (a year like 9999 overflows the day after it)."""
    from django.core.exceptions import ValidationError

    if not date(1900, 1, 1) <= value <= date(2999, 12, 31):
        raise ValidationError("Enter a date between 1900 and 2999")


def _choices(options: dict, blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(k, v if isinstance(v, str) else v[0]) for k, v in options.items()]


class CaseListForm(forms.Form):
    """The filters, from a query string or the command line's options; every error names its field."""

    status = forms.ChoiceField(required=False, label="Status")
    category = forms.ChoiceField(required=False, label="Kind of concern")
    handler = forms.CharField(required=False, label="Handler", max_length=150)
    urgency = forms.ChoiceField(required=False, label="Urgency", choices=_choices(URGENCY, "Any"))
    due = forms.ChoiceField(required=False, label="Due", choices=_choices(DUE, "Any time"))
    year_group = forms.CharField(required=False, label="Year group", max_length=20)
    person = forms.CharField(
        required=False,
        label="Person in the case",
        max_length=200,
        help_text="A name, or an id from the school's records",
    )
    date_from = forms.DateField(required=False, label="Reported from", input_formats=["%Y-%m-%d"])
    date_to = forms.DateField(required=False, label="Reported to", input_formats=["%Y-%m-%d"])
    sort = forms.ChoiceField(required=False, label="Sort by", choices=_choices(SORTS, "")[1:])

    def __init__(self, data=None, *, choices: dict | None = None, **kwargs):
        super().__init__(data, **kwargs)
        pack = get_pack()
        if choices is not None:  # the web page: pick from lists; the command line types them
            self.fields["handler"].widget = forms.Select(
                choices=[("", "Anyone")]
                + [(p.external_id, p.display_name) for p in choices["handlers"]]
            )
            self.fields["year_group"].widget = forms.Select(
                choices=[("", "Any year group")] + [(y, y) for y in choices["year_groups"]]
            )
        self.fields["status"].choices = [("", "Any status")] + list(Case.STATES)
        self.fields["category"].choices = [("", "Any kind")] + [
            (cid, category.label) for cid, category in pack.categories.items()
        ]
        for name in ("status", "category", "urgency", "due", "sort"):
            field = self.fields[name]
            values = ", ".join(str(value) for value, _ in field.choices if value)
            field.error_messages["invalid_choice"] = f"%(value)s is not one of: {values}"
        for name in ("date_from", "date_to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            self.fields[name].error_messages["invalid"] = "Enter a real date, like 2026-03-31"
            self.fields[name].validators.append(_date_in_range)

    def clean_handler(self):
        value = self.cleaned_data["handler"].strip()
        if not value:
            return None
        person = (
            Person.objects.filter(roles__role__in=HANDLER_ROLES)
            .filter(Q(external_id=value) | Q(user__username=value))
            .first()
        )
        if person is None:
            raise forms.ValidationError(f"No one who handles cases is called {value!r}")
        return person

    def clean_year_group(self):
        return self.cleaned_data["year_group"].strip()

    def clean_person(self):
        return self.cleaned_data["person"].strip()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be on or after the start date")
        return data


@dataclass(frozen=True)
class CasePage:
    """One page of the list: rows, counts and the paginator's page (for the page links)."""

    rows: list
    total: int
    first: int
    last: int
    page_obj: object
    people_matched: list

    @property
    def summary(self) -> str:
        if not self.total:
            return "No cases"
        return f"{self.first:,}–{self.last:,} of {self.total:,}"


class PageOutOfRange(ValueError):
    field = "page"


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def next_due_expression():
    """The soonest due date of a case's open actions, or the case's own due date; none when closed."""
    soonest = (
        CaseAction.objects.filter(case=OuterRef("pk"), status="open")
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return Switch(
        When(state="closed", then=Value(None)),
        default=Coalesce(Subquery(soonest), F("due_at")),
        output_field=DateTimeField(),
    )


OPEN_STATES = tuple(state for state, _ in Case.STATES if state != "closed")
# Urgent and not yet acknowledged, still open: the top of the list (issue 10, item 4). `IN (true)`
# rather than `= true` because SQLite writes the latter as a bare column, which no index serves.
URGENT_ON_TOP = Q(urgent__in=[True], acknowledged_at__isnull=True, state__in=OPEN_STATES)


def _ranked(cases):
    """Sort keys as aliases: computed only where a filter or the sort uses them."""
    urgent = Switch(
        When(URGENT_ON_TOP, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    order = [When(state=state, then=Value(i)) for i, (state, _) in enumerate(Case.STATES)]
    return cases.alias(
        urgent_rank=urgent,
        status_rank=Switch(*order, output_field=IntegerField()),
        next_due=next_due_expression(),
    )


class _PagedCases:
    """What the Paginator pages: the count, then for one slice the ids alone in order (a narrow
    sort; the default order walks the date index twice, urgent cases first) and the rows with
    their handler and people for those ids only. Queries per page do not grow with the cases."""

    def __init__(self, cases, sort: str):
        self.cases, self.sort = cases, sort

    def count(self) -> int:
        return self.cases.count()

    def _ids(self, start: int, stop: int) -> list[int]:
        if self.sort != "urgency":
            ordered = self.cases.order_by(*SORTS[self.sort][1])
            return list(ordered.values_list("pk", flat=True)[start:stop])
        newest = ("-created_at", "-id")
        on_top = self.cases.filter(URGENT_ON_TOP).order_by(*newest).values_list("pk", flat=True)
        top = on_top.count()
        ids = list(on_top[start:stop]) if start < top else []
        if stop > top:
            rest = self.cases.exclude(URGENT_ON_TOP).order_by(*newest).values_list("pk", flat=True)
            ids += list(rest[max(0, start - top) : stop - top])
        return ids

    def __getitem__(self, window: slice) -> list[Case]:
        ids = self._ids(window.start or 0, window.stop)
        if not ids:
            return []
        parties = CaseParty.objects.select_related("person").order_by("id")
        rows = (
            Case.objects.filter(pk__in=ids)
            .annotate(next_due=next_due_expression())
            .select_related("lead_handler")
            .prefetch_related(Prefetch("parties", queryset=parties))
            .defer("what_happened", "outcome_text", "route", "legal_heads")
        )
        by_id = {case.pk: case for case in rows}
        return [by_id[pk] for pk in ids]


def in_year_group(year_group: str) -> Exists:
    """Cases with a person of the year group: the (few hundred) people first, then EXISTS on the
    parties' case index, which on SQLite costs far less than a subquery of every such case."""
    people = list(Person.objects.filter(year_group=year_group).values_list("pk", flat=True))
    return Exists(CaseParty.objects.filter(case=OuterRef("pk"), person_id__in=people))


def people_matching(text: str) -> tuple[list[Person], bool]:
    """The people a "person" filter means, and whether the text was an exact id from the school's
    records (then it is not also looked for as a typed name)."""
    from .services import people_suggest

    exact = list(Person.objects.filter(external_id=text))
    return (exact, True) if exact else (people_suggest(text, limit=20), False)


def _person_filter(cases, text: str, people: list[Person], exact: bool):
    """Cases naming one of `people` (linked or a possible match), or with the text typed as a
    name: their ids first (one small query), so the visible cases are checked for those only."""
    linked = CaseParty.objects.filter(person__in=people).values_list("case_id", flat=True)
    possible = PossibleMatch.objects.filter(
        person__in=people, state__in=PossibleMatch.NAMING_STATES
    ).values_list("case_id", flat=True)
    ids = linked.order_by().union(possible.order_by())
    if not exact and len(text) >= 3:
        typed = CaseParty.objects.filter(name__icontains=text).values_list("case_id", flat=True)
        ids = ids.union(typed.order_by())
    found = list(ids[: PERSON_CASES_MAX + 1])
    if len(found) > PERSON_CASES_MAX:  # a common name typed: let the database join instead
        match = Q(pk__in=linked) | Q(pk__in=possible)
        if not exact and len(text) >= 3:
            match |= Q(pk__in=typed)
        return cases.filter(match)
    return cases.filter(pk__in=found)


def filtered_cases(user, data: dict, now: datetime | None = None):
    """(queryset, people matched by the person filter) for validated filters `data`; unsorted."""
    now = now or clock.now()
    cases = _ranked(visible_cases(user))
    if data.get("status"):
        cases = cases.filter(state=data["status"])
    if data.get("category"):
        cases = cases.filter(category=data["category"])
    if data.get("handler"):
        cases = cases.filter(lead_handler=data["handler"])
    urgency = data.get("urgency")
    if urgency == "urgent":
        cases = cases.filter(urgent=True)
    elif urgency == "unacknowledged":
        cases = cases.filter(urgent=True, acknowledged_at__isnull=True)
    elif urgency == "not_urgent":
        cases = cases.filter(urgent=False)
    cases = _due_filter(cases, data.get("due"), now)
    if data.get("year_group"):
        cases = cases.filter(in_year_group(data["year_group"]))
    people = []
    if data.get("person"):
        people, exact = people_matching(data["person"])
        cases = _person_filter(cases, data["person"], people, exact)
    if data.get("date_from"):
        cases = cases.filter(created_at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        cases = cases.filter(created_at__lt=_day_start(data["date_to"] + timedelta(days=1)))
    return cases, people


def _due_filter(cases, due: str | None, now: datetime):
    """Next due date (soonest open action, else the case's own) before now, or from now to the
    end of today or of this week — as EXISTS on the actions' index rather than the soonest date
    worked out for every open case."""
    if not due:
        return cases
    open_actions = CaseAction.objects.filter(case=OuterRef("pk"), status="open")
    no_actions = ~Exists(open_actions)
    cases = cases.filter(state__in=OPEN_STATES)
    if due == "overdue":
        return cases.filter(
            Exists(open_actions.filter(due_at__lt=now)) | (no_actions & Q(due_at__lt=now))
        )
    today = timezone.localtime(now).date()
    end = _day_start(today + timedelta(days=1 if due == "today" else 7 - today.weekday()))
    within = Exists(open_actions.filter(due_at__gte=now, due_at__lt=end))
    return cases.exclude(Exists(open_actions.filter(due_at__lt=now))).filter(
        within | (no_actions & Q(due_at__gte=now, due_at__lt=end))
    )


def case_page(user, data: dict, page: int = 1, per_page: int = PAGE_SIZE) -> CasePage:
    """One page of the filtered list, with the people and handler of each case on it."""
    now = clock.now()
    cases, people = filtered_cases(user, data, now)
    paged = _PagedCases(cases, data.get("sort") or "urgency")
    paginator = Paginator(paged, per_page, allow_empty_first_page=True)
    try:
        page_obj = paginator.page(page)
    except EmptyPage:
        raise PageOutOfRange(
            f"There is no page {page}: the list has {paginator.num_pages:,} "
            f"page{'s' if paginator.num_pages != 1 else ''}"
        ) from None
    page_obj.object_list = list(page_obj.object_list)
    rows = [case_row(case, now) for case in page_obj.object_list]
    total = paginator.count
    first = page_obj.start_index() if total else 0
    return CasePage(
        rows=rows,
        total=total,
        first=first,
        last=page_obj.end_index() if total else 0,
        page_obj=page_obj,
        people_matched=people,
    )


def case_row(case: Case, now: datetime) -> dict:
    category = get_pack().categories.get(case.category)
    overdue = case.next_due is not None and case.next_due < now
    if case.state == "new" and case.triage_due < now:
        overdue = True
    return {
        "case": case,
        "reference": case.reference,
        "category": category.label if category else case.category,
        "people": [p.label or p.get_part_display() for p in case.parties.all()],
        "handler": case.lead_handler.display_name if case.lead_handler else "",
        "next_due": case.next_due,
        "overdue": overdue,
        "urgent": case.urgent,
        "acknowledged": case.acknowledged_at is not None,
        "status": case.get_state_display(),
    }


def row_json(row: dict) -> dict:
    """A row as the command line's --format json prints it."""
    case = row["case"]
    return {
        "reference": row["reference"],
        "category": case.category,
        "category_label": row["category"],
        "status": case.state,
        "created_at": case.created_at.isoformat(),
        "people": row["people"],
        "handler": row["handler"],
        "next_due": row["next_due"].isoformat() if row["next_due"] else None,
        "overdue": row["overdue"],
        "urgent": row["urgent"],
        "acknowledged": row["acknowledged"],
        "restricted": case.restricted,
    }


def filters_for_audit(data: dict, people: list[Person]) -> dict:
    """Which filters were used, without the names typed (the ids matched stand for them)."""
    used = {k: str(v) for k, v in data.items() if v and k not in ("person", "handler")}
    if data.get("handler"):
        used["handler"] = data["handler"].external_id
    if data.get("person"):
        used["person_matches"] = [p.external_id for p in people]
    return used


def filter_choices() -> dict:
    """Handlers and year groups for the filter form's drop-downs (two small queries)."""
    handlers = (
        Person.objects.filter(roles__role__in=HANDLER_ROLES, is_active=True)
        .distinct()
        .order_by("family_name", "given_name")
    )
    years = (
        Person.objects.exclude(year_group="")
        .order_by("year_group")
        .values_list("year_group", flat=True)
        .distinct()
    )
    return {"handlers": list(handlers), "year_groups": list(years)}


def page_number(text) -> int:
    """The page asked for in a query string or on the command line (1 when not given)."""
    text = (text or "1").strip()
    if not text.isdigit() or int(text) < 1:
        raise PageOutOfRange("Give a page number of 1 or more")
    return int(text)


def list_for_request(user, params) -> tuple[dict, int]:
    """The case list page's context and status for a query string (400 with the field at fault)."""
    from socialguard.audit.services import audit_list_view

    data = params.copy()
    if data.get("state") and not data.get("status"):
        data["status"] = data["state"]  # older links (the home page) say ?state=
    form = CaseListForm(data, choices=filter_choices())
    context = {"form": form, "page": None, "page_error": ""}
    if not form.is_valid():
        return context, 400
    try:
        page = case_page(user, form.cleaned_data, page_number(params.get("page")))
    except PageOutOfRange as exc:
        context["page_error"] = str(exc)
        return context, 400
    context["page"] = page
    audit_list_view(
        object_type="casework.case",
        ids=[row["reference"] for row in page.rows],
        page="case list",
        detail={
            "filters": filters_for_audit(form.cleaned_data, page.people_matched),
            "total": page.total,
            "page": page.page_obj.number,
        },
    )
    return context, 200
