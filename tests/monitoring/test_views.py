"""The monitoring pages (MON-1, MON-2): thin views over the flag, warrant, identity and ingest services."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from socialguard import clock
from socialguard.audit.models import AuditEvent
from socialguard.casework import services as casework
from socialguard.monitoring.identities import import_identities
from socialguard.monitoring.models import Exclusion, Flag, Warrant
from tests.conftest import sign_in
from tests.monitoring.access import ENTRIES, build_world

LINE = ("{t} 10 10.0.0.8 TCP_MISS/200 100 GET http://www.google.com/search?q={q} "
        "{user} DIRECT/1.1.1.1 text/html\n")  # fmt: skip


def _squid(rows) -> bytes:
    now = clock.now().timestamp()
    return "".join(LINE.format(t=now - i, q=q, user=u) for i, (u, q) in enumerate(rows)).encode()


def _upload(client, content: bytes, name="access.log", source="squid"):
    return client.post(reverse("monitoring:upload"),
                       {"source": source, "file": SimpleUploadedFile(name, content)})  # fmt: skip


def _as(client, user):
    client.logout()
    return sign_in(client, user)


@pytest.mark.django_db
@pytest.mark.clause("MON-2")
def test_staff_flags_are_counts_until_a_warrant_then_searchable_until_expiry(
    client, make_person, make_user
):
    dsl, head = make_user("dsl"), make_user("headteacher")
    teacher = make_person("staff", given_name="Tess")
    import_identities(
        f"external_id,username,email,device,ip,valid_from,valid_to\n{teacher.external_id},tess,,,,,\n"
    )
    _as(client, dsl)
    uploaded = _upload(client, _squid([("tess", "online+casino")]))
    assert uploaded.status_code == 200 and "1 flag" in uploaded.content.decode()
    flag = Flag.objects.get()
    page = client.get(reverse("monitoring:index")).content.decode()
    assert (
        "Gambling: 1" in page
        and reverse("monitoring:flag", kwargs={"flag_id": flag.pk}) not in page
    )
    assert client.get(reverse("monitoring:flag", kwargs={"flag_id": flag.pk})).status_code == 404

    case = casework.case_report(reporter=dsl.person, category="cyberbullying_harassment",
                                what_happened="Gambling in school hours", user=dsl)  # fmt: skip
    today = clock.now().date()
    asked = client.post(reverse("monitoring:warrant_new"), {
        "case": case.reference, "subject": teacher.external_id, "justification": "Reported by a colleague",
        "sources": ["squid"], "date_from": str(today - timedelta(days=1)), "date_to": str(today), "days": "3"})  # fmt: skip
    assert asked.status_code == 302, [
        ln for ln in asked.content.decode().splitlines() if "error" in ln
    ]
    warrant = Warrant.objects.get()
    # The DSL (the requester) cannot decide; the Headteacher can.
    refused = client.post(reverse("monitoring:warrant_decide", kwargs={"warrant_id": warrant.pk}),
                          {"decision": "approve"})  # fmt: skip
    assert refused.status_code == 400 and "cannot decide it" in refused.content.decode()
    _as(client, head)
    decided = client.post(reverse("monitoring:warrant_decide", kwargs={"warrant_id": warrant.pk}),
                          {"decision": "approve"})  # fmt: skip
    assert decided.status_code == 302
    _as(client, dsl)
    page = client.get(reverse("monitoring:index")).content.decode()
    assert (
        reverse("monitoring:flag", kwargs={"flag_id": flag.pk}) in page
        and "Gambling: 1" not in page
    )

    search_url = reverse("monitoring:warrant_search", kwargs={"warrant_id": warrant.pk})
    found = client.post(
        search_url, {"date_from": str(today), "date_to": str(today)}
    ).content.decode()
    assert "1 line found" in found and "online+casino" in found
    outside = client.post(
        search_url, {"date_from": str(today - timedelta(days=9)), "date_to": str(today)}
    )
    assert (
        "Search refused" in outside.content.decode()
        and "outside the warrant" in outside.content.decode()
    )
    Warrant.objects.filter(pk=warrant.pk).update(expires_at=clock.now() - timedelta(minutes=1))
    expired = client.post(
        search_url, {"date_from": str(today), "date_to": str(today)}
    ).content.decode()
    assert "Search refused" in expired and "expired" in expired and "online+casino" not in expired
    page = client.get(reverse("monitoring:index")).content.decode()
    assert "Gambling: 1" in page  # counts again once the warrant has expired

    actions = list(
        AuditEvent.objects.filter(object_type="monitoring.warrant").values_list("action", flat=True)
    )
    assert (
        actions.count("monitoring.search") == 1 and actions.count("monitoring.search_refused") == 2
    )
    assert warrant.searches.count() == 3


@pytest.mark.django_db
def test_a_teacher_is_refused_every_monitoring_page(client, make_person, make_user):
    world = build_world(make_person, make_user)
    _as(client, make_user("staff"))
    for name, (_allowed, kwargs, *_method) in ENTRIES.items():
        url = reverse(name, kwargs=kwargs(world) if callable(kwargs) else kwargs)
        for response in (client.get(url), client.post(url, {"state": "reviewed", "reason": "x"})):
            assert response.status_code in (403, 404), f"{name} {response.status_code}"
    assert Flag.objects.get().state == "new" and Warrant.objects.get().state == "pending"


@pytest.mark.django_db
@pytest.mark.clause("MON-1")
def test_false_positive_needs_a_reason_and_the_review_is_audited(client, make_person, make_user):
    world = build_world(make_person, make_user)
    flag = world["monitoring_flag"]
    _as(client, make_user("dsl"))
    url = reverse("monitoring:flag_review", kwargs={"flag_id": flag.pk})
    missing = client.post(url, {"state": "false_positive", "reason": "  "})
    assert (
        missing.status_code == 400
        and "Say why this is a false positive" in missing.content.decode()
    )
    assert (
        'id="reason-error"' in missing.content.decode()
        or "govuk-error-message" in missing.content.decode()
    )
    flag.refresh_from_db()
    assert flag.state == "new"
    assert (
        client.post(
            url, {"state": "false_positive", "reason": "A lesson on song lyrics"}
        ).status_code
        == 302
    )
    flag.refresh_from_db()
    assert flag.state == "false_positive" and flag.state_reason == "A lesson on song lyrics"
    assert AuditEvent.objects.filter(
        action="monitoring.flag_false_positive", object_id=str(flag.pk)
    ).exists()
    assert client.get(reverse("monitoring:flag", kwargs={"flag_id": flag.pk})).status_code == 200
    assert AuditEvent.objects.filter(
        action="view", object_type="monitoring.flag", object_id=str(flag.pk)
    ).exists()


@pytest.mark.django_db
def test_escalate_opens_a_concern_and_exclusion_needs_a_reason(client, make_person, make_user):
    flag = build_world(make_person, make_user)["monitoring_flag"]
    _as(client, make_user("dsl"))
    done = client.post(
        reverse("monitoring:flag_escalate", kwargs={"flag_id": flag.pk}), {"note": "Spoke to tutor"}
    )
    assert done.status_code == 302
    flag.refresh_from_db()
    assert flag.state == "escalated" and flag.case_reference
    again = client.post(reverse("monitoring:flag_escalate", kwargs={"flag_id": flag.pk}), {})
    assert again.status_code == 400 and "already been escalated" in again.content.decode()
    url = reverse("monitoring:exclusions")
    no_reason = client.post(url, {"scope": "word", "value": "roulette", "reason": ""})
    assert (
        no_reason.status_code == 400
        and "Write the reason for the exclusion" in no_reason.content.decode()
    )
    bad_date = client.post(
        url, {"scope": "word", "value": "roulette", "reason": "maths", "until": "soon"}
    )
    assert (
        bad_date.status_code == 400 and "Enter the end date as a date" in bad_date.content.decode()
    )
    ok = client.post(
        url,
        {
            "scope": "word",
            "value": "Roulette",
            "reason": "Year 9 probability",
            "category": "gambling",
        },
    )
    assert ok.status_code == 302 and Exclusion.objects.get().value == "roulette"


@pytest.mark.django_db
def test_bad_input_names_the_field_and_never_500(client, make_person, make_user):
    world = build_world(make_person, make_user)
    _as(client, make_user("dsl"))
    form = client.post(reverse("monitoring:warrant_new"), {"case": "SG-NOPE", "subject": "x", "justification": "j",
                                                           "sources": ["nope"], "date_from": "2026-01-02",
                                                           "date_to": "2026-01-01", "days": "99"})  # fmt: skip
    body = form.content.decode()
    assert form.status_code == 400
    assert "Choose logs from the list" in body and "at most 14 days" in body
    upload = _upload(client, b"\x00\xff binary \x00\n" * 3)
    assert upload.status_code == 200 and "could not be read" in upload.content.decode()
    no_file = client.post(reverse("monitoring:upload"), {"source": "squid"})
    assert no_file.status_code == 400 and "Choose the log file" in no_file.content.decode()
    url = reverse(
        "monitoring:warrant_search", kwargs={"warrant_id": world["monitoring_warrant"].pk}
    )
    assert client.post(url, {"date_from": "yesterday"}).status_code == 400


@pytest.mark.django_db
def test_the_dpl_sees_unresolved_identities(client, make_user):
    dpl = make_user("dpl")
    _as(client, make_user("dsl"))
    _upload(client, _squid([("ghost.user", "weather")]))
    _as(client, dpl)
    page = client.get(reverse("monitoring:identities"))
    assert page.status_code == 200 and "ghost.user" in page.content.decode()
    assert AuditEvent.objects.filter(action="view_list", object_type="monitoring.identity").exists()


@pytest.mark.django_db
def test_the_headteacher_sees_a_pending_warrant_on_home(client, make_person, make_user):
    build_world(make_person, make_user)
    _as(client, make_user("headteacher"))
    assert "Monitoring warrants to decide" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
@pytest.mark.clause("PRIN-a")
def test_a_headteacher_named_in_the_case_cannot_open_its_warrant(client, make_person, make_user):
    dsl, head = make_user("dsl"), make_user("headteacher")
    teacher = make_person("staff", given_name="Tess")
    case = casework.case_report(
        reporter=dsl.person, category="cyberbullying_harassment",
        what_happened="Gambling in school hours", user=dsl,
        parties=[{"person": head.person, "part": "witness"}],
    )  # fmt: skip
    _as(client, dsl)
    today = clock.now().date()
    client.post(reverse("monitoring:warrant_new"), {
        "case": case.reference, "subject": teacher.external_id, "justification": "Reported",
        "sources": ["squid"], "date_from": str(today - timedelta(days=1)), "date_to": str(today),
        "days": "3"})  # fmt: skip
    warrant = Warrant.objects.get()
    _as(client, head)
    url = reverse("monitoring:warrant", kwargs={"warrant_id": warrant.pk})
    assert client.get(url).status_code == 404
    assert case.reference not in client.get(reverse("monitoring:warrants")).content.decode()
