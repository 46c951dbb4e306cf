from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from socialguard import clock
from socialguard.casework import services
from socialguard.casework.models import Case, CaseEvent
from socialguard.casework.permissions import can_view_case
from tests.conftest import sign_in

MONDAY = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)


def staff_case(report, school, **extra):
    return report(
        category="staff_misuse",
        parties=[
            {"person": school["colleague"].person, "part": "alleged_perpetrator"},
            {"person": school["teacher"].person, "part": "victim"},
        ],
        **extra,
    )


@pytest.mark.clause("CB-9")
def test_it_runs_the_staff_pathway_from_report_to_closed_through_the_pages(client, school, report):
    case = staff_case(report, school, reporter=school["manager"].person, user=school["manager"])
    sign_in(client, school["headteacher"])
    detail = reverse("casework:case_detail", args=[case.reference])
    assert (
        'value="staff" checked' in client.get(detail).content.decode()
    )  # suggested from the perpetrator's role
    response = client.post(
        reverse("casework:case_triage", args=[case.reference]),
        {"pathway": "staff", "legal_heads": ["defamation"], "staff_concern_level": ""},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    titles = list(case.actions.values_list("title", flat=True))
    assert "Investigate the allegation promptly" in titles
    assert "Decide whether the Disciplinary or Capability Procedure applies" in titles
    client.post(reverse("casework:case_advance", args=[case.reference]))
    assert (
        client.post(
            reverse("casework:case_advance", args=[case.reference]), {"outcome": "behaviour_policy"}
        ).status_code
        == 400
    )
    client.post(
        reverse("casework:case_advance", args=[case.reference]),
        {"outcome": "disciplinary_procedure", "outcome_text": "Warning"},
    )
    case.refresh_from_db()
    assert (case.state, case.outcome) == ("outcome", "disciplinary_procedure")
    page = client.post(reverse("casework:case_advance", args=[case.reference]))
    assert "Finish or record every open action" in page.content.decode()
    for action in case.actions.filter(status="open"):
        client.post(
            reverse("casework:case_action_complete", args=[case.reference, action.pk]),
            {"note": "done"},
        )
    client.post(reverse("casework:case_advance", args=[case.reference]))
    case.refresh_from_db()
    assert case.state == "closed"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[0] == "reported" and {
        "triaged",
        "investigating",
        "outcome",
        "closed",
        "action_done",
    } <= set(kinds)


@pytest.mark.clause("RESP-2")
def test_it_offers_the_disciplinary_and_capability_outcomes_on_the_staff_pathway(school, report):
    case = staff_case(report, school)
    services.case_triage(case=case, user=school["headteacher"], pathway="staff")
    services.case_advance(case=case, user=school["headteacher"])
    services.case_advance(case=case, user=school["headteacher"], outcome="capability_procedure")
    assert case.outcome == "capability_procedure"


@pytest.mark.clause("CB-7")
def test_it_treats_staff_bullying_outside_work_as_a_potential_disciplinary_matter(school, report):
    case = staff_case(report, school, what_happened="Out of hours, on a personal account.")
    assert services.suggest_pathway(case) == "staff"
    assert "disciplinary_procedure" in services.casework_config().pathways["staff"].outcomes


@pytest.mark.clause("CB-10")
def test_it_runs_the_pupil_pathway_under_the_behaviour_policy(school, report):
    case = report(
        category="pupil_cyberbullying",
        parties=[{"person": school["pupil"], "part": "alleged_perpetrator"}],
    )
    assert services.suggest_pathway(case) == "pupil"
    services.case_triage(case=case, user=school["dsl"], pathway="pupil")
    titles = list(case.actions.values_list("title", flat=True))
    assert "Investigate in line with the school behaviour policy" in titles
    assert "Decide whether the police should be consulted" in titles
    assert case.actions.first().owner == school["dsl"].person


@pytest.mark.clause("MON-5")
def test_it_runs_the_parent_and_public_pathway_with_the_police_option(school, report):
    case = report(
        category="external_criticism",
        parties=[{"person": school["parent"], "part": "alleged_perpetrator"}],
    )
    assert services.suggest_pathway(case) == "parent_public"
    services.case_triage(case=case, user=school["headteacher"], pathway="parent_public")
    services.case_advance(case=case, user=school["headteacher"])
    services.case_advance(case=case, user=school["headteacher"], outcome="police_referral")
    assert case.outcome == "police_referral"


@pytest.mark.clause("RESP-3")
def test_it_gives_every_pathway_for_criminal_offences_a_police_route(school):
    pathways = services.casework_config().pathways
    assert (
        "police_referral" in pathways["pupil"].outcomes
        and "police_referral" in pathways["parent_public"].outcomes
    )


@pytest.mark.clause("LEGAL-1")
def test_it_tags_cases_with_legal_heads_and_refuses_unknown_ones(school, report):
    case = report()
    with pytest.raises(services.CaseworkError):
        services.case_triage(case=case, user=school["dsl"], legal_heads=["witchcraft"])
    services.case_triage(
        case=case, user=school["dsl"], legal_heads=["protection_from_harassment", "defamation"]
    )
    case.refresh_from_db()
    assert case.legal_heads == ["protection_from_harassment", "defamation"]


@pytest.mark.clause("SLT-2")
def test_it_shows_a_low_level_concern_about_staff_to_the_headteacher_only_with_a_pattern(
    client, school, report
):
    cases = [
        staff_case(report, school, what_happened=f"Photo of pupils on a personal phone {i}")
        for i in range(2)
    ]
    for case in cases:
        services.case_triage(case=case, user=school["headteacher"], staff_concern_level="low_level")
    for role in ("dsl", "deputy_dsl", "proprietor", "dpl"):
        assert not any(can_view_case(school[role], c) for c in cases)
    assert all(can_view_case(school["headteacher"], c) for c in cases)
    sign_in(client, school["headteacher"])
    page = client.get(
        reverse("casework:low_level_person", args=[school["colleague"].person.external_id])
    ).content.decode()
    assert all(c.reference in page for c in cases) and "Pattern" in page
    assert "Pattern" in client.get(reverse("casework:low_level_index")).content.decode()


@pytest.mark.clause("SLT-2")
def test_it_raises_a_lado_referral_due_within_one_working_day_for_an_allegation(school, report):
    with clock.frozen(FRIDAY):
        case = staff_case(report, school)
        services.case_triage(
            case=case, user=school["headteacher"], staff_concern_level="allegation", pathway="staff"
        )
    lado = case.actions.get(key="lado_referral")
    assert lado.owner == school["headteacher"].person
    assert lado.due_at.astimezone(UTC).date() == datetime(2026, 3, 23).date()  # the Monday after
    with clock.frozen(MONDAY):
        other = staff_case(report, school)
        services.case_triage(
            case=other, user=school["headteacher"], staff_concern_level="allegation"
        )
    assert other.actions.get(key="lado_referral").due_at - MONDAY == timedelta(days=1)


@pytest.mark.clause("CB-11")
def test_it_needs_a_recorded_police_agreement_for_internal_actions_while_the_enquiry_is_active(
    client, school, report
):
    case = report(parties=[{"person": school["pupil"], "part": "alleged_perpetrator"}])
    services.case_triage(case=case, user=school["dsl"], pathway="pupil")
    sign_in(client, school["dsl"])
    client.post(
        reverse("casework:case_police_hold", args=[case.reference]),
        {"active": "yes", "note": "PC Smith"},
    )
    case.refresh_from_db()
    assert case.police_hold
    action = case.actions.first()
    url = reverse("casework:case_action_complete", args=[case.reference, action.pk])
    response = client.post(url, {"note": "spoke to pupil"})
    assert response.status_code == 400 and "police enquiry is active" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "open"
    prefix = f"a{action.pk}"
    client.post(
        reverse("casework:action_police_agree", args=[case.reference, action.pk]),
        {
            f"{prefix}-officer": "PC Smith, CID",
            f"{prefix}-agreed_at": "2026-03-03T10:00",
            f"{prefix}-note": "Speaking to the pupil is fine",
        },
    )
    client.post(url, {"note": "spoke to pupil"})
    action.refresh_from_db()
    assert action.status == "done" and action.police_agreed_by == "PC Smith, CID"
    assert "Agreed with the police: PC Smith, CID" in case.events.last().text


@pytest.mark.clause("CB-12")
def test_it_raises_support_actions_for_a_staff_victim_owned_by_the_line_manager_and_head(
    school, report
):
    case = report(
        parties=[
            {"person": school["teacher"].person, "part": "victim"},
            {"person": school["parent"], "part": "alleged_perpetrator"},
        ]
    )
    services.case_triage(case=case, user=school["dsl"], pathway="parent_public")
    support = case.actions.get(key="line_manager_support")
    health = case.actions.get(key="occupational_health")
    assert (
        support.owner == school["manager"].person and health.owner == school["headteacher"].person
    )
    assert support.due_at > support.created_at


@pytest.mark.clause("REP-2")
def test_it_signposts_unions_to_a_victim_who_reports(client, school, report):
    case = report(reporter_is_victim=True)
    sign_in(client, school["teacher"])
    page = client.get(reverse("casework:my_report", args=[case.reference])).content.decode()
    for name in ("NEU", "NASUWT", "NAHT", "ASCL", "UNISON", "Education Support"):
        assert name in page
    assert "Support is available to you" in client.get(reverse("home")).content.decode()


@pytest.mark.clause("CB-12")
def test_it_lets_the_line_manager_record_their_support_action_without_seeing_the_case(
    client, school, report
):
    case = report(parties=[{"person": school["teacher"].person, "part": "victim"}])
    services.case_triage(case=case, user=school["dsl"])
    action = case.actions.get(key="line_manager_support")
    sign_in(client, school["manager"])
    assert "Offer support" in client.get(reverse("casework:my_actions")).content.decode()
    assert client.get(reverse("casework:case_detail", args=[case.reference])).status_code == 403
    client.post(
        reverse("casework:my_action_complete", args=[action.pk]),
        {"note": "Met and offered support"},
    )
    action.refresh_from_db()
    assert action.status == "done"


@pytest.mark.clause("SLT-3")
def test_it_refuses_to_change_or_delete_the_chronology(school, report):
    case = report()
    event = case.events.first()
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - the database raises its own error type
        CaseEvent.objects.filter(pk=event.pk).update(text="rewritten")
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017
        CaseEvent.objects.filter(pk=event.pk).delete()
    assert CaseEvent.objects.get(pk=event.pk).text == event.text


def test_it_links_cases_and_adds_notes_and_people(client, school, report):
    first, second = report(), report(what_happened="Second post")
    sign_in(client, school["dsl"])
    client.post(
        reverse("casework:case_link", args=[first.reference]), {"reference": second.reference}
    )
    assert list(first.linked_cases.all()) == [second]
    client.post(
        reverse("casework:case_note", args=[first.reference]), {"text": "Called the parent"}
    )
    assert first.events.filter(kind="note", text="Called the parent").exists()
    client.post(
        reverse("casework:case_party", args=[first.reference]),
        {"name": "Unknown account @x", "part": "alleged_perpetrator", "kind": "public"},
    )
    assert first.parties.filter(name="Unknown account @x", kind="public").exists()
    response = client.post(
        reverse("casework:case_link", args=[first.reference]), {"reference": "SG-0000-NOPE"}
    )
    assert response.status_code == 400 and "No case you can see" in response.content.decode()


def test_it_answers_forged_case_references_with_404(client, school):
    sign_in(client, school["dsl"])
    assert client.get(reverse("casework:case_detail", args=["SG-2026-FORGED"])).status_code == 404
    assert not Case.objects.exists()


def test_it_never_half_writes_a_report(school, report, monkeypatch):
    def boom(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(services, "_notify_recipients", boom)
    with pytest.raises(IntegrityError):
        report()
    assert not Case.objects.exists()
    assert connection.vendor in {"sqlite", "postgresql"}
