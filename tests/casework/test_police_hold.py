"""A police hold that holds (CB-11): internal actions are paused, except those agreed with the police."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from socialguard import clock
from socialguard.audit.models import AuditEvent
from socialguard.casework import actions, services
from socialguard.web.schedule import load_sweeps, run_sweeps
from tests.conftest import sign_in

START = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def held(school, report):
    """A pupil case on its pathway (two internal actions for the DSL), with a police enquiry."""
    with clock.frozen(START):
        case = report(
            illegal_or_threats=True,
            parties=[{"person": school["pupil"], "part": "alleged_perpetrator"}],
        )
        services.case_triage(case=case, user=school["dsl"], pathway="pupil")
        services.case_police_hold_set(case=case, user=school["dsl"], active=True, note="PC Jones")
    return case


def _internal(case):
    return case.actions.filter(internal=True).order_by("pk")


def sweep_at(moment):
    mail.outbox.clear()
    with clock.frozen(moment):
        load_sweeps()
        run_sweeps(moment)
    return mail.outbox


@pytest.mark.clause("CB-11")
def test_it_pauses_internal_actions_off_every_to_do_list_and_refuses_to_complete_them(
    client, school, held
):
    internal = list(_internal(held))
    assert len(internal) == 2 and all(actions.is_paused(a) for a in internal)
    police = held.actions.get(key="police_advice")
    assert not actions.is_paused(police)  # the police action itself goes ahead
    sign_in(client, school["dsl"])
    with clock.frozen(START + timedelta(days=5)):  # every action is past its deadline
        mine = client.get(reverse("casework:my_actions")).content.decode()
        dashboard = client.get(reverse("casework:dashboard")).content.decode()
    for action in internal:
        assert action.title not in mine and action.title not in dashboard
    assert police.title in mine
    with pytest.raises(services.CaseworkError) as refused:
        services.action_complete(action=internal[0], user=school["dsl"], note="done anyway")
    assert refused.value.field == "police_agreement"
    response = client.post(
        reverse("casework:my_action_complete", args=[internal[0].pk]), {"note": "x"}
    )
    assert response.status_code == 302
    internal[0].refresh_from_db()
    assert internal[0].status == "open"
    page = client.get(reverse("casework:case_detail", args=[held.reference])).content.decode()
    assert "Paused: police enquiry" in page and "Record that the police agreed to it" in page
    assert AuditEvent.objects.filter(action="case.police_hold_set").exists()


@pytest.mark.clause("CB-11")
def test_it_refuses_completion_through_the_api_naming_the_field(client, school, held):
    action = _internal(held).first()
    sign_in(client, school["dsl"])
    response = client.post(
        f"/api/v1/cases/{held.reference}/actions/{action.pk}/done",
        {"note": "x", "police_confirmation": "free text is no longer enough"},
        content_type="application/json",
    )
    # Well formed, but the action is paused by the enquiry: a conflict with its state (409).
    assert response.status_code == 409
    assert response.json()["detail"].startswith("police_agreement:")
    action.refresh_from_db()
    assert action.status == "open"


@pytest.mark.clause("CB-11")
def test_it_sends_no_reminder_or_escalation_for_a_paused_action(school, held):
    first = _internal(held).first()
    sent = sweep_at(first.due_at - timedelta(hours=1))
    assert not any(first.title in m.body for m in sent)
    sweep_at(first.due_at + timedelta(hours=1))
    first.refresh_from_db()
    assert not first.reminded and first.escalation_level == 0
    assert not held.events.filter(kind="escalated", text__contains=first.title).exists()


@pytest.mark.clause("CB-11")
def test_it_lets_an_action_agreed_with_the_police_go_ahead_and_records_who_and_when(
    client, school, held
):
    action = _internal(held).first()
    prefix = f"a{action.pk}"
    url = reverse("casework:action_police_agree", args=[held.reference, action.pk])
    sign_in(client, school["dsl"])
    with clock.frozen(START + timedelta(hours=3)):
        missing = client.post(url, {f"{prefix}-agreed_at": "2026-03-16T10:00"})
        assert (
            missing.status_code == 400
            and "Enter who at the police agreed" in missing.content.decode()
        )
        future = client.post(
            url, {f"{prefix}-officer": "DC Ahmed", f"{prefix}-agreed_at": "2026-03-20T10:00"}
        )
        assert future.status_code == 400 and "in the future" in future.content.decode()
        ok = client.post(
            url,
            {
                f"{prefix}-officer": "DC Ahmed, West Yorkshire Police CID",
                f"{prefix}-agreed_at": "2026-03-16T11:30",
                f"{prefix}-note": "Talking to the pupil's form tutor will not affect the enquiry",
            },
        )
        assert ok.status_code == 302
        mine = client.get(reverse("casework:my_actions")).content.decode()
    action.refresh_from_db()
    assert action.police_agreed_by == "DC Ahmed, West Yorkshire Police CID"
    assert action.police_agreed_at == datetime(2026, 3, 16, 11, 30, tzinfo=UTC)
    assert action.police_agreement_recorded_by == school["dsl"]
    assert not actions.is_paused(action) and action.title in mine
    assert held.events.filter(kind="police_agreed", text__contains="DC Ahmed").exists()
    assert AuditEvent.objects.filter(action="case.action_police_agreed").exists()
    services.action_complete(action=action, user=school["dsl"], note="Spoke to the tutor")
    assert action.status == "done"


@pytest.mark.clause("CB-11")
def test_it_cannot_start_the_investigation_during_a_police_enquiry_without_an_agreement(
    client, school, held
):
    sign_in(client, school["dsl"])
    url = reverse("casework:case_advance", args=[held.reference])
    refused = client.post(url)
    assert refused.status_code == 400
    assert "record that the police agreed" in refused.content.decode()
    held.refresh_from_db()
    assert held.state == "triaged"
    actions.action_police_agree(
        action=_internal(held).first(),
        user=school["dsl"],
        officer="DC Ahmed",
        agreed_at=START + timedelta(hours=1),
    )
    assert client.post(url).status_code == 302
    held.refresh_from_db()
    assert held.state == "investigating"


@pytest.mark.clause("CB-11")
def test_it_resumes_paused_actions_when_the_hold_is_lifted_with_the_pause_added_to_the_deadline(
    school, held
):
    before = {a.pk: a.due_at for a in _internal(held)}
    with clock.frozen(START + timedelta(hours=10)):
        services.case_police_hold_set(case=held, user=school["dsl"], active=False)
    held.refresh_from_db()
    assert not held.police_hold and held.police_hold_since is None
    for action in _internal(held):
        assert action.due_at == before[action.pk] + timedelta(hours=10)
        assert not actions.is_paused(action)
    assert held.events.filter(
        kind="police_hold", text__contains="2 paused action(s) resume"
    ).exists()
    assert AuditEvent.objects.filter(action="case.police_hold_lifted").exists()
    first = _internal(held).first()
    sent = sweep_at(first.due_at - timedelta(hours=1))
    assert any("Reminder: action due" in m.subject + m.body and first.title in m.body for m in sent)
