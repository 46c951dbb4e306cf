"""The audit-trail page applies the records' own need-to-know (PRIN-a): nobody sees events
about a record they may not see, on any page, by any filter, nor in the ids of a list view."""

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from socialguard.audit.models import AuditEvent
from socialguard.audit.services import audit_view
from socialguard.casework import services
from tests.conftest import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.clause("PRIN-a")]


def _about(case) -> set[tuple[str, str]]:
    """Every (type, id) of the case and of the records hanging off it (parties, audience, ...)."""
    keys = {("casework.case", str(case.pk))}
    for model in apps.get_app_config("casework").get_models():
        fields = {f.name: f for f in model._meta.concrete_fields}
        if "case" in fields and fields["case"].related_model is type(case):
            for pk in model.objects.filter(case=case).values_list("pk", flat=True):
                keys.add((model._meta.label_lower, str(pk)))
        if "evidence" in fields:
            for pk in model.objects.filter(evidence__case=case).values_list("pk", flat=True):
                keys.add((model._meta.label_lower, str(pk)))
    return keys


def _all_rows(client, **filters):
    """Every row the user is shown, walking every page."""
    rows, page = [], 1
    while True:
        response = client.get(reverse("audit"), {**filters, "page": page})
        assert response.status_code == 200
        rows += response.context["rows"]
        if not response.context["page"].has_next():
            return rows, response
        page += 1


def _leaks(rows, case) -> list:
    about = _about(case)
    return [
        e
        for e in rows
        if (e.object_type, e.object_id) in about
        or (e.detail or {}).get("case") == case.reference
        or (e.action == "view_list" and case.reference in (e.detail or {}).get("ids", []))
    ]


def _handle(case, user):
    audit_view(obj=case)
    services.evidence_phone_call_add(
        case=case, user=user, call_at=timezone.now(), who="A parent", summary="Rang about it."
    )


def test_the_headteacher_named_in_a_case_sees_none_of_its_events(client, school, report):
    about_him = report(
        parties=[{"person": school["headteacher"].person, "part": "alleged_perpetrator"}]
    )
    other = report()
    _handle(other, school["dsl"])
    _handle(about_him, school["proprietor"])
    for _ in range(60):  # more than one page of other events
        audit_view(obj=school["pupil"])
    sign_in(client, school["headteacher"])
    rows, _ = _all_rows(client)
    assert _leaks(rows, about_him) == []
    assert _leaks(rows, other), "he should still see the events of a case he may see"
    rows, _ = _all_rows(client, object_type="casework.case")
    assert _leaks(rows, about_him) == []
    rows, _ = _all_rows(client, actor="teacher")  # the reporter: who reported it stays hidden
    assert _leaks(rows, about_him) == []


def test_the_dpl_does_not_see_events_of_safeguarding_cases_not_routed_to_her(
    client, school, report
):
    safeguarding = report()  # cyberbullying: the DSL's route
    data_loss = report(category="personal_data_loss", what_happened="A list went astray.")
    _handle(safeguarding, school["dsl"])
    _handle(data_loss, school["dpl"])
    sign_in(client, school["dpl"])
    rows, response = _all_rows(client)
    assert _leaks(rows, safeguarding) == []
    assert _leaks(rows, data_loss)
    assert response.context["page"].paginator.count == len(rows)  # filtered in the query


def test_a_list_view_shows_only_the_ids_the_viewer_may_see(client, school, report):
    safeguarding = report()
    data_loss = report(category="personal_data_loss", what_happened="A list went astray.")
    sign_in(client, school["headteacher"])
    assert client.get("/cases/").status_code == 200  # the head sees both in the case list
    listing = AuditEvent.objects.filter(action="view_list", object_type="casework.case").last()
    assert set(listing.detail["ids"]) >= {safeguarding.reference, data_loss.reference}

    client.logout()
    sign_in(client, school["dpl"])
    rows, _ = _all_rows(client, action="view_list")
    shown = next(e for e in rows if e.id == listing.id)
    assert data_loss.reference in shown.detail["ids"]
    assert safeguarding.reference not in shown.detail["ids"]


def test_events_of_a_case_are_hidden_even_when_the_query_and_the_rule_disagree(
    client, school, report, monkeypatch
):
    """The page is checked again with the predicates: a drifted query still leaks nothing."""
    from socialguard.casework.models import Case
    from socialguard.people import permissions

    about_him = report(
        parties=[{"person": school["headteacher"].person, "part": "alleged_perpetrator"}]
    )
    _handle(about_him, school["proprietor"])
    monkeypatch.setitem(
        permissions._VISIBLE_QUERYSETS, "casework.case", lambda u: Case.objects.all()
    )
    sign_in(client, school["headteacher"])
    rows, _ = _all_rows(client)
    assert [
        e for e in rows if (e.object_type, e.object_id) == ("casework.case", str(about_him.pk))
    ] == []
