"""Demo records for the contact area: school mobiles, a trip with a phone signed out, withheld-number
permissions (one waiting, one granted) and parent messages, one of them overdue (idempotent)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from socialguard import clock
from socialguard.people.models import Person
from socialguard.web.demo import register_demo

from .models import DeviceLoan, ParentMessage, SchoolDevice, Trip, WithheldNumberPermission
from .services import reply_due

TRIP_NAME = "Year 8 visit to the Science Museum"


def _person(external_id):
    return Person.objects.get(external_id=external_id)


@register_demo
@transaction.atomic
def load_contact_demo() -> None:
    if Trip.objects.filter(name=TRIP_NAME).exists():
        return
    now = clock.now()
    today = timezone.localdate(now)
    head = _person("STAFF-001").user or get_user_model().objects.filter(is_active=True).first()
    phones = [
        SchoolDevice.objects.get_or_create(
            name=name, defaults={"number": number, "status": status}
        )[0]
        for name, number, status in (
            ("Trip phone 1", "07700 900101", "in_service"),
            ("Trip phone 2", "07700 900102", "in_service"),
            ("Trip phone 3", "07700 900103", "out_of_service"),
        )
    ]
    teacher, khan, green = _person("STAFF-012"), _person("STAFF-011"), _person("STAFF-010")
    trip = Trip.objects.create(
        name=TRIP_NAME,
        starts_on=today,
        ends_on=today + timedelta(days=1),
        lead=teacher,
        created_by=head,
    )
    trip.staff.set([khan, green])
    trip.pupils.set(Person.objects.filter(roles__role="pupil", year_group="Year 8"))
    DeviceLoan.objects.create(
        device=phones[0], trip=trip, holder=teacher, signed_out_at=now, signed_out_by=head
    )
    start = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
    WithheldNumberPermission.objects.create(
        requester=teacher,
        trip=trip,
        reason="The museum has poor signal for school mobiles; I may need to call a parent from the museum's landline, which withholds its number.",
        starts_at=start,
        ends_at=start + timedelta(days=2),
        status="granted",
        requested_at=now - timedelta(days=3),
        decided_by=_person("STAFF-001"),
        decided_at=now - timedelta(days=2),
        decision_note="Granted for the visit only.",
    )
    WithheldNumberPermission.objects.create(
        requester=khan,
        trip=trip,
        reason="As a back-up if both trip phones fail.",
        starts_at=start,
        ends_at=start + timedelta(days=2),
        requested_at=now - timedelta(hours=5),
    )
    logger = teacher.user or head
    for parent, topic, summary, received, assignee in (
        (
            "PAR-001",
            "Homework club times",
            "Asked when homework club runs this term.",
            now - timedelta(hours=3),
            teacher,
        ),
        (
            "PAR-004",
            "Museum trip packed lunch",
            "Asked whether Chloe needs a packed lunch for the museum.",
            now - timedelta(hours=60),
            teacher,
        ),
        (
            "PAR-002",
            "Reading book",
            "Olly lost his reading book; asked for a replacement.",
            now - timedelta(hours=45),
            khan,
        ),
    ):
        ParentMessage.objects.create(
            parent=_person(parent),
            channel="school_email",
            topic=topic,
            summary=summary,
            received_at=received,
            reply_due_at=reply_due(received),
            assigned_to=assignee,
            logged_by=logger,
            logged_at=received,
        )
