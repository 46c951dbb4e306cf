from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from socialguard import clock
from socialguard.casework import services
from socialguard.web.schedule import load_sweeps, run_sweeps

START = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # a Monday


def sweep_at(moment):
    mail.outbox.clear()
    with clock.frozen(moment):
        load_sweeps()
        run_sweeps(moment)
    return {m.to[0]: m.subject for m in mail.outbox}


@pytest.mark.clause("PRIN-h")
def test_it_reminds_the_handlers_before_triage_is_due_and_escalates_when_overdue(school, report):
    with clock.frozen(START):
        case = report()
    assert case.triage_due == START + timedelta(hours=24)
    assert sweep_at(START + timedelta(hours=1)) == {}
    sent = sweep_at(START + timedelta(hours=21))
    assert "Reminder: triage due" in sent[school["dsl"].email]
    assert sweep_at(START + timedelta(hours=22)) == {}  # only once
    sent = sweep_at(START + timedelta(hours=25))
    assert "Escalated case" in sent[school["headteacher"].email]
    case.refresh_from_db()
    assert case.recipients.filter(reason="escalated", role="headteacher").exists()
    assert case.events.filter(kind="escalated").exists()


@pytest.mark.clause("SLT-2")
def test_it_escalates_an_overdue_action_to_the_next_role_holder(school, report):
    with clock.frozen(START):
        case = report(
            category="staff_misuse",
            parties=[{"person": school["colleague"].person, "part": "alleged_perpetrator"}],
        )
        services.case_triage(case=case, user=school["headteacher"], pathway="staff")
    investigate = case.actions.get(title="Investigate the allegation promptly")
    assert investigate.owner == school["headteacher"].person
    sent = sweep_at(investigate.due_at - timedelta(hours=2))
    assert "Reminder: action due" in sent[school["headteacher"].email]
    sent = sweep_at(investigate.due_at + timedelta(minutes=1))
    assert "Escalated case" in sent[school["proprietor"].email]
    investigate.refresh_from_db()
    assert investigate.escalation_level == 1
    assert school["proprietor"].email not in sweep_at(investigate.due_at + timedelta(hours=2))


@pytest.mark.clause("PRIN-h")
def test_it_stops_chasing_once_the_work_is_done(school, report):
    with clock.frozen(START):
        case = report()
        services.case_triage(case=case, user=school["dsl"])
    assert sweep_at(START + timedelta(hours=30)) == {}


@pytest.mark.clause("PRIN-h")
def test_it_escalates_a_case_past_its_overall_deadline(school, report):
    with clock.frozen(START):
        case = report(category="school_reputation")
        services.case_triage(case=case, user=school["headteacher"])
    sent = sweep_at(case.due_at + timedelta(minutes=5))
    assert "Escalated case" in sent[school["proprietor"].email]
