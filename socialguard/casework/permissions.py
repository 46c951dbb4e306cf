"""Who may see and handle cases: capabilities plus need-to-know per case (PRIN-a, SLT-5)."""

from django.db.models import Exists, OuterRef, Q

from socialguard.people.permissions import (
    has_capability,
    register_capability,
    register_object_rule,
    user_person,
    user_roles,
)
from socialguard.policy.trace import enforces

HANDLER_ROLES = frozenset({"headteacher", "dsl", "deputy_dsl", "dpl", "proprietor"})

register_capability("cases.report", "*")
register_capability("cases.handle", HANDLER_ROLES)
register_capability("cases.dashboard", HANDLER_ROLES)
register_capability("cases.export", frozenset({"headteacher", "dsl"}))
register_capability("cases.low_level", frozenset({"headteacher"}))
# The governors' report (counts only: no names, no references) goes to the handlers, who present it.
register_capability("cases.governors_report", HANDLER_ROLES)


def named_person_ids(case) -> set[int]:
    """Everyone named in a case: linked to a party, or a possible match for a typed name that no
    handler has ruled out (PRIN-a)."""
    from .models import PossibleMatch

    linked = case.parties.exclude(person=None).values_list("person_id", flat=True)
    possible = case.possible_matches.filter(state__in=PossibleMatch.NAMING_STATES)
    return set(linked) | set(possible.values_list("person_id", flat=True))


def cases_naming(person):
    """The ids of the cases a person is named in, or may be (a subquery for .exclude(pk__in=))."""
    from .models import Case, CaseParty, PossibleMatch

    linked = CaseParty.objects.filter(person=person).values("case_id")
    possible = PossibleMatch.objects.filter(
        person=person, state__in=PossibleMatch.NAMING_STATES
    ).values("case_id")
    return Case.objects.filter(Q(pk__in=linked) | Q(pk__in=possible)).values("pk")


@enforces("PRIN-a")
def is_named_in_case(person, case) -> bool:
    return person is not None and person.pk in named_person_ids(case)


@enforces("PRIN-a", "SLT-5")
def can_view_case(user, case) -> bool:
    """A handler whose role is in the case's audience and who is not named in it.

    The audience is the route (REP-1), narrowed to the Headteacher and DSL for a possible indecent
    image (SLT-5) and to the Headteacher for a low-level concern about staff. Anyone named in the
    case is excluded whatever their role (PRIN-a)."""
    if not has_capability(user, "cases.handle"):
        return False
    person = user_person(user)
    if person is None:
        return False
    audience = set(case.audience.values_list("role", flat=True))
    if not (user_roles(user) & audience):
        return False
    return not is_named_in_case(person, case)


def can_export_case(user, case) -> bool:
    return has_capability(user, "cases.export") and can_view_case(user, case)


def can_decide_match(user, match) -> bool:
    """A handler who may see the case and is not named in it confirms or rules out a match."""
    return can_view_case(user, match.case)


def can_view_evidence(user, evidence) -> bool:
    return can_view_case(user, evidence.case)


def visible_cases(user):
    """Cases a user may see, as a queryset (the same rule as can_view_case).

    EXISTS on the audience rather than a join and DISTINCT, so that counting and paging 100,000
    cases stays fast and a list sorted by date can walk its index (the case list, the dashboard)."""
    from .models import Case, CaseAudience, CaseParty, PossibleMatch

    person = user_person(user)
    if person is None or not has_capability(user, "cases.handle"):
        return Case.objects.none()
    audience = CaseAudience.objects.filter(case=OuterRef("pk"), role__in=user_roles(user))
    linked = CaseParty.objects.filter(person=person).values("case_id")
    possible = PossibleMatch.objects.filter(
        person=person, state__in=PossibleMatch.NAMING_STATES
    ).values("case_id")
    return Case.objects.filter(Exists(audience)).exclude(pk__in=linked).exclude(pk__in=possible)


def visible_evidence(user):
    """Evidence a user may see, as a queryset (the same rule as can_view_evidence)."""
    from .models import Evidence

    return Evidence.objects.filter(case__in=visible_cases(user).values("pk"))


# A person's safeguarding page (every case they are in, one chronology, family, flags) and the search.
register_capability("cases.person_history", HANDLER_ROLES)


@enforces("PRIN-a")
def can_view_person_history(user, person) -> bool:
    """A handler, but not about herself or her own child: a conflict of interest. The cases shown
    are only those she may open (visible_cases), so a case she is named in never appears."""
    refused = person_history_refused_ids(user)
    return refused is not None and person.pk not in refused


def person_history_refused_ids(user) -> set[int] | None:
    """None when the user may open nobody's page; else whose page she may not open (herself and
    her children), in one query, so a list of people is checked at once."""
    from socialguard.people.models import ParentOf

    viewer = user_person(user)
    if viewer is None or not has_capability(user, "cases.person_history"):
        return None
    children = ParentOf.objects.filter(parent=viewer).values_list("child_id", flat=True)
    return {viewer.pk, *children}


def can_flag_person(user, person) -> bool:
    return can_view_person_history(user, person)


register_object_rule("casework.case", can_view_case, visible=visible_cases)
register_object_rule("casework.evidence", can_view_evidence, visible=visible_evidence)
