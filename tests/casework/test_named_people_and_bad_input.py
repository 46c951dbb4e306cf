"""Found in exploratory QA: a person named in a case after the fact kept owning its actions, an
unaware victim was told about the case on their home page, and the API let bad input through or
answered without naming the field."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from socialguard import clock
from socialguard.casework import services
from socialguard.casework.models import Case, CaseAction, Evidence
from socialguard.web.schedule import load_sweeps, run_sweeps
from tests.conftest import sign_in

START = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # a Monday


def _supported_case(report, school):
    """A case whose staff victim's line manager owns the support action (CB-12)."""
    case = report(
        parties=[
            {"person": school["colleague"].person, "part": "victim"},
            {"person": school["parent"], "part": "alleged_perpetrator"},
        ]
    )
    services.case_triage(case=case, user=school["dsl"], pathway="parent_public")
    return case


@pytest.mark.clause("PRIN-a")
def test_it_moves_open_actions_away_from_a_person_named_in_the_case_later(client, school, report):
    case = _supported_case(report, school)
    manager = school["manager"]
    action = case.actions.get(key="line_manager_support")
    assert action.owner == manager.person
    mail.outbox.clear()
    services.case_party_add(case=case, user=school["dsl"], part="witness", person=manager.person)
    action.refresh_from_db()
    assert action.owner is not None and action.owner != manager.person
    assert any("New action for you" in m.subject for m in mail.outbox)
    assert case.events.filter(kind="action_reassigned").exists()
    sign_in(client, manager)
    assert case.reference not in client.get(reverse("casework:my_actions")).content.decode()
    assert "Your case actions" not in client.get(reverse("home")).content.decode()
    response = client.post(reverse("casework:my_action_complete", args=[action.pk]), {"note": "x"})
    assert response.status_code == 404


@pytest.mark.clause("PRIN-a")
def test_it_hides_an_action_owned_by_someone_named_in_its_case(client, school, report):
    """Defence in depth: even an action left with a named owner (older data) is not shown to them."""
    case = _supported_case(report, school)
    manager = school["manager"]
    action = case.actions.get(key="line_manager_support")
    case.parties.create(person=manager.person, part="witness", kind="staff")
    sign_in(client, manager)
    assert case.reference not in client.get(reverse("casework:my_actions")).content.decode()
    assert (
        client.post(
            reverse("casework:my_action_complete", args=[action.pk]), {"note": "x"}
        ).status_code
        == 404
    )
    action.refresh_from_db()
    assert action.status == "open"


@pytest.mark.clause("PRIN-a")
def test_it_never_sends_a_deadline_reminder_to_someone_named_in_the_case(school, report):
    with clock.frozen(START):
        case = report()
    case.parties.create(
        person=school["dsl"].person, part="witness", kind="staff"
    )  # a recipient, named after routing
    mail.outbox.clear()
    moment = START + timedelta(hours=21)
    with clock.frozen(moment):
        load_sweeps()
        run_sweeps(moment)
    told = {address for m in mail.outbox for address in m.to if case.reference in m.subject}
    assert school["dsl"].email not in told
    assert told  # the other recipient is still reminded

    with clock.frozen(START):
        other = _supported_case(report, school)
    action = other.actions.get(key="line_manager_support")
    other.parties.create(person=school["manager"].person, part="witness", kind="staff")
    mail.outbox.clear()
    moment = action.due_at - timedelta(hours=1)
    with clock.frozen(moment):
        run_sweeps(moment)
    assert school["manager"].email not in {a for m in mail.outbox for a in m.to}
    action.refresh_from_db()
    assert action.owner != school["manager"].person


@pytest.mark.clause("CB-4")
def test_it_does_not_tell_a_victim_who_does_not_know_about_the_case_on_their_home_page(
    client, school, report
):
    report(victim_aware="no", parties=[{"person": school["colleague"].person, "part": "victim"}])
    sign_in(client, school["colleague"])
    assert "Support is available to you" not in client.get(reverse("home")).content.decode()
    report(victim_aware="yes", parties=[{"person": school["colleague"].person, "part": "victim"}])
    assert "Support is available to you" in client.get(reverse("home")).content.decode()


def _api_report(client, **fields):
    body = {
        "category": "cyberbullying_harassment",
        "what_happened": "API report",
        "illegal_or_threats": False,
        "indecent_image": False,
        **fields,
    }
    return client.post("/api/v1/cases", body, content_type="application/json")


def test_it_refuses_an_unknown_victim_aware_answer_or_an_overlong_report_through_the_api(
    client, school
):
    sign_in(client, school["teacher"])
    response = _api_report(client, victim_aware="maybe")
    assert response.status_code == 400 and "victim_aware" in response.json()["detail"]
    response = _api_report(client, what_happened="x" * (services.WHAT_HAPPENED_MAX + 1))
    assert response.status_code == 400 and "what_happened" in response.json()["detail"]
    assert Case.objects.count() == 0


def test_it_refuses_a_negative_offset_in_the_case_list_naming_the_field(client, school, report):
    report()
    sign_in(client, school["dsl"])
    response = client.get("/api/v1/cases?offset=-5")
    # The schema gives the bounds: outside them is a 422 that names the field.
    assert response.status_code == 422 and response.json()["detail"].startswith("offset:")


@pytest.mark.clause("CB-6")
def test_it_names_the_field_when_the_api_refuses_evidence(client, school, report):
    case = report()
    sign_in(client, school["dsl"])
    url = f"/api/v1/cases/{case.reference}/evidence"
    content = base64.b64encode(b"From: a@example.org\nSubject: hi\n\nbody").decode()
    cases = [
        ({"content_base64": content, "site_address": "a@example.org"}, "captured_at"),
        ({"content_base64": content, "captured_at": "2026-03-01T10:00:00Z"}, "site_address"),
        (
            {
                "content_base64": base64.b64encode(b"\x00\x01binary").decode(),
                "captured_at": "2026-03-01T10:00:00Z",
                "site_address": "a@example.org",
            },
            "content_base64",
        ),
        (
            {
                "content_base64": content,
                "captured_at": "2026-03-01T10:00:00Z",
                "site_address": "x",
                "kind": "video",
            },
            "kind",
        ),
    ]
    for extra, field in cases:
        response = client.post(
            url, {"may_be_indecent": False, **extra}, content_type="application/json"
        )
        assert response.status_code == 400, extra
        assert field in response.json()["detail"], response.json()
    assert not Evidence.objects.filter(case=case).exists()
    assert CaseAction.objects.filter(case=case).count() == 0


@pytest.mark.clause("SLT-3")
def test_it_names_the_missing_time_of_a_phone_call_and_opens_its_form(client, school, report):
    case = report()
    sign_in(client, school["dsl"])
    response = client.post(
        reverse("casework:evidence_phone_call", args=[case.reference]),
        {"who": "Mrs X", "summary": "Spoke with the parent"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter the date and time of the call" in page and "This field is required" not in page
    assert '<details class="govuk-details" open>' in page  # the form with the error is not hidden
    assert not Evidence.objects.filter(case=case).exists()
