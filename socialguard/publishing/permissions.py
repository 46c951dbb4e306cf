"""Who may do what with official publishing (PAR-6, OFF-1, WEB-1/2)."""

from socialguard.people.permissions import (
    LEADERSHIP,
    register_capability,
    register_object_rule,
    user_person,
    user_roles,
)
from socialguard.policy.pack import get_pack

OFFICERS = frozenset({"social_media_officer"})
STAFF = frozenset(get_pack().staff_roles())

register_capability("publishing.draft", STAFF)
register_capability("publishing.check", STAFF)
register_capability("publishing.approve", OFFICERS)
register_capability("publishing.accounts", OFFICERS | LEADERSHIP)
register_capability("publishing.accounts_manage", OFFICERS | {"headteacher"})
register_capability("publishing.archive", OFFICERS | LEADERSHIP)
register_capability("publishing.takedown", OFFICERS | {"headteacher"})
register_capability("publishing.website", LEADERSHIP | {"website_admin"})


def can_view_draft(user, draft) -> bool:
    """The author, the designated officers and leadership."""
    person = user_person(user)
    if person is not None and draft.author_id == person.pk:
        return True
    return bool(user_roles(user) & (OFFICERS | LEADERSHIP))


register_object_rule("publishing.draft", can_view_draft)
