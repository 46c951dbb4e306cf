"""Every event carries its real actor, API tokens included; refused attempts to open a case or
evidence are recorded too, even when the request's transaction rolls back."""

import pytest
from django.db import transaction
from django.http import Http404, HttpResponse
from django.test import Client, RequestFactory

from socialguard.audit import context as audit_context
from socialguard.audit.models import AuditEvent
from socialguard.casework.models import Case
from socialguard.people.permissions import get_object_for_user
from socialguard.people.services import api_token_create
from socialguard.web.middleware import AuditContextMiddleware
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _token(user):
    _, raw = api_token_create(user=user, name="script", two_factor_verified=True)
    return raw


def _api(raw, path):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_it_audits_token_requests_with_the_tokens_user(school, report):
    case = report()
    dsl = school["dsl"]
    raw = _token(dsl)
    before = AuditEvent.objects.count()
    assert _api(raw, f"/api/v1/cases/{case.reference}").status_code == 200
    assert _api(raw, "/api/v1/cases").status_code == 200
    events = list(AuditEvent.objects.filter(id__gt=before))
    assert events, "the token requests were not audited"
    assert {(e.actor_id, e.actor_label) for e in events} == {(dsl.pk, "dsl")}
    assert all(e.detail.get("token") == raw[:10] for e in events)
    assert "anonymous" not in {e.actor_label for e in events}
    assert AuditEvent.objects.filter(
        id__gt=before, action="view", object_type="casework.case", object_id=str(case.pk)
    ).exists()


@pytest.mark.clause("PRIN-a")
def test_it_audits_a_refused_case_with_the_actor_and_the_record(client, school, report):
    case = report(parties=[{"person": school["headteacher"].person, "part": "alleged_perpetrator"}])
    head = school["headteacher"]
    sign_in(client, head)
    assert client.get(f"/cases/{case.reference}/").status_code == 404
    refused = AuditEvent.objects.filter(action="access.refused").last()
    assert (refused.actor_id, refused.actor_label) == (head.pk, "headteacher")
    assert (refused.object_type, refused.object_id) == ("casework.case", str(case.pk))
    assert refused.detail["status"] == 404


def test_it_audits_a_refused_case_by_token(school, report):
    case = report()
    raw = _token(school["dpl"])  # the DPL is not in a cyberbullying case's audience
    assert _api(raw, f"/api/v1/cases/{case.reference}").status_code == 404
    refused = AuditEvent.objects.filter(action="access.refused").last()
    assert (refused.actor_id, refused.object_id) == (school["dpl"].pk, str(case.pk))
    assert refused.detail["token"] == raw[:10]


def test_it_audits_a_403_once(client, school, report):
    case = report()
    sign_in(client, school["teacher"])
    assert client.get(f"/cases/{case.reference}/").status_code == 403
    refused = list(AuditEvent.objects.filter(action="access.refused"))
    assert len(refused) == 1
    assert refused[0].actor_label == "teacher"
    assert refused[0].detail["status"] == 403
    assert refused[0].detail["path"] == f"/cases/{case.reference}/"


def test_it_keeps_the_refusal_when_the_requests_transaction_rolls_back(school, report):
    case = report()
    dpl = school["dpl"]

    def view(request):
        try:
            with transaction.atomic():
                audit_context.current()  # a view doing its work inside a transaction
                get_object_for_user(dpl, Case.objects.all(), reference=case.reference)
        except Http404:
            return HttpResponse(status=404)
        return HttpResponse()

    request = RequestFactory().get("/somewhere/")
    request.user, request.request_id = dpl, "req-1"
    with transaction.atomic():
        response = AuditContextMiddleware(view)(request)
    assert response.status_code == 404
    refused = AuditEvent.objects.get(action="access.refused")
    assert (refused.actor_id, refused.object_id, refused.request_id) == (
        dpl.pk,
        str(case.pk),
        "req-1",
    )


def test_it_audits_a_403_from_the_api_with_the_tokens_user(school, report):
    case = report()
    raw = _token(school["teacher"])
    assert _api(raw, f"/api/v1/cases/{case.reference}").status_code == 403
    refused = AuditEvent.objects.get(action="access.refused")
    assert (refused.actor_id, refused.actor_label) == (school["teacher"].pk, "teacher")
    assert refused.detail["status"] == 403 and refused.detail["token"] == raw[:10]
