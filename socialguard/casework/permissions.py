"""Who may see and handle cases: capabilities plus need-to-know per case (PRIN-a, SLT-5)."""

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


def is_named_in_case(person, case) -> bool:
    return person is not None and case.parties.filter(person=person).exists()


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


def can_view_evidence(user, evidence) -> bool:
    return can_view_case(user, evidence.case)


def visible_cases(user):
    """Cases a user may see, as a queryset (the same rule as can_view_case)."""
    from .models import Case

    person = user_person(user)
    if person is None or not has_capability(user, "cases.handle"):
        return Case.objects.none()
    return (
        Case.objects.filter(audience__role__in=user_roles(user))
        .exclude(parties__person=person)
        .distinct()
    )


register_object_rule("casework.case", can_view_case)
register_object_rule("casework.evidence", can_view_evidence)
