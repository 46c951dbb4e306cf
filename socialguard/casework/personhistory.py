"""A person at the centre: every case they are in (that the viewer may open), one chronology
across them, their family, and the search that finds them.

Need-to-know (PRIN-a, SLT-5): everything here starts from `visible_cases(user)`, so a case the
viewer is named in, or is not in the audience of (a restricted case, a low-level concern for the
Headteacher only), is neither shown nor counted. Queries are a fixed number per page."""

import re
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Q, prefetch_related_objects

from socialguard.people.matching import allowed_edits, directory_index, edit_distance, fold
from socialguard.people.models import Person
from socialguard.policy.pack import get_pack

from .models import Case, CaseEvent, CaseParty, PossibleMatch
from .packdata import casework_config
from .permissions import person_history_refused_ids, visible_cases

EVENTS_PER_PAGE = 50
PEOPLE_PER_PAGE = 25
CASES_SHOWN = 25
REFERENCE = re.compile(r"^[A-Za-z]{1,5}-\d[\w-]*$")


@dataclass
class Involvement:
    case: Case
    parts: list[str] = field(default_factory=list)
    category: str = ""


def cases_of(user, person: Person) -> list[Involvement]:
    """The cases the viewer may open that the person is in, newest first, with their part in each
    (three queries, however many cases)."""
    linked = CaseParty.objects.filter(person=person).values("case_id")
    possible = PossibleMatch.objects.filter(person=person, state="possible").values("case_id")
    cases = (
        visible_cases(user)
        .filter(Q(pk__in=linked) | Q(pk__in=possible) | Q(reporter=person))
        .select_related("lead_handler")
        .order_by("-created_at", "-id")
    )
    found = {c.pk: Involvement(c) for c in cases}
    parts = dict(CaseParty.PARTS)
    for case_id, part in CaseParty.objects.filter(
        person=person, case_id__in=list(found)
    ).values_list("case_id", "part"):
        found[case_id].parts.append(parts.get(part, part))
    for case_id, typed in PossibleMatch.objects.filter(
        person=person, state="possible", case_id__in=list(found)
    ).values_list("case_id", "party__name"):
        where = f"“{typed}”" if typed else "what happened"
        found[case_id].parts.append(f"May be the person meant by {where} (not yet confirmed)")
    categories = get_pack().categories
    for item in found.values():
        if item.case.reporter_id == person.pk:
            item.parts.insert(0, "Reported the concern")
        category = categories.get(item.case.category)
        item.category = getattr(category, "label", "") or item.case.category
        item.parts = list(dict.fromkeys(item.parts))
    return list(found.values())


def chronology(case_ids: list[int], page_number, oldest_first: bool = False):
    """Every event of the cases, merged by time, one page (a count and a page query)."""
    order = ("at", "id") if oldest_first else ("-at", "-id")
    events = (
        CaseEvent.objects.filter(case_id__in=case_ids)
        .select_related("case")
        .only("at", "kind", "text", "actor_label", "case__reference", "case__category")
        .order_by(*order)
    )
    return Paginator(events, EVENTS_PER_PAGE).get_page(page_number)


def family(person: Person) -> dict[str, list[Person]]:
    """Parents and carers, children, and brothers and sisters (other children of a parent)."""
    parents = list(Person.objects.filter(children_links__child=person).order_by("family_name"))
    children = list(Person.objects.filter(parent_links__parent=person).order_by("given_name"))
    siblings = list(
        Person.objects.filter(parent_links__parent__children_links__child=person)
        .exclude(pk=person.pk)
        .distinct()
        .order_by("given_name")
    )
    return {"parents": parents, "children": children, "siblings": siblings}


# ---------------------------------------------------------------- search


def year_groups() -> list[str]:
    pupils = casework_config().pupil_roles
    years = (
        Person.objects.filter(roles__role__in=pupils)
        .exclude(year_group="")
        .values_list("year_group", flat=True)
        .distinct()
    )
    return sorted(set(years), key=lambda y: (not y.isdigit(), int(y) if y.isdigit() else 0, y))


