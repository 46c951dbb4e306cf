"""Who may see and change image consent, the restricted list, faces and photo checks."""

from socialguard.people.permissions import has_capability, register_capability
from socialguard.policy.pack import get_pack

OFFICERS = frozenset({"social_media_officer"})
SAFEGUARDING = frozenset({"headteacher", "dsl", "deputy_dsl"})
STAFF = frozenset(get_pack().staff_roles())

# The consent registry: the officers who publish, the safeguarding leads and the data protection lead.
REGISTRY_ROLES = OFFICERS | SAFEGUARDING | {"dpl"}
# Who sees who is on the restricted list and compares faces by eye: the DSL and the officers.
RESTRICTED_LIST_ROLES = OFFICERS | SAFEGUARDING
# Who sees why a child is restricted, and adds or removes children: the DSL and the Headteacher.
RESTRICTED_MANAGE_ROLES = SAFEGUARDING
# Face enrolment (biometric processing): the officers and the DSL only.
ENROL_ROLES = OFFICERS | {"dsl", "deputy_dsl"}
# Who is in a checked photo (names, external ids, which face is on the restricted list, match
# distances): those who keep the consent register (the officers, the DSL, the Headteacher, the
# deputy DSL and the Data Protection Lead) and the pack's safeguarding roles (the proprietor too).
# Everyone else gets the verdict and the boxes only (IMG-3; photo_check.redact).
NAMES_ROLES = REGISTRY_ROLES | frozenset(get_pack().safeguarding_roles())

register_capability("consent.view", REGISTRY_ROLES)
register_capability("consent.manage", REGISTRY_ROLES)
register_capability("consent.import", REGISTRY_ROLES)
register_capability("consent.restricted", RESTRICTED_LIST_ROLES)
register_capability("consent.restricted.manage", RESTRICTED_MANAGE_ROLES)
register_capability("consent.enrol", ENROL_ROLES)
register_capability("consent.check_photo", STAFF | REGISTRY_ROLES)
register_capability("consent.names", NAMES_ROLES)
register_capability("consent.review", RESTRICTED_LIST_ROLES)
register_capability("consent.takedown", OFFICERS | SAFEGUARDING)
register_capability("consent.own", "*")


def can_see_names(user) -> bool:
    """Who is in a checked photo: names, external ids and the restricted/no-consent status."""
    return has_capability(user, "consent.names")


can_see_identities = can_see_names


def can_see_restricted_reason(user) -> bool:
    return has_capability(user, "consent.restricted.manage")


def can_view_check(user, check) -> bool:
    """A checked photo: the person who checked it, and the reviewers."""
    if has_capability(user, "consent.review"):
        return True
    return check.checked_by_id is not None and check.checked_by_id == user.pk
