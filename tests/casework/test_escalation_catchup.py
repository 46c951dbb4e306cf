"""Escalation after downtime (issue 10, item 5): once per missed deadline, at most once per step per
day when the sweep runs late, one digest email per person, and "no one further" written once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from socialguard import clock
from socialguard.casework import services
from socialguard.web.schedule import load_sweeps, run_sweeps

START = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # a Monday
NOBODY = "no one further to escalate to"


def sweep(moment):
    mail.outbox.clear()
    with clock.frozen(moment):
        load_sweeps()
        run_sweeps(moment)
    return list(mail.outbox)


def nobody_further(case):
    return case.events.filter(kind="escalated", text__contains=NOBODY).count()


def escalations(case):
    return case.events.filter(kind="escalated").exclude(text__contains=NOBODY).count()


@pytest.fixture
def long_overdue(school, report):
    """A pupil-pathway case whose two actions were due 40 days before the sweep comes back."""
    with clock.frozen(START):
        case = report(what_happened="Unkind comments about a classmate's photo.")
        services.case_triage(case=case, user=school["dsl"], pathway="pupil")
    assert case.actions.filter(status="open").count() == 2
    return case


@pytest.mark.clause("PRIN-h")
def test_it_writes_no_one_further_once_however_many_sweeps_run(long_overdue):
    """The reported fault: 22 "no one further to escalate to" entries in 11 minutes."""
    back = START + timedelta(days=40)
    for minute in range(11):
        sweep(back + timedelta(minutes=minute))
    per_action = long_overdue.actions.count() + 1  # each action, and the case itself
    assert nobody_further(long_overdue) <= per_action
    for day in range(1, 6):
        sweep(back + timedelta(days=day))
    assert nobody_further(long_overdue) <= per_action


@pytest.mark.clause("SLT-2")
def test_it_escalates_each_step_at_most_once_a_day_after_downtime(long_overdue):
    back = START + timedelta(days=40)
    sweep(back)
    first = escalations(long_overdue)
    assert first >= 1
    for minute in range(1, 11):
        assert sweep(back + timedelta(minutes=minute)) == []
    assert escalations(long_overdue) == first  # no cascade one level per one-minute sweep
    sweep(back + timedelta(hours=23))
    assert escalations(long_overdue) == first
    sweep(back + timedelta(days=1, minutes=1))
    assert escalations(long_overdue) <= first + long_overdue.actions.count()


@pytest.mark.clause("PRIN-h")
def test_it_sends_one_digest_per_person_after_downtime(school, report):
    with clock.frozen(START):
        cases = [report(what_happened=f"Unkind comments, number {i}.") for i in range(3)]
        for case in cases:
            services.case_triage(case=case, user=school["dsl"], pathway="pupil")
    sent = sweep(START + timedelta(days=11))
    addresses = [m.to[0] for m in sent]
    assert addresses and len(addresses) == len(set(addresses))  # one email per person
    digest = next(m for m in sent if "notices about your cases" in m.subject)
    for case in cases:
        assert case.reference in digest.body


@pytest.mark.clause("PRIN-h")
def test_it_escalates_once_per_missed_deadline(school, report):
    with clock.frozen(START):
        case = report(what_happened="Unkind comments.")
        services.case_triage(case=case, user=school["dsl"], pathway="pupil")
    due = case.actions.first().due_at
    sweep(due + timedelta(minutes=1))
    once = escalations(case)
    assert once >= 1
    for hour in range(1, 30):
        sweep(due + timedelta(hours=hour))
    assert escalations(case) == once