def _closeness(person: Person, words: list[str]) -> int:
    """How many of the words typed are (nearly) one of the person's names: best matches first."""
    names = [fold(n) for n in (person.given_name, person.preferred_name, person.family_name) if n]
    score = 0
    for word in words:
        limit = max(1, allowed_edits(len(word)))  # for ordering only: "Jon" is nearer "John"
        if any(n == word or edit_distance(word, n, limit) <= limit for n in names):
            score += 1
    return score


def people_named(query: str) -> list[Person]:
    """Everyone the name may mean: the directory's matching ("Jon Smith", "Smiht", "Mr Smith",
    "the DSL"), plus people no longer active whose names contain every word."""
    index = directory_index()
    found = index.match_name(query)
    people = Person.objects.filter(Q(pk__in=found.people) | Q(roles__role__in=found.roles))
    words = [w for w in query.split() if len(w) >= 2][:3]
    if words:
        inactive = Person.objects.filter(is_active=False)
        for word in words:
            inactive = inactive.filter(
                Q(given_name__icontains=word)
                | Q(family_name__icontains=word)
                | Q(preferred_name__icontains=word)
            )
        people = people | inactive
    folded = [fold(w) for w in words]
    result = list(people.distinct()[:500])
    result.sort(key=lambda p: (-_closeness(p, folded), p.family_name, p.given_name, p.pk))
    return result


def visible_case_counts(user, person_ids: list[int]) -> dict[int, int]:
    """person id → how many cases the viewer may open that the person is in (three queries)."""
    visible = visible_cases(user).values("pk")
    pairs = set(
        CaseParty.objects.filter(person_id__in=person_ids, case__in=visible).values_list(
            "person_id", "case_id"
        )
    )
    pairs |= set(
        PossibleMatch.objects.filter(
            person_id__in=person_ids, state="possible", case__in=visible
        ).values_list("person_id", "case_id")
    )
    pairs |= set(
        Case.objects.filter(reporter_id__in=person_ids, pk__in=visible).values_list(
            "reporter_id", "pk"
        )
    )
    counts: dict[int, int] = {}
    for person_id, _case in pairs:
        counts[person_id] = counts.get(person_id, 0) + 1
    return counts


@dataclass
class SearchResult:
    kind: str = ""  # "name", "reference", "year" or "" (nothing asked)
    people: object = None  # a page of people, each with .visible_cases
    cases: list = field(default_factory=list)
    exact: Case | None = None  # a reference typed in full: go straight to the case
    total_people: int = 0


def search(user, query: str, year: str, page_number) -> SearchResult:
    query = (query or "").strip()[:100]
    visible = visible_cases(user)
    result = SearchResult()
    if query and REFERENCE.match(query):
        result.kind = "reference"
        result.exact = visible.filter(reference__iexact=query).first()
        if result.exact is None:
            result.cases = list(
                visible.filter(reference__istartswith=query).order_by("-created_at")[:CASES_SHOWN]
            )
        return result
    people = None
    if query:
        result.kind = "name"
        people = people_named(query)
        if year:
            people = [p for p in people if p.year_group == year]
        result.cases = list(
            visible.filter(parties__person=None, parties__name__icontains=query)
            .distinct()
            .order_by("-created_at")[:CASES_SHOWN]
        )
    elif year:
        result.kind = "year"
        pupils = casework_config().pupil_roles
        people = list(
            Person.objects.filter(year_group=year, roles__role__in=pupils)
            .distinct()
            .order_by("family_name", "given_name")
        )
    if people is None:
        return result
    refused = person_history_refused_ids(user) or set()
    people = [p for p in people if p.pk not in refused]
    result.total_people = len(people)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(page_number)
    prefetch_related_objects(page.object_list, "roles")
    counts = visible_case_counts(user, [p.pk for p in page.object_list])
    for person in page.object_list:
        person.visible_cases = counts.get(person.pk, 0)
    result.people = page
    return result
