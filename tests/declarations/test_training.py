from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from socialguard import clock
from socialguard.declarations import services
from socialguard.declarations.models import TrainingRecord


def _record(person, recorder, today, kind="social_media_officer", completed=30, valid=365):
    completed_on = today - timedelta(days=completed)
    return services.training_record(
        person=person,
        kind=kind,
        course="Official social media",
        completed_on=completed_on,
        expires_on=completed_on + timedelta(days=valid),
        certificate_reference="C-1",
        recorded_by=recorder,
    )


@pytest.mark.django_db
@pytest.mark.clause("PAR-6")
def test_it_tells_current_expiring_expired_and_missing_apart(make_person, make_user, today):
    head = make_user("headteacher", "staff")
    officer = make_person("social_media_officer", "staff")
    assert services.training_status(person=officer, kind="social_media_officer") == "missing"
    assert services.training_current(person=officer, kind="social_media_officer") is None
    record = _record(officer, head, today, completed=30, valid=365)
    assert services.training_status(person=officer, kind="social_media_officer") == "current"
    assert services.training_current(person=officer, kind="social_media_officer") == record
    with clock.frozen(clock.now() + timedelta(days=335 - 59)):
        assert services.training_status(person=officer, kind="social_media_officer") == "expiring"
        assert services.training_current(person=officer, kind="social_media_officer") == record
    with clock.frozen(clock.now() + timedelta(days=335)):
        assert services.training_status(person=officer, kind="social_media_officer") == "expired"
        assert services.training_current(person=officer, kind="social_media_officer") is None
    assert services.training_status(person=officer, kind="dsl") == "missing"


@pytest.mark.django_db
@pytest.mark.clause("PAR-6")
def test_it_uses_the_newest_record_once_training_is_renewed(make_person, make_user, today):
    head = make_user("headteacher", "staff")
    officer = make_person("social_media_officer", "staff")
    _record(officer, head, today, completed=400, valid=365)
    assert services.training_status(person=officer, kind="social_media_officer") == "expired"
    renewed = _record(officer, head, today, completed=1, valid=365)
    assert services.training_current(person=officer, kind="social_media_officer") == renewed
    assert services.training_status(person=officer, kind="social_media_officer") == "current"


@pytest.mark.django_db
@pytest.mark.clause("PAR-6")
def test_it_refuses_dates_in_the_wrong_order(make_person, make_user, today):
    head, officer = make_user("headteacher", "staff"), make_person("social_media_officer")
    with pytest.raises(services.DeclarationsError) as error:
        _record(officer, head, today, completed=10, valid=-5)
    assert error.value.field == "expires_on"
    with pytest.raises(services.DeclarationsError) as error:
        _record(officer, head, today, completed=-3)
    assert error.value.field == "completed_on"
    with pytest.raises(services.DeclarationsError) as error:
        _record(officer, head, today, kind="first_aid")
    assert error.value.field == "kind"
    assert not TrainingRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.clause("PAR-6")
def test_it_lets_the_dsl_record_safeguarding_training_only(make_person, make_user, today):
    dsl = make_user("dsl", "staff")
    deputy = make_person("deputy_dsl", "staff")
    _record(deputy, dsl, today, kind="safeguarding")
    _record(deputy, dsl, today, kind="dsl")
    with pytest.raises(services.DeclarationsError):
        _record(make_person("social_media_officer"), dsl, today, kind="social_media_officer")
    with pytest.raises(services.DeclarationsError):
        _record(deputy, make_user("staff"), today, kind="safeguarding")


@pytest.mark.django_db
@pytest.mark.clause("PAR-6")
@pytest.mark.clause("PRIN-h")
def test_it_reminds_the_person_and_the_headteacher_before_and_at_expiry(
    make_person, make_user, today
):
    head = make_user("headteacher", "staff", email="head@school.example.org")
    officer = make_person("social_media_officer", "staff", email="officer@school.example.org")
    record = _record(officer, head, today, completed=0, valid=365)
    mail.outbox.clear()
    assert services.training_reminders_send() == 0
    with clock.frozen(clock.now() + timedelta(days=365 - 60)) as moment:
        assert services.training_reminders_send(moment) == 1
        assert services.training_reminders_send(moment) == 0
    assert set(mail.outbox[0].to) == {"head@school.example.org", "officer@school.example.org"}
    assert "expires on" in mail.outbox[0].subject
    with clock.frozen(clock.now() + timedelta(days=366)) as moment:
        assert services.training_reminders_send(moment) == 1
    assert "expired on" in mail.outbox[-1].subject
    # A renewed record silences the old one's reminders.
    _record(officer, head, today, completed=0, valid=730)
    with clock.frozen(clock.now() + timedelta(days=400)) as moment:
        assert services.training_reminders_send(moment) == 0
    assert record.reminders.count() == 2


