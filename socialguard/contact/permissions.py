"""Who may use the contact area: capabilities plus need-to-know per trip, permission and message."""

from socialguard.people.permissions import (
    has_capability,
    register_capability,
    register_object_rule,
    user_person,
    user_roles,
)
from socialguard.policy.pack import get_pack
from socialguard.policy.trace import enforces

from .packdata import office_settings

_pack = get_pack()
_office = office_settings(_pack)
STAFF_ROLES = frozenset(_pack.staff_roles())
TRIP_MANAGER_ROLES = _office.manage_trips
GRANTOR_ROLES = _office.grant_withheld_number
OVERSEER_ROLES = _office.oversee_parent_messages
UNRETURNED_PHONE_ROLES = _office.told_about_unreturned_phones
# Anyone who may go on a trip: the workforce, the school's leadership, contractors and volunteers.
TRIP_ROLES = STAFF_ROLES | TRIP_MANAGER_ROLES | frozenset({"contractor", "volunteer"})

register_capability("contact.check", "*")
register_capability("contact.directory_search", STAFF_ROLES)
register_capability("contact.trips", TRIP_ROLES)
register_capability("contact.trips.manage", TRIP_MANAGER_ROLES)
register_capability("contact.withheld", STAFF_ROLES | GRANTOR_ROLES)
register_capability("contact.withheld.decide", GRANTOR_ROLES)
register_capability("contact.parent_messages", STAFF_ROLES | OVERSEER_ROLES)


def can_view_trip(user, trip) -> bool:
    if not has_capability(user, "contact.trips"):
        return False
    if has_capability(user, "contact.trips.manage"):
        return True
    person = user_person(user)
    return person is not None and (
        trip.lead_id == person.pk or trip.staff.filter(pk=person.pk).exists()
    )


@enforces("PAR-5", "OFF-4")
def can_manage_trip(user, trip) -> bool:
    """Leadership manages every trip; a trip lead manages their own (staff, pupils, phones)."""
    if has_capability(user, "contact.trips.manage"):
        return True
    person = user_person(user)
    return (
        has_capability(user, "contact.trips") and person is not None and trip.lead_id == person.pk
    )


def visible_trips(user):
    from .models import Trip

    if has_capability(user, "contact.trips.manage"):
        return Trip.objects.all()
    person = user_person(user)
    if person is None or not has_capability(user, "contact.trips"):
        return Trip.objects.none()
    from django.db.models import Q

    return Trip.objects.filter(Q(lead=person) | Q(staff=person)).distinct()


def can_view_permission(user, permission) -> bool:
    if not has_capability(user, "contact.withheld"):
        return False
    if has_capability(user, "contact.withheld.decide"):
        return True
    person = user_person(user)
    return person is not None and permission.requester_id == person.pk


@enforces("PAR-5")
def can_decide_permission(user, permission) -> bool:
    """The Headteacher or proprietor, never the person asking. A grantor who asks is decided by a
    grantor of another role: the Headteacher's own request goes to the proprietor only."""
    person = user_person(user)
    if person is None or permission.requester_id == person.pk:
        return False
    deciding_roles = user_roles(user) & GRANTOR_ROLES
    requester_roles = set(permission.requester.role_ids)
    return bool(deciding_roles - requester_roles)


def can_view_parent_message(user, message) -> bool:
    if not has_capability(user, "contact.parent_messages"):
        return False
    if user_roles(user) & OVERSEER_ROLES:
        return True
    person = user_person(user)
    if message.logged_by_id == user.pk:
        return True
    if person is None:
        return False
    return person.pk in (message.assigned_to_id, message.escalated_to_id) or (
        message.assigned_to.line_manager_id == person.pk
    )


def can_reply_parent_message(user, message) -> bool:
    return can_view_parent_message(user, message)


def visible_parent_messages(user):
    from django.db.models import Q

    from .models import ParentMessage

    if not has_capability(user, "contact.parent_messages"):
        return ParentMessage.objects.none()
    if user_roles(user) & OVERSEER_ROLES:
        return ParentMessage.objects.all()
    person = user_person(user)
    mine = Q(logged_by=user)
    if person is not None:
        mine |= Q(assigned_to=person) | Q(escalated_to=person) | Q(assigned_to__line_manager=person)
    return ParentMessage.objects.filter(mine)


register_object_rule("contact.trip", can_view_trip)
register_object_rule("contact.withheldnumberpermission", can_view_permission)
register_object_rule("contact.parentmessage", can_view_parent_message)
