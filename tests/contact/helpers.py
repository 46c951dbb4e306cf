from datetime import datetime, timedelta

from django.utils import timezone

from socialguard.contact.models import Trip, WithheldNumberPermission


def at(text: str) -> datetime:
    """An aware local time: at("2026-03-10 09:00")."""
    return timezone.make_aware(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def make_trip(lead, starts="2026-03-10", days=2, staff=(), pupils=()):
    start = datetime.strptime(starts, "%Y-%m-%d").date()
    trip = Trip.objects.create(
        name="Museum visit",
        starts_on=start,
        ends_on=start + timedelta(days=days - 1),
        lead=lead,
        created_by=lead.user,
    )
    trip.staff.set(staff)
    trip.pupils.set(pupils)
    return trip


def granted_permission(requester, trip, starts, ends, decider):
    return WithheldNumberPermission.objects.create(
        requester=requester,
        trip=trip,
        reason="Back-up",
        starts_at=at(starts),
        ends_at=at(ends),
        status="granted",
        requested_at=at(starts),
        decided_by=decider,
        decided_at=at(starts),
    )
