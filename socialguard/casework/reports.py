"""Figures for the case dashboard and the governors' report, counted in the database.

Every figure is an aggregate over the cases the viewer may see (`visible_cases`), narrowed by a
date range and a year group; each is one query whatever the number of cases. The governors'
report holds counts and times only: no names and no case references."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django import forms
from django.db import connection
from django.db.models import Count, Exists, F, FloatField, Func, OuterRef, Q, Sum, Window

from socialguard import clock
from socialguard.people.models import Person
from socialguard.policy.pack import get_pack

from .actions import actions_live
from .caselist import _date_in_range, _day_start, in_year_group
from .models import Case, CaseAction
from .packdata import casework_config
from .permissions import visible_cases

OVERDUE_SHOWN = 50
PLANNER_FENCE = 10**12  # a LIMIT no school reaches: it only stops PostgreSQL flattening a subquery


class PeriodForm(forms.Form):
    """The dashboard's and the report's filters: a date range (on the date reported) and a year group."""

    date_from = forms.DateField(required=False, label="Reported from", input_formats=["%Y-%m-%d"])
    date_to = forms.DateField(required=False, label="Reported to", input_formats=["%Y-%m-%d"])
    year_group = forms.CharField(required=False, label="Year group", max_length=20)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        years = (
            Person.objects.exclude(year_group="")
            .order_by("year_group")
            .values_list("year_group", flat=True)
            .distinct()
        )
        self.fields["year_group"].widget = forms.Select(
            choices=[("", "All year groups")] + [(y, y) for y in years]
        )
        for name in ("date_from", "date_to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            self.fields[name].error_messages["invalid"] = "Enter a real date, like 2026-03-31"
            self.fields[name].validators.append(_date_in_range)

    def clean_year_group(self):
        return self.cleaned_data["year_group"].strip()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be on or after the start date")
        return data


def period_cases(user, data: dict):
    """The visible cases reported in the period, with a pupil of the year group when one is given."""
    cases = visible_cases(user)
    if data.get("date_from"):
        cases = cases.filter(created_at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        cases = cases.filter(created_at__lt=_day_start(data["date_to"] + timedelta(days=1)))
    if data.get("year_group"):
        cases = cases.filter(in_year_group(data["year_group"]))
    return cases


def period_end(data: dict, now: datetime) -> datetime:
    """The moment the dashboard's twelve months end: the start of the "to" day, or now."""
    return _day_start(data["date_to"]) if data.get("date_to") else now


def _month_bounds(keys: list[str]) -> list[tuple[str, datetime, datetime]]:
    bounds = []
    for key in keys:
        year, month = (int(part) for part in key.split("-"))
        after = (year + 1, 1) if month == 12 else (year, month + 1)
        bounds.append((key, _day_start(date(year, month, 1)), _day_start(date(*after, 1))))
    return bounds


def _of_cases(cases) -> Q:
    """Actions of these cases. SQLite walks the actions' due-date index and probes each case
    (EXISTS). PostgreSQL's planner flattens that (or an IN) into a join it misjudges — a nested
    loop of two seconds at 100,000 cases — so there the cases are a subquery with a LIMIT, which
    it may not flatten: it hashes their ids once, then walks the actions' index."""
    if connection.vendor == "postgresql":
        return Q(case_id__in=cases.order_by().values("pk")[:PLANNER_FENCE])
    return Q(Exists(cases.filter(pk=OuterRef("case_id"))))


def _most_overdue(overdue) -> tuple[list, int]:
    """The most overdue actions and how many there are. On PostgreSQL the ids of the first ones
    each carry the count (the cases are hashed once), then those rows are read; SQLite walks the
    due-date index for the first ones and counts apart, faster there than a window."""
    if connection.vendor == "postgresql":
        first = list(
            overdue.annotate(total=Window(Count("id")))
            .order_by("due_at", "id")
            .values_list("id", "total")[:OVERDUE_SHOWN]
        )
        total = first[0][1] if first else 0
        overdue = CaseAction.objects.filter(pk__in=[pk for pk, _ in first])
    rows = overdue.select_related("case", "owner").defer(
        "case__what_happened", "case__outcome_text"
    )
    shown = list(rows.order_by("due_at", "id")[:OVERDUE_SHOWN])
    return shown, total if connection.vendor == "postgresql" else overdue.count()


