"""Victim support people can act on (CB-12): the line manager's and occupational health's tasks name
the person to support and what they need to know, without access to the case; their link works."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from socialguard.audit.models import AuditEvent
from socialguard.casework import actions, services
from tests.conftest import sign_in

SECRET = "Posts calling her a liar on the parents' Facebook group."


@pytest.fixture
def supported(school, report):
    case = report(
        what_happened=SECRET,
        parties=[
            {"person": school["teacher"].person, "part": "victim"},
            {"person": school["parent"], "part": "alleged_perpetrator"},
        ],
    )
    mail.outbox.clear()
    services.case_triage(case=case, user=school["dsl"], pathway="parent_public")
    return case


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


@pytest.mark.clause("CB-12")
def test_it_names_the_person_to_support_and_what_the_owner_needs_to_know(school, supported):
    teacher = school["teacher"].person
    support = supported.actions.get(key="line_manager_support")
    health = supported.actions.get(key="occupational_health")
    assert support.owner == school["manager"].person
    assert support.support_person == teacher and health.support_person == teacher
    assert teacher.full_name in support.brief and "do not ask" in support.brief
    assert "occupational health" in health.brief
    assert SECRET not in support.brief


@pytest.mark.clause("CB-12")
def test_it_lets_the_line_manager_open_her_task_from_the_email_link_and_mark_it_done(
    client, school, supported
):
    support = supported.actions.get(key="line_manager_support")
    [email] = [m for m in mail.outbox if m.to == [school["manager"].email]]
    assert SECRET not in email.body and school["teacher"].person.full_name not in email.body
    path = _link(email).split("://", 1)[1].split("/", 1)[1]
    sign_in(client, school["manager"])
    page = client.get("/" + path)
    assert page.status_code == 200
    text = page.content.decode()
    assert school["teacher"].person.full_name in text and "What you need to know" in text
    assert SECRET not in text and "Open the case" not in text
    assert AuditEvent.objects.filter(action="view", object_id=str(support.pk)).exists()
    assert (
        client.get(reverse("casework:case_detail", args=[supported.reference])).status_code == 403
    )
    client.post(reverse("casework:my_action_complete", args=[support.pk]), {"note": "We met"})
    support.refresh_from_db()
    assert support.status == "done"


@pytest.mark.clause("CB-12")
def test_it_shows_the_task_page_to_its_owner_only(client, school, supported):
    support = supported.actions.get(key="line_manager_support")
    for someone in ("colleague", "dsl", "teacher"):
        sign_in(client, school[someone])
        assert client.get(reverse("casework:my_action", args=[support.pk])).status_code == 404


@pytest.mark.clause("CB-12")
def test_it_lets_a_handler_rewrite_the_brief(client, school, supported):
    support = supported.actions.get(key="line_manager_support")
    sign_in(client, school["dsl"])
    url = reverse("casework:action_brief", args=[supported.reference, support.pk])
    empty = client.post(url, {f"a{support.pk}-brief": " "})
    assert empty.status_code == 400 and "Write what they need to know" in empty.content.decode()
    client.post(url, {f"a{support.pk}-brief": "Please check in with her every week this term."})
    support.refresh_from_db()
    assert support.brief == "Please check in with her every week this term."
    assert AuditEvent.objects.filter(action="case.support_brief_set").exists()


@pytest.mark.clause("CB-12")
def test_it_never_pauses_support_for_the_person_affected_during_a_police_enquiry(
    client, school, supported
):
    services.case_police_hold_set(case=supported, user=school["dsl"], active=True)
    support = supported.actions.get(key="line_manager_support")
    assert not actions.is_paused(support)
    sign_in(client, school["manager"])
    assert "Offer support" in client.get(reverse("casework:my_actions")).content.decode()
