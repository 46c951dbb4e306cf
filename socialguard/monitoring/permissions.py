"""Who sees what in monitoring (MON-2, proportionality): pupils' flags go to the safeguarding
leads; flags about staff (or not yet resolved to a pupil) are counts by category only, until a
warrant covers that person."""

from collections import Counter

from socialguard.people.permissions import register_capability, user_person, user_roles

from .packdata import monitoring_pack
from .warrants import covered_person_ids

LEADS = frozenset({"dsl", "deputy_dsl"})
register_capability("monitoring.flags", LEADS | {"headteacher"})
register_capability("monitoring.identities", frozenset({"dpl"}))


def may_see_flags(user) -> bool:
    return bool(user_roles(user) & (LEADS | {"headteacher"}))


def visible_flags(user, queryset):
    """(flags the user may open, counts by category of the others)."""
    if not may_see_flags(user):
        return queryset.none(), Counter()
    me = user_person(user)
    covered = covered_person_ids()
    open_ = [f for f in queryset if f.subject_kind == "pupil" or f.person_id in covered]
    shown = [f for f in open_ if me is None or f.person_id != me.pk]
    hidden = Counter(f.category for f in queryset if f not in shown)
    return shown, hidden


def may_search(user) -> bool:
    return bool(user_roles(user) & monitoring_pack().searcher_roles)


# The web pages (views.py): who may open warrants at all; the services decide each action.
register_capability("monitoring.warrants", LEADS | {"headteacher", "proprietor"})


def may_open_warrant(user, warrant, can_view_case) -> bool:
    """The subject never, nor anyone named in the warrant's case (PRIN-a); otherwise someone who
    may see the case, or who is its approver."""
    from socialguard.casework import services as casework

    me = user_person(user)
    if me is None or me.pk == warrant.subject_id:
        return False
    if casework.person_named_in_case(me, warrant.case):
        return False
    return can_view_case(user, warrant.case) or warrant.approver_role in user_roles(user)
