"""Withheld-number permissions (PAR-5): who asks, who decides, expiry."""

from datetime import date

import pytest
from django.urls import reverse

from socialguard import clock
from socialguard.audit.models import AuditEvent
from socialguard.contact.services import ContactError, permission_decide, permission_request
from tests.conftest import sign_in
from tests.contact.helpers import at, make_trip


@pytest.fixture
def cast(make_user):
    head = make_user("headteacher", "staff")
    proprietor = make_user("proprietor")
    teacher = make_user("staff")
    trip = make_trip(teacher.person, starts="2026-03-10", staff=[head.person])
    return head, proprietor, teacher, trip


def ask(user, trip, starts=date(2026, 3, 10), ends=date(2026, 3, 11)):
    with clock.frozen(at("2026-03-01 09:00")):
        return permission_request(
            requester=user.person,
            trip=trip,
            reason="Back-up",
            starts_on=starts,
            ends_on=ends,
            by=user,
        )


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_lets_the_headteacher_grant_a_teachers_request(cast, mailoutbox):
    head, _, teacher, trip = cast
    permission = ask(teacher, trip)

    permission_decide(permission=permission, by=head, grant=True)

    permission.refresh_from_db()
    assert permission.status == "granted" and permission.decided_by == head.person
    assert AuditEvent.objects.filter(action="contact.withheld_granted").exists()
    assert permission.is_live(at("2026-03-11 23:59")) and not permission.is_live(
        at("2026-03-12 00:00")
    )


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_never_lets_the_requester_decide(cast):
    head, proprietor, _, trip = cast
    permission = ask(head, trip)

    with pytest.raises(ContactError):
        permission_decide(permission=permission, by=head, grant=True)
    permission_decide(permission=permission, by=proprietor, grant=True)
    assert permission.__class__.objects.get(pk=permission.pk).decided_by == proprietor.person


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_sends_a_second_headteachers_own_request_to_the_proprietor_only(make_user):
    head = make_user("headteacher")
    other_head = make_user("headteacher")
    trip = make_trip(head.person)
    permission = ask(head, trip)

    with pytest.raises(ContactError):
        permission_decide(permission=permission, by=other_head, grant=True)


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_refuses_a_teacher_deciding_on_the_web(client, cast):
    head, _, teacher, trip = cast
    permission = ask(head, trip)
    sign_in(client, head)

    response = client.post(
        reverse("contact_permission", args=[permission.pk]), {"decision": "grant"}
    )

    assert response.status_code == 403
    assert permission.__class__.objects.get(pk=permission.pk).status == "pending"


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_shows_pending_requests_on_the_grantors_home_page(client, cast):
    head, proprietor, teacher, trip = cast
    ask(teacher, trip)
    sign_in(client, proprietor)

    assert "Withheld-number permissions to decide" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_rejects_dates_in_the_wrong_order(cast, client):
    _, _, teacher, trip = cast
    with pytest.raises(ContactError) as error:
        ask(teacher, trip, starts=date(2026, 3, 11), ends=date(2026, 3, 10))
    assert error.value.field == "ends_on"

    sign_in(client, teacher)
    with clock.frozen(at("2026-03-01 09:00")):
        response = client.post(
            reverse("contact_permission_new"),
            {"trip": trip.pk, "reason": "x", "starts_on": "11/3/2026", "ends_on": "10/3/2026"},
        )
    assert (
        "The last day of the permission must be the same as or after the first day"
        in response.content.decode()
    )


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_asks_and_grants_through_the_web(client, cast):
    head, _, teacher, trip = cast
    sign_in(client, teacher)
    with clock.frozen(at("2026-03-01 09:00")):
        response = client.post(
            reverse("contact_permission_new"),
            {
                "trip": trip.pk,
                "reason": "Museum signal",
                "starts_on": "10/3/2026",
                "ends_on": "11/3/2026",
            },
        )
    assert response.status_code == 302
    permission = trip.withheld_permissions.get()

    sign_in(client, head)
    response = client.post(
        reverse("contact_permission", args=[permission.pk]), {"decision": "grant"}
    )

    assert response.status_code == 302
    permission.refresh_from_db()
    assert permission.status == "granted"


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_refuses_a_permission_that_outlasts_or_precedes_the_trip(cast, client):
    _, _, teacher, trip = cast  # the trip runs 10 and 11 March
    with pytest.raises(ContactError) as error:
        ask(teacher, trip, starts=date(2026, 3, 10), ends=date(2026, 4, 10))
    assert error.value.field == "ends_on" and "11/3/2026" in error.value.message
    with pytest.raises(ContactError) as error:
        ask(teacher, trip, starts=date(2026, 3, 2), ends=date(2026, 3, 11))
    assert error.value.field == "starts_on"

    sign_in(client, teacher)
    with clock.frozen(at("2026-03-01 09:00")):
        response = client.post(
            reverse("contact_permission_new"),
            {"trip": trip.pk, "reason": "x", "starts_on": "10/3/2026", "ends_on": "30/3/2026"},
        )
    assert response.status_code == 200
    assert "must be on or before the last day of Museum visit" in response.content.decode()
    assert not trip.withheld_permissions.exists()


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_names_the_field_when_the_trip_is_not_one_of_mine(cast, client, make_user):
    _, _, teacher, _ = cast
    other = make_user("staff")
    not_mine = make_trip(other.person, starts="2026-03-10")
    sign_in(client, teacher)
    with clock.frozen(at("2026-03-01 09:00")):
        response = client.post(
            reverse("contact_permission_new"),
            {"trip": not_mine.pk, "reason": "x", "starts_on": "10/3/2026", "ends_on": "11/3/2026"},
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose a trip you are on from the list" in page
    assert "Select a valid choice" not in page
    assert not not_mine.withheld_permissions.exists()


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_tells_a_second_decider_the_request_was_already_decided(cast, client):
    head, proprietor, teacher, trip = cast
    permission = ask(teacher, trip)
    with clock.frozen(at("2026-03-02 09:00")):
        permission_decide(permission=permission, by=head, grant=True, note="")
    sign_in(client, proprietor)
    url = reverse("contact_permission", args=[permission.pk])
    response = client.post(url, {"decision": "refuse"}, follow=True)
    assert response.status_code == 200
    assert "This request was already decided: granted" in response.content.decode()
    permission.refresh_from_db()
    assert permission.status == "granted" and permission.decided_by == head.person
    sign_in(client, teacher)  # the requester still may not decide anything
    assert client.post(url, {"decision": "refuse"}).status_code == 403
