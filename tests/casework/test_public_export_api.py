import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from socialguard.audit.models import AuditEvent
from socialguard.casework import services
from socialguard.casework.models import Case
from tests.conftest import sign_in

PUBLIC = {
    "what_happened": "A post on a community page names a pupil's mother and mocks her.",
    "category": "external_criticism",
    "platform": "Nextdoor",
    "url_or_sender": "https://nextdoor.example/p/3",
    "about": "A parent",
    "illegal_or_threats": "no",
    "indecent_image": "no",
    "name": "",
    "contact": "",
}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.clause("MON-4")
def test_it_takes_a_report_from_outside_without_an_account_and_gives_a_reference(client, school):
    response = client.post(reverse("casework:public_report"), PUBLIC)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.source == "public" and case.reporter is None
    page = client.get(response["Location"]).content.decode()
    assert case.reference in page
    assert [r.role for r in case.recipients.all()] == ["headteacher"]


@pytest.mark.clause("MON-4")
def test_it_rate_limits_public_reports_by_address(client, school):
    for _ in range(5):
        assert client.post(reverse("casework:public_report"), PUBLIC).status_code == 302
    response = client.post(reverse("casework:public_report"), PUBLIC)
    assert response.status_code == 429 and "Too many reports" in response.content.decode()
    assert Case.objects.count() == 5
    other = client.post(reverse("casework:public_report"), PUBLIC, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 302


@pytest.mark.clause("MON-4")
def test_it_explains_what_is_missing_from_a_public_report(client, school):
    response = client.post(reverse("casework:public_report"), {"what_happened": ""})
    assert response.status_code == 400 and "Describe what happened" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.clause("MON-3")
def test_it_turns_a_reported_public_post_on_a_personal_account_into_a_case(school, report):
    case = report(
        category="staff_disparaging",
        url_or_sender="https://x.example/personal/status/1",
        parties=[{"person": school["colleague"].person, "part": "alleged_perpetrator"}],
    )
    assert case.url_or_sender.endswith("/status/1") and case.state == "new"
    assert services.suggest_pathway(case) == "staff"


@pytest.mark.clause("SLT-5")
def test_it_exports_a_case_pdf_for_the_head_and_dsl_only_and_audits_it(client, school, report):
    case = report()
    sign_in(client, school["dsl"])
    response = client.get(reverse("casework:case_export", args=[case.reference]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEvent.objects.filter(action="case.exported", object_id=str(case.pk)).exists()
    sign_in(client, school["deputy_dsl"])
    assert client.get(reverse("casework:case_export", args=[case.reference])).status_code == 403


@pytest.mark.clause("PRIN-h")
def test_it_shows_a_dashboard_of_open_cases_overdue_actions_triage_time_and_trend(
    client, school, report
):
    case = report()
    services.case_triage(case=case, user=school["dsl"], pathway="pupil")
    report(category="pupil_cyberbullying")
    sign_in(client, school["dsl"])
    page = client.get(reverse("casework:dashboard")).content.decode()
    assert "Cyberbullying or harassment" in page and "Cyber bullying by pupils" in page
    assert case.reference in page  # time to triage row
    assert "<svg" in page and "style=" not in page and "<script" not in page.split("</header>")[1]


@pytest.mark.clause("RESP-4")
def test_it_reports_lists_and_reads_cases_through_the_api(client, school):
    sign_in(client, school["teacher"])
    response = client.post(
        "/api/v1/cases",
        {
            "category": "cyberbullying_harassment",
            "what_happened": "API report",
            "illegal_or_threats": True,
            "indecent_image": False,
            "involved": [{"part": "victim", "external_id": school["colleague"].person.external_id}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    reference = response.json()["reference"]
    assert client.get("/api/v1/cases").status_code == 403
    bad = client.post(
        "/api/v1/cases",
        {
            "category": "nope",
            "what_happened": "x",
            "illegal_or_threats": False,
            "indecent_image": False,
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and "category" in bad.json()["detail"]
    sign_in(client, school["dsl"])
    assert [c["reference"] for c in client.get("/api/v1/cases").json()] == [reference]
    detail = client.get(f"/api/v1/cases/{reference}").json()
    assert detail["actions"][0]["clause"] == "SLT-4"
    action_id = detail["actions"][0]["id"]
    done = client.post(
        f"/api/v1/cases/{reference}/actions/{action_id}/done",
        {"note": "advised"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    sign_in(client, school["colleague"])
    assert client.get(f"/api/v1/cases/{reference}").status_code == 403


class _Collector:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.mark.clause("REP-1")
def test_it_delivers_the_routing_email_over_real_smtp(school, report):
    collector = _Collector()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            case = report(category="personal_data_loss")
    finally:
        controller.stop()
    assert [rcpt for rcpt, _ in collector.messages] == [[school["dpl"].email]]
    assert case.reference in collector.messages[0][1]