@pytest.mark.django_db
@pytest.mark.clause("PAR-6")
def test_it_shows_every_required_role_holder_and_kind_with_a_status(
    client, signed_in, make_person, make_user, today
):
    head = signed_in("headteacher", "staff")
    current = make_person(
        "social_media_officer", "staff", given_name="Julie", family_name="Current"
    )
    make_person("social_media_officer", "staff", given_name="Grace", family_name="Missing")
    make_person("dsl", "staff", given_name="Helen", family_name="Lead")
    _record(current, head, today)
    page = client.get(reverse("training_overview")).content.decode()
    assert "Julie Current" in page and "Grace Missing" in page
    assert "govuk-tag--green" in page and "govuk-tag--grey" in page
    rows = services.training_overview()
    kinds = {(r.person.family_name, r.kind.id): r.status for r in rows}
    assert kinds[("Current", "social_media_officer")] == "current"
    assert kinds[("Missing", "social_media_officer")] == "missing"
    assert kinds[("Lead", "safeguarding")] == "missing" and kinds[("Lead", "dsl")] == "missing"
    assert "Training expiring, expired or missing" in client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.clause("PAR-6")
def test_it_records_training_through_the_web_with_clear_errors(
    client, signed_in, make_person, today
):
    signed_in("headteacher", "staff")
    officer = make_person("social_media_officer", "staff")
    data = {
        "person": officer.external_id,
        "kind": "social_media_officer",
        "course": "Official accounts",
        "completed_on": today.strftime("%d/%m/%Y"),
        "expires_on": (today - timedelta(days=1)).strftime("%d/%m/%Y"),
    }
    response = client.post(reverse("training_new"), data)
    assert (
        "The expiry date must be after the date the training was completed"
        in response.content.decode()
    )
    data["expires_on"] = (today + timedelta(days=365)).strftime("%d/%m/%Y")
    response = client.post(reverse("training_new"), {**data, "person": "NOBODY", "kind": "zzz"})
    page = response.content.decode()
    assert "Select who did the training from the list" in page
    assert "Select the kind of training from the list" in page
    assert "Select a valid choice" not in page and not TrainingRecord.objects.exists()
    response = client.post(reverse("training_new"), data)
    assert response.status_code == 302
    assert services.training_status(person=officer, kind="social_media_officer") == "current"


@pytest.mark.django_db
@pytest.mark.clause("PAR-6")
def test_it_answers_training_status_in_the_api_for_leadership_only(
    client, signed_in, make_person, make_user, today
):
    officer = make_person("social_media_officer", "staff")
    _record(officer, make_user("headteacher", "staff"), today)
    url = reverse("api:person_training", kwargs={"external_id": officer.external_id})
    signed_in("staff")
    assert client.get(url).status_code == 403
    signed_in("headteacher", "staff")
    body = client.get(url).json()
    smo = next(t for t in body["training"] if t["kind"] == "social_media_officer")
    assert smo["status"] == "current" and smo["required"] is True
    assert (
        client.get(reverse("api:person_training", kwargs={"external_id": "NOPE"})).status_code
        == 404
    )


@pytest.mark.django_db
@pytest.mark.clause("PERS-10")
def test_it_answers_my_declaration_status_in_the_api(client, signed_in, answers):
    user = signed_in("staff")
    body = client.get(reverse("api:my_declaration")).json()
    assert body["state"] == "due" and body["last_completed_at"] is None
    services.declaration_submit(person=user.person, answers=answers(passwords="no"))
    body = client.get(reverse("api:my_declaration")).json()
    assert body["state"] == "current" and body["concerns"] == 1
