"""School mobiles and trips (PAR-5, OFF-4): sign-out, return, contact sheet, unreturned phones."""

import pytest
from django.urls import reverse

from socialguard import clock
from socialguard.contact.models import DeviceLoan, SchoolDevice
from socialguard.contact.services import ContactError, device_return, device_sign_out
from socialguard.web.schedule import load_sweeps, run_sweeps
from tests.conftest import sign_in
from tests.contact.helpers import at, make_trip

load_sweeps()


@pytest.fixture
def trip_setup(make_user, make_person):
    head = make_user("headteacher")
    teacher = make_user("staff")
    pupil = make_person("pupil")
    trip = make_trip(teacher.person, starts="2026-03-10", days=2, pupils=[pupil])
    phone = SchoolDevice.objects.create(name="Trip phone 1", number="07700 900101")
    return head, teacher, trip, phone


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_signs_a_phone_out_and_back(trip_setup):
    head, teacher, trip, phone = trip_setup
    with clock.frozen(at("2026-03-10 08:00")):
        loan = device_sign_out(device=phone, trip=trip, holder=teacher.person, by=head)
        device_return(loan=loan, by=head)
        again = device_sign_out(device=phone, trip=trip, holder=teacher.person, by=teacher)
    assert again.returned_at is None and DeviceLoan.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.clause("OFF-4")
def test_it_refuses_a_phone_already_signed_out(trip_setup, make_user):
    head, teacher, trip, phone = trip_setup
    with clock.frozen(at("2026-03-10 08:00")):
        device_sign_out(device=phone, trip=trip, holder=teacher.person, by=head)
        other = make_trip(head.person, starts="2026-03-10")
        with pytest.raises(ContactError) as error:
            device_sign_out(device=phone, trip=other, holder=head.person, by=head)
    assert error.value.field == "device" and "already signed out" in error.value.message
    assert DeviceLoan.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.clause("OFF-4")
def test_it_shows_the_error_on_the_sign_out_page(client, trip_setup):
    head, teacher, trip, phone = trip_setup
    sign_in(client, teacher)  # the trip lead manages the trip
    with clock.frozen(at("2026-03-10 08:00")):
        first = client.post(
            reverse("contact_trip_sign_out", args=[trip.pk]),
            {"device": phone.pk, "holder": teacher.person.pk},
        )
        second = client.post(
            reverse("contact_trip_sign_out", args=[trip.pk]),
            {"device": phone.pk, "holder": teacher.person.pk},
        )
    assert first.status_code == 302
    assert "Trip phone 1 is already signed out to Museum visit" in second.content.decode()


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_gives_parents_the_school_numbers_on_the_contact_sheet(client, trip_setup):
    head, teacher, trip, phone = trip_setup
    with clock.frozen(at("2026-03-10 08:00")):
        device_sign_out(device=phone, trip=trip, holder=teacher.person, by=head)
    sign_in(client, teacher)

    html = client.get(reverse("contact_trip_sheet", args=[trip.pk])).content.decode()

    assert "01632 960 123" in html and "07700 900101" in html


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_flags_a_phone_not_returned_after_the_trip(client, trip_setup, mailoutbox):
    head, teacher, trip, phone = trip_setup
    with clock.frozen(at("2026-03-10 08:00")):
        device_sign_out(device=phone, trip=trip, holder=teacher.person, by=head)

    run_sweeps(at("2026-03-11 23:00"))
    assert not mailoutbox
    run_sweeps(at("2026-03-12 00:30"))
    run_sweeps(at("2026-03-12 01:30"))

    assert DeviceLoan.objects.get().flagged_at is not None
    assert len(mailoutbox) == 1 and "office@stmartins.example.org" in mailoutbox[0].to
    sign_in(client, head)
    assert (
        "School mobiles not returned after a trip" in client.get(reverse("home")).content.decode()
    )


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_rejects_trip_dates_in_the_wrong_order(client, make_user, make_person):
    head = make_user("headteacher")
    sign_in(client, head)
    response = client.post(
        reverse("contact_trip_new"),
        {"name": "Zoo", "starts_on": "12/3/2026", "ends_on": "10/3/2026", "lead": head.person.pk},
    )
    assert (
        "The last day of the trip must be the same as or after the first day"
        in response.content.decode()
    )


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_adds_a_trip_with_pupils_from_the_directory(client, make_user, make_person):
    head = make_user("headteacher")
    make_person("pupil", external_id="PUP-901", year_group="Year 9")
    sign_in(client, head)
    response = client.post(
        reverse("contact_trip_new"),
        {
            "name": "Zoo",
            "starts_on": "10/3/2026",
            "ends_on": "10/3/2026",
            "lead": head.person.pk,
            "pupils": "PUP-901, PUP-999",
        },
    )
    assert "Not a pupil in the directory: PUP-999" in response.content.decode()
    response = client.post(
        reverse("contact_trip_new"),
        {
            "name": "Zoo",
            "starts_on": "10/3/2026",
            "ends_on": "10/3/2026",
            "lead": head.person.pk,
            "year_group": "Year 9",
        },
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_it_shows_staff_only_the_trips_they_are_on(client, trip_setup, make_user):
    head, teacher, trip, phone = trip_setup
    outsider = make_user("staff")
    sign_in(client, outsider)
    assert client.get(reverse("contact_trip", args=[trip.pk])).status_code == 404
    assert "Museum visit" not in client.get(reverse("contact_trips")).content.decode()
    sign_in(client, teacher)
    assert "Museum visit" in client.get(reverse("contact_trips")).content.decode()
