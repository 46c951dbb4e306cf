"""Issue 10's done-when, in a real browser: a police hold stops an internal action (CB-11), and a
line manager opens her support task from the email link (CB-12)."""

import re

import pytest
from django.core import mail

from socialguard.casework import services
from socialguard.casework.models import CaseAction
from socialguard.people.models import Person

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _person(external_id):
    return Person.objects.get(external_id=external_id)


def _pupil_case():
    """Reported by the teacher about a pupil, triaged by the DSL onto the pupil pathway."""
    teacher = _person("STAFF-012")
    pupil = Person.objects.filter(roles__role="pupil").order_by("pk").first()
    case = services.case_report(
        reporter=teacher,
        category="cyberbullying_harassment",
        what_happened="Unkind messages in a class group chat.",
        parties=[{"person": pupil, "part": "alleged_perpetrator"}],
        user=teacher.user,
    )
    services.case_triage(case=case, user=_person("STAFF-002").user, pathway="pupil")
    return case


@pytest.mark.clause("CB-11")
def test_a_police_hold_stops_an_internal_action(browser, live_server, demo_school):
    case = _pupil_case()
    internal = case.actions.filter(internal=True).order_by("pk").first()
    dsl = browser.new_context().new_page()
    sign_in(dsl, live_server, "dsl", demo_school)
    dsl.goto(f"{live_server.url}/cases/my-actions/")
    assert case.reference in dsl.content()  # both pathway actions are the DSL's

    dsl.goto(f"{live_server.url}/cases/{case.reference}/")
    dsl.check("input[name=active][value=yes]")
    dsl.fill("#id_note", "DC Ahmed, CID: enquiry opened")
    dsl.click("form[action$='/police-hold/'] button")
    card = dsl.locator(f"#action-{internal.pk}")
    assert "Paused: police enquiry" in card.inner_text()
    assert card.locator("button:has-text('Mark as done')").count() == 0
    dsl.click("button:has-text('Start the investigation')")
    assert "record that the police agreed" in dsl.content()

    dsl.goto(f"{live_server.url}/cases/my-actions/")
    assert case.reference not in dsl.content()  # both are paused: gone from the to-do list

    dsl.goto(f"{live_server.url}/cases/{case.reference}/")
    card = dsl.locator(f"#action-{internal.pk}")
    card.locator("summary:has-text('Record that the police agreed')").click()
    card.locator(f"#id_a{internal.pk}-officer").fill("DC Ahmed, West Yorkshire Police")
    card.locator(f"#id_a{internal.pk}-agreed_at").fill("2026-03-16T10:00")
    card.locator("button:has-text('Record the police agreement')").click()
    card = dsl.locator(f"#action-{internal.pk}")
    card.locator("button:has-text('Mark as done')").click()
    internal.refresh_from_db()
    assert internal.status == "done" and internal.police_agreed_by.startswith("DC Ahmed")


@pytest.mark.clause("CB-12")
def test_a_line_manager_opens_her_support_task_from_the_email_link(
    browser, live_server, demo_school
):
    khan, green = _person("STAFF-011"), _person("STAFF-010")
    mail.outbox.clear()
    case = services.case_report(
        reporter=khan,
        category="cyberbullying_harassment",
        what_happened="A parent keeps posting that Mr Khan is a liar.",
        parties=[
            {"person": khan, "part": "victim"},
            {"name": "An anonymous account", "part": "alleged_perpetrator", "kind": "public"},
        ],
        reporter_is_victim=True,
        user=khan.user,
    )
    services.case_triage(case=case, user=_person("STAFF-002").user, pathway="parent_public")
    task = CaseAction.objects.get(case=case, key="line_manager_support")
    assert task.owner == green
    [email] = [m for m in mail.outbox if green.email in m.to]
    link = re.search(r"https?://\S+", email.body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    page = browser.new_context().new_page()
    sign_in(page, live_server, "green", demo_school)
    page.goto(f"{live_server.url}{path}")
    text = page.inner_text("main")
    assert "You do not have access" not in text
    assert "Ahmed Khan" in text and "What you need to know" in text
    assert "liar" not in text  # nothing of the concern itself
    page.click("button:has-text('Mark as done')")
    task.refresh_from_db()
    assert task.status == "done"
