from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from socialguard import clock
from socialguard.audit.models import AuditEvent
from socialguard.declarations import services
from socialguard.declarations.models import ExceptionRequest
from tests.conftest import sign_in


def _request(person, today, **overrides):
    fields = {
        "requester": person,
        "kind": "school_email_for_personal_account",
        "platform": "Mastodon",
        "purpose": "A science club account",
        "account_handle": "@science",
        "until": today + timedelta(days=90),
    }
    fields.update(overrides)
    return services.exception_request(**fields)


@pytest.mark.django_db
@pytest.mark.clause("PERS-8")
def test_it_makes_an_exception_live_once_the_headteacher_approves_it(make_user, make_person, today):
    head = make_user("headteacher", "staff", email="head@school.example.org")
    teacher = make_person("staff")
    exception = _request(teacher, today)
    assert exception.status == "pending"
    assert any("head@school.example.org" in m.to for m in mail.outbox)
    assert services.exception_live(person=teacher, kind=exception.kind) is None
    services.exception_decide(
        exception=exception, user=head, approve=True, reason="Professional use"
    )
    live = services.exception_live(person=teacher, kind="school_email_for_personal_account")
    assert live == exception and live.decided_by == head.person
    assert (
        services.exception_live(
            person=teacher, kind="official_contact_details_for_personal_account"
        )
        is None
    )
    actions = set(
        AuditEvent.objects.filter(object_id=str(exception.pk)).values_list("action", flat=True)
    )
    assert {"declarations.exception_requested", "declarations.exception_approved"} <= actions


@pytest.mark.django_db
@pytest.mark.clause("PERS-8")
def test_it_expires_an_exception_after_its_end_date(make_user, make_person, today):
    head = make_user("proprietor")
    teacher = make_person("staff")
    exception = services.exception_decide(
        exception=_request(teacher, today, until=today + timedelta(days=10)),
        user=head,
        approve=True,
        reason="ok",
    )
    with clock.frozen(clock.now() + timedelta(days=10)):
        assert services.exception_live(person=teacher, kind=exception.kind) == exception
    with clock.frozen(clock.now() + timedelta(days=11)):
        assert services.exception_live(person=teacher, kind=exception.kind) is None
        assert services.exception_state(exception) == "expired"


@pytest.mark.django_db
@pytest.mark.clause("PERS-8")
def test_it_refuses_to_let_anyone_approve_their_own_request(make_user, today):
    head = make_user("headteacher", "staff")
    exception = _request(head.person, today)
    with pytest.raises(services.DeclarationsError) as error:
        services.exception_decide(exception=exception, user=head, approve=True, reason="Mine")
    assert "own request" in error.value.message
    exception.refresh_from_db()
    assert exception.status == "pending"
    # Another leader decides it instead.
    services.exception_decide(
        exception=exception, user=make_user("proprietor"), approve=True, reason="ok"
    )
    assert services.exception_live(person=head.person, kind=exception.kind)


@pytest.mark.django_db
@pytest.mark.clause("PERS-8")
@pytest.mark.parametrize("role", ["staff", "dsl", "dpl", "social_media_officer", "line_manager"])
def test_it_refuses_a_decision_from_anyone_but_leadership(make_user, make_person, today, role):
    exception = _request(make_person("staff"), today)
    with pytest.raises(services.DeclarationsError):
        services.exception_decide(
            exception=exception, user=make_user(role), approve=True, reason="x"
        )
    assert ExceptionRequest.objects.get().status == "pending"


@pytest.mark.django_db
@pytest.mark.clause("PERS-8")
def test_it_keeps_a_refused_request_from_being_live(make_user, make_person, today):
    teacher = make_person("staff")
    exception = services.exception_decide(
        exception=_request(teacher, today),
        user=make_user("headteacher", "staff"),
        approve=False,
        reason="Use a personal email",
    )
    assert exception.status == "refused" and exception.decision_reason == "Use a personal email"
    assert services.exception_live(person=teacher, kind=exception.kind) is None
    with pytest.raises(services.DeclarationsError):
        services.exception_decide(
            exception=exception, user=make_user("proprietor"), approve=True, reason="x"
        )


@pytest.mark.django_db
@pytest.mark.clause("PERS-8")
def test_it_refuses_bad_requests_naming_the_field(make_person, today):
    teacher = make_person("staff")
    for overrides, field in (
        ({"until": today - timedelta(days=1)}, "until"),
        ({"until": today + timedelta(days=400)}, "until"),
        ({"kind": "facebook_for_fun"}, "kind"),
        ({"platform": "  "}, "platform"),
        ({"account_handle": ""}, "account_handle"),
        ({"purpose": ""}, "purpose"),
    ):
        with pytest.raises(services.DeclarationsError) as error:
            _request(teacher, today, **overrides)
        assert error.value.field == field
    assert not ExceptionRequest.objects.exists()


@pytest.mark.django_db
@pytest.mark.clause("COV-1")
def test_it_accepts_any_platform_name(make_person, today):
    exception = _request(make_person("staff"), today, platform="A platform invented next year")
    assert exception.platform == "A platform invented next year"


@pytest.mark.django_db
@pytest.mark.clause("PERS-8")
def test_it_takes_a_request_and_a_decision_through_the_web(client, make_user, today):
    teacher = make_user("staff")
    sign_in(client, teacher)
    response = client.post(
        reverse("exception_new"),
        {
            "kind": "official_contact_details_for_personal_account",
            "platform": "Nextdoor",
            "account_handle": "PTA",
            "purpose": "PTA fair",
            "until": (today + timedelta(days=20)).strftime("%d/%m/%Y"),
        },
    )
    exception = ExceptionRequest.objects.get()
    assert response["Location"] == reverse("exception_detail", args=[exception.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for a decision" in page and "Record the decision" not in page
    # The requester cannot decide by posting either.
    client.post(response["Location"], {"decision": "approve", "reason": "me"})
    exception.refresh_from_db()
    assert exception.status == "pending"
    head = make_user("headteacher", "staff")
    sign_in(client, head)
    assert "Exception requests waiting for your decision" in client.get("/").content.decode()
    response = client.post(
        reverse("exception_detail", args=[exception.pk]), {"decision": "approve"}
    )
    assert "Enter the reason for your decision" in response.content.decode()
    client.post(
        reverse("exception_detail", args=[exception.pk]),
        {"decision": "approve", "reason": "Fine for the fair"},
    )
    exception.refresh_from_db()
    assert exception.status == "approved"
    sign_in(client, make_user("staff"))
    assert client.get(reverse("exception_detail", args=[exception.pk])).status_code == 404


@pytest.mark.django_db
def test_it_explains_a_date_in_the_past(client, signed_in, today):
    signed_in("staff")
    response = client.post(
        reverse("exception_new"),
        {
            "kind": "school_email_for_personal_account",
            "platform": "Instagram",
            "account_handle": "x",
            "purpose": "y",
            "until": (today - timedelta(days=3)).strftime("%d/%m/%Y"),
        },
    )
    page = response.content.decode()
    assert "There is a problem" in page and "The end date must be today or in the future" in page
    response = client.post(reverse("exception_new"), {"until": "31/02/2026"})
    assert "Enter the date you need it until, for example 31/7/2026" in response.content.decode()
    assert not ExceptionRequest.objects.exists()