def dashboard_figures(user, data: dict, month_keys: list[str]) -> dict:
    """Open cases by category, overdue actions, recent triage times and reports per month."""
    now = clock.now()
    cases = period_cases(user, data)
    open_states = [state for state, _ in Case.STATES if state != "closed"]
    open_by_category = list(
        cases.filter(state__in=open_states)
        .values("category")
        .annotate(n=Count("id"))
        .order_by("-n", "category")
    )
    overdue = CaseAction.objects.filter(status="open", due_at__lt=now).filter(_of_cases(cases))
    overdue = actions_live(overdue)  # CB-11: paused by a police hold, so not overdue
    shown, total = _most_overdue(overdue)
    triaged = list(
        cases.filter(triaged_at__isnull=False)
        .order_by("-created_at", "-id")
        .values("reference", "created_at", "triaged_at")[:12]
    )
    bounds = _month_bounds(month_keys)
    months = cases.filter(created_at__gte=bounds[0][1], created_at__lt=bounds[-1][2]).aggregate(**{
        f"m{i}": Count("id", filter=Q(created_at__gte=start, created_at__lt=end))
        for i, (_key, start, end) in enumerate(bounds)
    })  # fmt: skip
    return {
        "open_by_category": [(row["category"], row["n"]) for row in open_by_category],
        "overdue": shown,
        "overdue_total": total,
        "triaged": triaged[::-1],
        "months": [(key, months[f"m{i}"]) for i, (key, _s, _e) in enumerate(bounds)],
    }


class HoursBetween(Func):
    """Hours from one moment to a later one, as a float, in the database's own arithmetic (on
    SQLite, Django's datetime subtraction calls back into Python for every row)."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler, connection, **extra):
        template = "((julianday(%(end)s) - julianday(%(start)s)) * 24.0)"
        return self._hours(compiler, connection, template)

    def as_postgresql(self, compiler, connection, **extra):
        template = "(EXTRACT(EPOCH FROM (%(end)s - %(start)s)) / 3600.0)"
        return self._hours(compiler, connection, template)

    def _hours(self, compiler, connection, template):
        start_sql, start_params = compiler.compile(self.source_expressions[0])
        end_sql, end_params = compiler.compile(self.source_expressions[1])
        sql = template % {"start": start_sql, "end": end_sql}
        order = template.index("%(start)s") < template.index("%(end)s")
        return sql, (start_params + end_params) if order else (end_params + start_params)


@dataclass(frozen=True)
class TriageTimes:
    triaged: int
    median_hours: float | None
    average_hours: float | None
    within_deadline: int


def _triage_times(cases, groups: list[dict]) -> TriageTimes:
    """Median and average hours from report to triage: the counts and the sum of hours come with
    the report's groups; the median is the middle of the sorted hours (one value read, or two)."""
    n = sum(g["triaged"] for g in groups)
    if not n:
        return TriageTimes(0, None, None, 0)
    hours = HoursBetween("created_at", "triaged_at")
    middle = (
        cases.filter(triaged_at__isnull=False)
        .annotate(hours=hours)
        .order_by("hours")
        .values_list("hours", flat=True)
    )
    pair = list(middle[(n - 1) // 2 : n // 2 + 1])
    return TriageTimes(
        triaged=n,
        median_hours=round(sum(pair) / len(pair), 1),
        average_hours=round(sum(g["hours"] or 0 for g in groups) / n, 1),
        within_deadline=sum(g["within"] for g in groups),
    )


def governors_report(user, data: dict) -> dict:
    """Counts by kind of concern, time to triage, states and outcomes: no names, no references."""
    pack = get_pack()
    config = casework_config()
    cases = period_cases(user, data)
    # One pass over the cases: every count below is a sum over these groups.
    groups = list(
        cases.values("state", "category", "outcome")
        .annotate(
            n=Count("id"),
            urgent=Count("id", filter=Q(urgent=True)),
            police=Count("id", filter=Q(police_hold=True)),
            triaged=Count("id", filter=Q(triaged_at__isnull=False)),
            within=Count("id", filter=Q(triaged_at__lte=F("triage_due"))),
            hours=Sum(HoursBetween("created_at", "triaged_at")),
        )
        .order_by()
    )
    by_category, outcomes, states = Counter(), Counter(), Counter()
    for group in groups:
        by_category[group["category"]] += group["n"]
        outcomes[group["outcome"]] += group["n"]
        states[group["state"]] += group["n"]
    closed = states["closed"]
    reported = sum(states.values())
    totals = {
        "reported": reported,
        "open": reported - closed,
        "closed": closed,
        "urgent": sum(g["urgent"] for g in groups),
        "police": sum(g["police"] for g in groups),
    }
    categories = [
        (category.label, by_category.get(cid, 0)) for cid, category in pack.categories.items()
    ]
    return {
        "totals": totals,
        "categories": categories,
        "triage": _triage_times(cases, groups),
        "triage_deadline": pack.deadline_hours("triage"),
        "outcomes": [(label, outcomes.get(oid, 0)) for oid, label in config.outcomes.items()],
        "states": [(label, states.get(state, 0)) for state, label in Case.STATES],
        "period": data,
    }
