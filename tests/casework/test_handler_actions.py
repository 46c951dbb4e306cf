"""Handlers run the case (issue 10, item 5): add, reassign and cancel actions; no outcome while a
police or urgent action is open, unless a written reason overrides it (audited)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from socialguard import clock
from socialguard.audit.models import AuditEvent
from socialguard.casework import actions, services
from socialguard.casework.models import CaseAction
from socialguard.policy.pack import PackError, get_pack
from tests.conftest import sign_in

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # a Monday


def _add_form(owner, due="2026-03-18T15:00", title="Speak to the form tutor"):
    return {"title": title, "owner": owner.pk, "due_at": due, "internal": "yes"}


@pytest.mark.clause("PRIN-h")
def test_it_lets_a_handler_add_an_action_with_an_owner_and_deadline(client, school, report):
    with clock.frozen(NOW):
        case = report()
        sign_in(client, school["dsl"])
        mail.outbox.clear()
        response = client.post(
            reverse("casework:action_add", args=[case.reference]),
            _add_form(school["colleague"].person),
        )
    assert response.status_code == 302
    action = case.actions.get(title="Speak to the form tutor")
    assert action.owner == school["colleague"].person and action.status == "open"
    assert action.due_at == datetime(2026, 3, 18, 15, 0, tzinfo=UTC)
    assert case.events.filter(
        kind="action_raised", text__contains="Speak to the form tutor"
    ).exists()
    assert AuditEvent.objects.filter(action="case.action_added", object_id=str(action.pk)).exists()
    [email] = [m for m in mail.outbox if m.to == [school["colleague"].email]]
    assert reverse("casework:my_action", args=[action.pk]) in email.body
    assert case.what_happened not in email.body


@pytest.mark.clause("PRIN-h")
def test_it_refuses_a_deadline_in_the_past_and_names_the_field(client, school, report):
    with clock.frozen(NOW):
        case = report()
        sign_in(client, school["dsl"])
        page = client.post(
            reverse("casework:action_add", args=[case.reference]),
            _add_form(school["colleague"].person, due="2026-03-15T09:00"),
        )
        assert page.status_code == 400
        assert "The deadline is in the past" in page.content.decode()
        assert 'href="#id_due_at"' in page.content.decode()
        with pytest.raises(services.CaseworkError) as refused:
            actions.action_add(
                case=case,
                user=school["dsl"],
                title="x",
                owner=school["manager"].person,
                due_at=None,
            )
        assert refused.value.field == "due_at"
        empty = client.post(reverse("casework:action_add", args=[case.reference]), {})
    assert empty.status_code == 400 and "Say what needs to be done" in empty.content.decode()
    assert not case.actions.filter(title="Speak to the form tutor").exists()


@pytest.mark.clause("PRIN-a")
def test_it_never_gives_an_action_to_someone_named_in_the_case(client, school, report):
    case = report(parties=[{"person": school["colleague"].person, "part": "alleged_perpetrator"}])
    named = school["colleague"].person
    assert named not in actions.eligible_owners(case)
    with pytest.raises(services.CaseworkError) as refused:
        actions.action_add(
            case=case,
            user=school["headteacher"],
            title="Interview",
            owner=named,
            due_at=clock.now() + timedelta(days=1),
        )
    assert refused.value.field == "owner"
    sign_in(client, school["headteacher"])  # an allegation about staff goes to the Headteacher
    page = client.post(reverse("casework:action_add", args=[case.reference]), _add_form(named))
    assert page.status_code == 400 and "Choose someone from the list" in page.content.decode()
    action = actions.action_add(
        case=case,
        user=school["headteacher"],
        title="Interview",
        owner=school["manager"].person,
        due_at=clock.now() + timedelta(days=1),
    )
    with pytest.raises(services.CaseworkError) as refused:
        actions.action_reassign(action=action, user=school["headteacher"], owner=named)
    assert refused.value.field == "owner"
    assert not CaseAction.objects.filter(owner=named).exists()


@pytest.mark.clause("PRIN-h")
def test_it_reassigns_an_action_audited_in_the_chronology_and_tells_the_new_owner(
    client, school, report
):
    case = report(illegal_or_threats=True)
    action = case.actions.get(key="police_advice")
    sign_in(client, school["dsl"])
    mail.outbox.clear()
    response = client.post(
        reverse("casework:action_reassign", args=[case.reference, action.pk]),
        {f"a{action.pk}-owner": school["deputy_dsl"].person.pk, f"a{action.pk}-reason": "On leave"},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.owner == school["deputy_dsl"].person
    assert case.events.filter(kind="action_reassigned", text__contains="On leave").exists()
    assert AuditEvent.objects.filter(action="case.action_reassigned").exists()
    assert [m.to for m in mail.outbox] == [[school["deputy_dsl"].email]]
    again = client.post(
        reverse("casework:action_reassign", args=[case.reference, action.pk]),
        {f"a{action.pk}-owner": school["deputy_dsl"].person.pk},
    )
    assert again.status_code == 400 and "already owns this action" in again.content.decode()


@pytest.mark.clause("PRIN-h")
def test_it_cancels_an_action_with_a_reason_and_keeps_it(client, school, report):
    case = report(illegal_or_threats=True)
    action = case.actions.get(key="police_advice")
    sign_in(client, school["dsl"])
    url = reverse("casework:action_cancel", args=[case.reference, action.pk])
    short = client.post(url, {f"a{action.pk}-reason": "no"})
    assert short.status_code == 400 and "at least 10 characters" in short.content.decode()
    assert (
        client.post(url, {f"a{action.pk}-reason": "Reported by mistake: no threat"}).status_code
        == 302
    )
    action.refresh_from_db()
    assert action.status == "cancelled" and action.cancel_reason == "Reported by mistake: no threat"
    assert case.events.filter(kind="action_cancelled").exists()
    assert AuditEvent.objects.filter(action="case.action_cancelled").exists()
    with pytest.raises(services.CaseworkError, match="cancelled"):
        services.action_complete(action=action, user=school["dsl"])
    page = client.get(reverse("casework:case_detail", args=[case.reference])).content.decode()
    assert "Cancelled" in page and "Reported by mistake" in page


@pytest.mark.clause("SLT-4")
def test_it_refuses_an_outcome_while_the_police_action_is_open_unless_a_reason_is_written(
    client, school, report
):
    case = report(
        illegal_or_threats=True,
        parties=[{"person": school["pupil"], "part": "alleged_perpetrator"}],
    )
    services.case_triage(case=case, user=school["dsl"], pathway="pupil")
    services.case_advance(case=case, user=school["dsl"])
    sign_in(client, school["dsl"])
    url = reverse("casework:case_advance", args=[case.reference])
    page = client.get(reverse("casework:case_detail", args=[case.reference])).content.decode()
    assert "Still open" in page and "Advise the employee to inform the police" in page
    refused = client.post(url, {"outcome": "behaviour_policy"})
    assert refused.status_code == 400 and "still open" in refused.content.decode()
    case.refresh_from_db()
    assert case.state == "investigating"
    client.post(
        url,
        {"outcome": "behaviour_policy", "override_reason": "The parent went to the police herself"},
    )
    case.refresh_from_db()
    assert (case.state, case.outcome) == ("outcome", "behaviour_policy")
    override = case.events.get(kind="outcome_override")
    assert "The parent went to the police herself" in override.text
    assert AuditEvent.objects.filter(action="case.outcome_override").exists()


@pytest.mark.clause("SLT-4")
def test_it_counts_an_action_due_within_the_police_hour_on_an_urgent_case(school, report):
    case = report(parties=[{"person": school["pupil"], "part": "alleged_perpetrator"}])
    services.case_triage(case=case, user=school["dsl"], pathway="pupil")
    services.case_advance(case=case, user=school["dsl"])
    soon = actions.action_add(
        case=case,
        user=school["dsl"],
        title="Check the pupil is safe",
        owner=school["deputy_dsl"].person,
        due_at=clock.now() + timedelta(minutes=30),
        internal=False,
    )
    assert actions.outcome_blockers(case) == []  # not urgent: an ordinary action
    case.urgent = True
    case.save(update_fields=["urgent"])
    assert actions.outcome_blockers(case) == [soon]
    with pytest.raises(services.CaseworkError) as refused:
        services.case_advance(case=case, user=school["dsl"], outcome="behaviour_policy")
    assert refused.value.field == "override_reason"
    services.action_complete(action=soon, user=school["dsl"], note="Safe at home")
    services.case_advance(case=case, user=school["dsl"], outcome="behaviour_policy")
    assert case.state == "outcome"


def test_it_validates_the_packs_action_controls_naming_the_key():
    pack = get_pack()
    data = {"casework": dict(pack.data["casework"])}
    data["casework"]["action_controls"] = {
        **pack.data["casework"]["action_controls"],
        "outcome_blockers": ["police_later"],
        "urgent_deadline": "soon",
        "owner_roles": ["wizard"],
    }
    with pytest.raises(PackError) as error:
        actions.parse_action_controls(data, pack.deadlines)
    text = str(error.value.problems)
    for key in ("outcome_blockers[0]", "urgent_deadline", "owner_roles[0]"):
        assert f"casework.action_controls.{key}" in text
    del data["casework"]["action_controls"]
    with pytest.raises(PackError, match="casework.action_controls"):
        actions.parse_action_controls(data, pack.deadlines)
