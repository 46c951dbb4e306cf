"""Demo records: declarations (current, overdue, one revealing a breach), an approved and a pending
PERS-8 exception, and training (Mrs Mbah current, Mrs Wilson expired, the DSL current)."""

from datetime import timedelta

from django.utils import timezone

from socialguard import clock
from socialguard.people.models import Person
from socialguard.web.demo import register_demo

from . import services
from .models import Declaration, ExceptionRequest, TrainingRecord
from .packdata import declarations_pack


def _person(external_id):
    return Person.objects.select_related("user").get(external_id=external_id)


def _answers(**overrides):
    answers = {item.id: item.ok_answer for item in declarations_pack().items}
    answers.update(overrides)
    return answers


def _declare(external_id, days_ago, **overrides):
    person = _person(external_id)
    if Declaration.objects.filter(person=person).exists():
        return
    with clock.frozen(clock.now() - timedelta(days=days_ago)):
        services.declaration_submit(person=person, answers=_answers(**overrides))


def _exceptions(head):
    bennett, khan = _person("STAFF-012"), _person("STAFF-011")
    if not ExceptionRequest.objects.filter(requester=bennett).exists():
        with clock.frozen(clock.now() - timedelta(days=30)):
            exception = services.exception_request(
                requester=bennett,
                kind="school_email_for_personal_account",
                platform="TES Community",
                purpose="A teachers' forum account to share Year 7 science resources with other schools.",
                account_handle="l.bennett.science",
                until=timezone.localdate(clock.now()) + timedelta(days=240),
            )
            services.exception_decide(
                exception=exception,
                user=head.user,
                approve=True,
                reason="A professional forum with no pupils; approved for this school year.",
            )
    if not ExceptionRequest.objects.filter(requester=khan).exists():
        services.exception_request(
            requester=khan,
            kind="official_contact_details_for_personal_account",
            platform="Nextdoor",
            purpose="Advertising the PTA summer fair to neighbours, with the school office phone number as the contact.",
            account_handle="Ahmed Khan (PTA)",
            until=timezone.localdate(clock.now()) + timedelta(days=60),
        )


def _train(external_id, kind, course, completed_days_ago, valid_days, head, reference):
    person = _person(external_id)
    if TrainingRecord.objects.filter(person=person, kind=kind).exists():
        return
    today = timezone.localdate(clock.now())
    completed = today - timedelta(days=completed_days_ago)
    services.training_record(
        person=person,
        kind=kind,
        course=course,
        completed_on=completed,
        expires_on=completed + timedelta(days=valid_days),
        certificate_reference=reference,
        recorded_by=head.user,
    )


@register_demo
def load_declarations_demo():
    head = _person("STAFF-001")
    _exceptions(head)
    _declare("STAFF-005", 40)  # Mrs Wilson: current
    _declare("STAFF-006", 100)  # Mrs Mbah: current
    _declare("STAFF-011", 200)  # Mr Khan: current
    _declare("STAFF-012", 10, school_email="yes")  # Ms Bennett: covered by her approved exception
    _declare("STAFF-010", 400)  # Ms Green: overdue
    _declare("STAFF-013", 5, pupil_contacts="yes")  # the trainee: reveals a possible breach
    _train(
        "STAFF-005",
        "social_media_officer",
        "Official social media for schools",
        425,
        365,
        head,
        "SMO-2025-007",
    )
    _train(
        "STAFF-006",
        "social_media_officer",
        "Official social media for schools",
        90,
        365,
        head,
        "SMO-2026-014",
    )
    _train(
        "STAFF-002",
        "safeguarding",
        "Safeguarding and child protection (annual update)",
        120,
        365,
        head,
        "SG-2026-031",
    )
    _train(
        "STAFF-002",
        "dsl",
        "Level 3 Designated Safeguarding Lead refresher",
        200,
        730,
        head,
        "DSL-L3-2025-112",
    )
