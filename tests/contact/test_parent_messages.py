"""Parent messages: reply deadlines, reminders and escalation (PRIN-h, PAR-3), call log (SLT-3)."""

import pytest
from django.urls import reverse

from socialguard import clock
from socialguard.contact.models import ParentMessage
from socialguard.contact.services import parent_call_log, parent_message_log
from socialguard.web.schedule import load_sweeps, run_sweeps
from tests.conftest import sign_in
from tests.contact.helpers import at

load_sweeps()


@pytest.fixture
def people(make_user, make_person):
    manager = make_user("line_manager", "staff", email="manager@school.example.org")
    teacher = make_user("staff", email="teacher@school.example.org", line_manager=manager.person)
    parent = make_person("parent")
    return manager, teacher, parent


def log(teacher, parent, received="2026-03-10 09:00"):
    with clock.frozen(at(received)):
        return parent_message_log(
            parent=parent, channel="school_email", topic="Lunch", summary="Asked about lunch",
            received_at=at(received), assigned_to=teacher.person, by=teacher,
        )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.clause("PRIN-h")
def test_it_sets_the_reply_due_time_from_the_pack(people):
    _, teacher, parent = people
    message = log(teacher, parent)
    assert message.reply_due_at == at("2026-03-12 09:00")  # parent_reply = 48 hours


@pytest.mark.django_db
@pytest.mark.clause("PRIN-h")
def test_it_reminds_then_escalates_to_the_line_manager(people, mailoutbox, client):
    manager, teacher, parent = people
    message = log(teacher, parent)

    run_sweeps(at("2026-03-12 04:59"))
    assert not mailoutbox
    run_sweeps(at("2026-03-12 05:00"))  # reminder_before = 4 hours
    assert [m.to for m in mailoutbox] == [["teacher@school.example.org"]]
    run_sweeps(at("2026-03-12 09:00"))
    message.refresh_from_db()

    assert message.escalated_to == manager.person
    assert "manager@school.example.org" in mailoutbox[-1].to
    run_sweeps(at("2026-03-12 10:00"))
    assert len(mailoutbox) == 2  # nothing twice
    sign_in(client, manager)
    assert "Overdue replies to parents in your team" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
@pytest.mark.clause("PRIN-h")
def test_it_stops_chasing_once_replied(people, mailoutbox, client):
    _, teacher, parent = people
    message = log(teacher, parent)
    sign_in(client, teacher)
    assert "Parent messages to answer" in client.get(reverse("home")).content.decode()
    with clock.frozen(at("2026-03-10 10:00")):
        client.post(reverse("contact_parent_message", args=[message.pk]))

    run_sweeps(at("2026-03-13 09:00"))
    message.refresh_from_db()
    assert message.replied_at == at("2026-03-10 10:00") and message.escalated_at is None
    assert not mailoutbox


@pytest.mark.django_db
@pytest.mark.clause("SLT-3")
def test_it_logs_a_call_as_it_happens(client, people):
    _, teacher, parent = people
    sign_in(client, teacher)
    response = client.post(
        reverse("contact_parent_call_new"),
        {
            "parent": parent.pk,
            "direction": "from_parent",
            "topic": "Absence",
            "summary": "Ill today",
            "needs_reply": "no",
        },
    )
    assert response.status_code == 302
    call = ParentMessage.objects.get()
    assert call.kind == "call" and call.replied_at is not None and call.reply_due_at is None


@pytest.mark.django_db
@pytest.mark.clause("SLT-3")
def test_it_gives_a_call_needing_follow_up_a_deadline(people):
    _, teacher, parent = people
    with clock.frozen(at("2026-03-10 09:00")):
        call = parent_call_log(
            parent=parent, direction="from_parent", topic="Trip", summary="Wants a call back",
            needs_reply=True, assigned_to=teacher.person, by=teacher,
        )  # fmt: skip
    assert call.reply_due_at == at("2026-03-12 09:00") and call.replied_at is None


@pytest.mark.django_db
@pytest.mark.clause("PAR-3")
def test_it_logs_a_message_on_the_web_with_clear_errors(client, people):
    _, teacher, parent = people
    sign_in(client, teacher)
    response = client.post(reverse("contact_parent_message_new"), {"parent": parent.pk})
    html = response.content.decode()
    assert (
        "Choose how they contacted the school" in html and "Enter the topic, in a few words" in html
    )

    with clock.frozen(at("2026-03-10 12:00")):
        response = client.post(
            reverse("contact_parent_message_new"),
            {"parent": parent.pk, "channel": "letter", "topic": "Uniform", "summary": "Asked about uniform",
             "received_date": "10/3/2026", "received_time": "09:30", "assigned_to": teacher.person.pk},
        )  # fmt: skip
    assert response.status_code == 302
    assert ParentMessage.objects.get().reply_due_at == at("2026-03-12 09:30")


@pytest.mark.django_db
def test_it_hides_other_peoples_messages(client, people, make_user):
    _, teacher, parent = people
    message = log(teacher, parent)
    sign_in(client, make_user("staff"))
    assert client.get(reverse("contact_parent_message", args=[message.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.clause("PAR-3")
def test_it_names_each_field_when_a_message_or_call_names_an_unknown_person(client, people):
    manager, teacher, parent = people
    sign_in(client, teacher)
    with clock.frozen(at("2026-03-10 12:00")):
        response = client.post(
            reverse("contact_parent_message_new"),
            {"parent": 99999, "channel": "fax", "topic": "Uniform", "summary": "Asked",
             "received_date": "10/3/2026", "received_time": "09:30", "assigned_to": parent.pk},
        )  # fmt: skip
        html = response.content.decode()
        assert "Choose the parent or carer from the list" in html
        assert "Choose how they contacted the school from the list" in html
        assert "Choose who replies from the list of staff" in html
        assert "Select a valid choice" not in html

        response = client.post(
            reverse("contact_parent_call_new"),
            {"parent": parent.pk, "direction": "sideways", "topic": "Lunch", "summary": "Asked",
             "needs_reply": "maybe", "assigned_to": 99999},
        )  # fmt: skip
        html = response.content.decode()
    assert "Choose who called: the parent or the school" in html
    assert "Choose whether the parent needs a reply: yes or no" in html
    assert "Select a valid choice" not in html
    assert not ParentMessage.objects.exists()
