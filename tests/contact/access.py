"""Who may open each URL of the contact area (see tests/test_access_matrix.py)."""

ALL = "*"
TRIP_ROLES = {
    "headteacher", "dsl", "deputy_dsl", "dpl", "social_media_officer", "proprietor",
    "line_manager", "staff", "trainee_teacher", "contractor", "volunteer",
}  # fmt: skip
MANAGERS = {"headteacher", "proprietor"}
STAFF_AND_LEADERS = {
    "headteacher", "dsl", "deputy_dsl", "dpl", "social_media_officer", "proprietor",
    "line_manager", "staff", "trainee_teacher",
}  # fmt: skip


def _trip(w):
    return {"trip_id": w["contact_trip"].pk}


ENTRIES = {
    "contact_check": (ALL, {}),
    "contact_trips": (TRIP_ROLES, {}),
    "contact_trip_new": (MANAGERS, {}),
    "contact_trip": (MANAGERS, _trip),
    "contact_trip_edit": (MANAGERS, _trip),
    "contact_trip_sign_out": (MANAGERS, _trip),
    "contact_trip_sheet": (MANAGERS, _trip),
    "contact_loan_return": (MANAGERS, lambda w: {"loan_id": w["contact_loan"].pk}),
    "contact_device_new": (MANAGERS, {}),
    "contact_device_edit": (MANAGERS, lambda w: {"device_id": w["contact_device"].pk}),
    "contact_permissions": (STAFF_AND_LEADERS, {}),
    "contact_permission_new": (STAFF_AND_LEADERS, {}),
    "contact_permission": (MANAGERS, lambda w: {"permission_id": w["contact_permission"].pk}),
    "contact_parent_messages": (STAFF_AND_LEADERS, {}),
    "contact_parent_message_new": (STAFF_AND_LEADERS, {}),
    "contact_parent_call_new": (STAFF_AND_LEADERS, {}),
    "contact_parent_message": (
        MANAGERS,
        lambda w: {"message_id": w["contact_parent_message"].pk},
    ),
    "api:contact_check_api": (ALL, {}, "post"),
}


def build_world(make_person, make_user):
    """A trip led by someone else, with a phone out, a request and a parent message."""
    from datetime import timedelta

    from socialguard import clock
    from socialguard.contact.models import (
        DeviceLoan,
        ParentMessage,
        SchoolDevice,
        Trip,
        WithheldNumberPermission,
    )

    now = clock.now()
    lead_user = make_user("staff")
    lead = lead_user.person
    trip = Trip.objects.create(
        name="Matrix trip",
        starts_on=now.date(),
        ends_on=now.date() + timedelta(days=1),
        lead=lead,
        created_by=lead_user,
    )
    device = SchoolDevice.objects.create(name="Matrix phone", number="07700 900999")
    loan = DeviceLoan.objects.create(
        device=device, trip=trip, holder=lead, signed_out_at=now, signed_out_by=lead_user
    )
    permission = WithheldNumberPermission.objects.create(
        requester=lead,
        trip=trip,
        reason="Matrix",
        starts_at=now,
        ends_at=now + timedelta(days=1),
        requested_at=now,
    )
    message = ParentMessage.objects.create(
        parent=make_person("parent"),
        channel="school_email",
        topic="Matrix",
        summary="Matrix",
        received_at=now,
        reply_due_at=now + timedelta(hours=48),
        assigned_to=lead,
        logged_by=lead_user,
        logged_at=now,
    )
    return {
        "contact_trip": trip,
        "contact_device": device,
        "contact_loan": loan,
        "contact_permission": permission,
        "contact_parent_message": message,
    }
