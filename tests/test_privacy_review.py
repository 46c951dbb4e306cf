"""Privacy review: list views are audited, identifiers only for those who need them, no safeguarding
detail in emails, nothing personal in logs."""

import datetime
import logging
import smtplib

import pytest
from django.urls import reverse

from socialguard import clock
from socialguard.audit.models import AuditEvent
from socialguard.casework.services import Mailbag
from socialguard.contact.services import parent_message_log
from socialguard.web.schedule import load_sweeps, run_sweeps
from tests.contact.helpers import at

load_sweeps()


def _list_events(page):
    return list(AuditEvent.objects.filter(action="view_list", object_id=page))


@pytest.mark.django_db
def test_it_audits_each_look_at_the_audit_trail(signed_in, client):
    signed_in("headteacher")
    assert client.get(reverse("audit")).status_code == 200
    assert len(_list_events("audit trail")) == 1


@pytest.mark.django_db
def test_it_audits_the_case_list_and_people_directory(signed_in, client, make_person):
    pupil = make_person("pupil", given_name="Zoe", family_name="Quill")
    signed_in("dsl")
    assert client.get(reverse("casework:case_list")).status_code == 200
    assert len(_list_events("case list")) == 1
    assert client.get(reverse("people")).status_code == 200
    (event,) = _list_events("people directory")
    assert pupil.external_id in event.detail["ids"]
    assert "Zoe" not in str(event.detail)


@pytest.mark.django_db
def test_it_shows_dates_of_birth_and_upns_only_to_those_who_need_them(
    signed_in, client, make_person, make_user
):
    pupil = make_person(
        "pupil", date_of_birth=datetime.date(2015, 3, 4), upn="A123456789012", year_group="Year 5"
    )
    url = reverse("person_detail", args=[pupil.external_id])
    signed_in("proprietor")
    page = client.get(url).content.decode()
    assert "Year 5" in page and "4 March 2015" not in page and "A123456789012" not in page
    client.logout()
    signed_in("dsl")
    page = client.get(url).content.decode()
    assert "4 March 2015" in page and "A123456789012" in page


@pytest.mark.django_db
def test_it_leaves_dates_of_birth_out_of_the_people_list_api(signed_in, client, make_person):
    make_person("pupil", date_of_birth=datetime.date(2015, 3, 4))
    signed_in("headteacher")
    response = client.get("/api/v1/people")
    assert response.status_code == 200
    assert all(row["date_of_birth"] is None for row in response.json())
    assert len(_list_events("people directory")) == 1


@pytest.mark.django_db
def test_it_audits_the_parent_messages_list(signed_in, client):
    signed_in("staff")
    assert client.get(reverse("contact_parent_messages")).status_code == 200
    assert len(_list_events("parent messages")) == 1


@pytest.mark.django_db
def test_it_audits_the_training_overview(signed_in, client):
    signed_in("headteacher")
    assert client.get(reverse("training_overview")).status_code == 200
    assert len(_list_events("training records")) == 1


@pytest.mark.django_db
def test_it_audits_the_declaration_overview_and_the_exceptions_register(
    signed_in, client, make_person
):
    from datetime import date

    from socialguard.declarations.packdata import declarations_pack
    from socialguard.declarations.services import exception_request

    signed_in("headteacher")
    staff = make_person("staff")
    exception_request(
        requester=staff, kind=next(iter(declarations_pack().exception_kinds)), platform="Instagram",
        purpose="PE club news", account_handle="@pe_club", until=date(2027, 7, 31),
    )  # fmt: skip
    assert client.get(reverse("declaration_overview")).status_code == 200
    assert str(staff.pk) in _list_events("declarations overview")[0].detail["ids"]
    assert client.get(reverse("exception_list")).status_code == 200
    assert len(_list_events("exceptions register")) == 1


@pytest.mark.django_db
def test_it_keeps_parent_names_and_topics_out_of_reminder_emails(
    make_user, make_person, mailoutbox
):
    manager = make_user("line_manager", "staff", email="manager@school.example.org")
    teacher = make_user("staff", email="teacher@school.example.org", line_manager=manager.person)
    parent = make_person("parent", given_name="Dorothy", family_name="Quarrie")
    with clock.frozen(at("2026-03-10 09:00")):
        parent_message_log(
            parent=parent, channel="school_email", topic="Bullying of her son",
            summary="Worried", received_at=at("2026-03-10 09:00"),
            assigned_to=teacher.person, by=manager,
        )  # fmt: skip
    run_sweeps(at("2026-03-12 05:00"))
    run_sweeps(at("2026-03-12 09:00"))
    assert len(mailoutbox) >= 2
    for mail in mailoutbox:
        text = mail.subject + mail.body
        assert "Quarrie" not in text and "Bullying" not in text
        assert "/contact/parent-messages/" in mail.body


@pytest.mark.django_db
def test_it_logs_no_address_when_a_casework_email_fails(make_person, caplog, monkeypatch):
    person = make_person("dsl", email="victim.parent@home.example.org")

    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"victim.parent@home.example.org": (550, b"no")})

    monkeypatch.setattr("socialguard.casework.services.send_mail", refuse)
    bag = Mailbag()
    bag.add(person, "New concern", "Sign in")
    with caplog.at_level(logging.INFO):
        assert bag.send() == 0
    assert "could not be sent" in caplog.text
    assert "victim.parent" not in caplog.text
