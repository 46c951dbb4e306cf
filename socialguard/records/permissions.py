"""Who may do what with the records lifecycle (issue 12), decided here only."""

from socialguard.people.permissions import has_capability, register_capability

# A legal hold is placed or lifted by the Designated Safeguarding Lead or the Data Protection Lead.
HOLD_ROLES = frozenset({"dsl", "dpl"})

register_capability("records.hold", HOLD_ROLES)
# The review list: the Data Protection Lead, or the Headteacher, approves destruction or extends.
REVIEW_ROLES = frozenset({"dpl", "headteacher"})
register_capability("records.review", REVIEW_ROLES)


def can_manage_holds(user) -> bool:
    return has_capability(user, "records.hold")


def can_review(user) -> bool:
    return has_capability(user, "records.review")
