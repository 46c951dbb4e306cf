"""Personal-use declarations (PERS-1..13), the exceptions register (PERS-8) and training records
(PAR-6). Other apps call `training_current`, `training_status` and `exception_live`: keep them stable.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.people.models import Person
from socialguard.people.permissions import user_person, user_roles
from socialguard.policy.pack import get_pack
from socialguard.policy.trace import enforces

from .models import (
    Declaration,
    DeclarationAnswer,
    DeclarationReminder,
    ExceptionRequest,
    TrainingRecord,
    TrainingReminder,
)
from .packdata import declarations_pack

TRAINING_STATUSES = ("current", "expiring", "expired", "missing")


class DeclarationsError(ValueError):
    """Bad input or a refused action; `field` names the input at fault (for forms and the API)."""

    def __init__(self, message: str, field: str = ""):
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message


def _today(at=None) -> date:
    if isinstance(at, datetime):
        return timezone.localdate(at)
    if isinstance(at, date):
        return at
    return timezone.localdate(clock.now())


def _email_of(person: Person) -> str:
    return person.email or (person.user.email if person.user_id else "")


def _headteachers() -> list[Person]:
    return list(
        Person.objects.filter(is_active=True, roles__role="headteacher").select_related("user")
    )


def _notify(people, subject: str, message: str) -> None:
    recipients = sorted({_email_of(p) for p in people if _email_of(p)})
    if recipients:
        send_mail(subject=subject, message=message, from_email=None, recipient_list=recipients)


def report_url() -> str | None:
    """The casework "report a concern" page, when casework provides it."""
    try:
        return reverse("casework:report")
    except NoReverseMatch:
        return None


# ---- personal-use declarations -------------------------------------------------------------


def declarers():
    """Everyone who completes the annual declaration: staff roles of the pack plus its also_roles."""
    roles = declarations_pack().declarer_roles
    return Person.objects.filter(is_active=True, roles__role__in=roles).distinct()


def must_declare(person: Person) -> bool:
    return bool(set(person.role_ids) & declarations_pack().declarer_roles)


@dataclass(frozen=True)
class DeclarationStatus:
    state: str  # current | due | overdue
    due_at: datetime
    latest: Declaration | None

    @property
    def label(self) -> str:
        return {"current": "Up to date", "due": "Due", "overdue": "Overdue"}[self.state]


def declaration_due_at(person: Person, latest: Declaration | None = None) -> datetime:
    if latest is not None:
        return latest.review_due_at
    return person.created_at + timedelta(days=declarations_pack().first_due_days)


def _state(due_at: datetime, now: datetime) -> str:
    if due_at <= now:
        return "overdue"
    if due_at - timedelta(days=declarations_pack().reminder_days) <= now:
        return "due"
    return "current"


def declaration_status(*, person: Person, at=None) -> DeclarationStatus:
    now = at or clock.now()
    latest = person.declarations.filter(completed_at__lte=now).first()
    due_at = declaration_due_at(person, latest)
    return DeclarationStatus(_state(due_at, now), due_at, latest)


def declaration_statuses(*, at=None) -> list[tuple[Person, DeclarationStatus]]:
    """Every declarer with their status, overdue first (one query for the latest declarations)."""
    now = at or clock.now()
    people = list(declarers().select_related("line_manager"))
    latest: dict[int, Declaration] = {}
    for declaration in Declaration.objects.filter(person__in=people, completed_at__lte=now):
        latest.setdefault(declaration.person_id, declaration)  # newest first (Meta.ordering)
    rows = []
    for person in people:
        declaration = latest.get(person.pk)
        due_at = declaration_due_at(person, declaration)
        rows.append((person, DeclarationStatus(_state(due_at, now), due_at, declaration)))
    order = {"overdue": 0, "due": 1, "current": 2}
    rows.sort(key=lambda r: (order[r[1].state], r[1].due_at, r[0].family_name))
    return rows


@enforces(
    "PERS-1",
    "PERS-2",
    "PERS-3",
    "PERS-4",
    "PERS-5",
    "PERS-6",
    "PERS-7",
    "PERS-9",
    "PERS-10",
    "PERS-11",
    "PERS-12",
    "PERS-13",
)
def declaration_submit(*, person: Person, answers: dict[str, str]) -> Declaration:
    """Record a complete declaration. Every item must be answered yes or no; an answer that reveals
    a possible breach is a concern unless a live PERS-8 exception covers it."""
    config = declarations_pack()
    if not must_declare(person):
        raise DeclarationsError(
            "Only members of staff, trainees, contractors and volunteers make a declaration",
            "person",
        )
    unknown = sorted(set(answers) - {i.id for i in config.items})
    if unknown:
        raise DeclarationsError(f"unknown declaration item {unknown[0]!r}", "answers")
    for n, item in enumerate(config.items, start=1):
        if answers.get(item.id) not in ("yes", "no"):
            raise DeclarationsError(f"Select yes or no for question {n}", item.id)
    now = clock.now()
    with transaction.atomic():
        declaration = Declaration.objects.create(
            person=person,
            completed_at=now,
            review_due_at=now + timedelta(hours=config.review_hours),
            pack_hash=get_pack().content_hash,
        )
        concerns, covered = [], []
        for item in config.items:
            outcome, exception = _outcome(person, item, answers[item.id], now)
            DeclarationAnswer.objects.create(
                declaration=declaration,
                item_id=item.id,
                clause=item.clause,
                question=item.question,
                answer=answers[item.id],
                outcome=outcome,
                exception=exception,
            )
            if outcome == DeclarationAnswer.CONCERN:
                concerns.append(item.id)
            elif outcome == DeclarationAnswer.COVERED:
                covered.append(exception.pk)
        # The trail records that a concern exists, never which answer: answers stay private.
        audit_record(
            action="declarations.completed",
            obj=declaration,
            detail={"concerns": len(concerns), "covered_by_exceptions": covered},
        )
    return declaration


@enforces("PERS-8")
def _outcome(person, item, answer, now):
    if answer == item.ok_answer:
        return DeclarationAnswer.OK, None
    if item.exception_kind:
        exception = exception_live(person=person, kind=item.exception_kind, at=now)
        if exception is not None:
            return DeclarationAnswer.COVERED, exception
    return DeclarationAnswer.CONCERN, None


def declaration_guidance_shown(*, declaration: Declaration) -> int:
    """Record (once) that the person was shown the guidance for each concern of their declaration."""
    now = clock.now()
    with transaction.atomic():
        pending = list(
            declaration.answers.filter(
                outcome=DeclarationAnswer.CONCERN, guidance_shown_at__isnull=True
            )
        )
        for answer in pending:
            answer.guidance_shown_at = now
            answer.save(update_fields=["guidance_shown_at"])
        if pending:
            audit_record(
                action="declarations.guidance_shown",
                obj=declaration,
                detail={"clauses": sorted({a.clause for a in pending})},
            )
    return len(pending)


@enforces("PERS-10", "PRIN-h")
def declaration_reminders_send(now: datetime | None = None) -> int:
    """Remind each declarer before their review date, and tell them and the Headteacher when it has
    passed. Each reminder goes once per due date."""
    now = now or clock.now()
    pack = get_pack()
    sent = 0
    heads = None
    for person, status in declaration_statuses(at=now):
        if status.state == "current":
            continue
        stage = (
            DeclarationReminder.OVERDUE if status.state == "overdue" else DeclarationReminder.BEFORE
        )
        with transaction.atomic():
            _, created = DeclarationReminder.objects.get_or_create(
                person=person, due_at=status.due_at, stage=stage, defaults={"sent_at": now}
            )
            if not created:
                continue
            due = timezone.localtime(status.due_at).strftime("%-d %B %Y")
            link = _site_link("declaration_mine")
            if stage == DeclarationReminder.BEFORE:
                _notify(
                    [person],
                    "Your personal social media declaration is due",
                    f"Dear {person.full_name},\n\nYour annual declaration about your personal use of "
                    f"social media at {pack.school_name} is due by {due}. It takes about five minutes:\n{link}\n",
                )
            else:
                heads = heads if heads is not None else _headteachers()
                _notify(
                    [person, *heads],
                    f"Overdue personal social media declaration: {person.full_name}",
                    f"The annual declaration of {person.full_name} was due on {due} and has not been "
                    f"completed. Complete it here:\n{link}\n",
                )
            audit_record(
                action="declarations.reminder_sent",
                obj=person,
                detail={"stage": stage, "due_at": status.due_at},
            )
            sent += 1
    return sent


def _site_link(url_name: str, **kwargs) -> str:
    from django.conf import settings

    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{reverse(url_name, kwargs=kwargs)}"


# ---- exceptions register (PERS-8) ----------------------------------------------------------


@enforces("PERS-8", "COV-1")
def exception_request(
    *, requester: Person, kind: str, platform: str, purpose: str, account_handle: str, until: date
) -> ExceptionRequest:
    config = declarations_pack()
    if kind not in config.exception_kinds:
        raise DeclarationsError(
            f"unknown kind {kind!r} (known: {', '.join(config.exception_kinds)})", "kind"
        )
    platform, purpose, account_handle = platform.strip(), purpose.strip(), account_handle.strip()
    # COV-1: any platform is covered, named in the pack or not; only an empty name is refused.
    if not get_pack().platform_is_covered(platform):
        raise DeclarationsError("Enter the name of the platform", "platform")
    if not account_handle:
        raise DeclarationsError("Enter the name of the account", "account_handle")
    if not purpose:
        raise DeclarationsError("Enter what the account is for", "purpose")
    today = _today()
    if not isinstance(until, date) or until < today:
        raise DeclarationsError("The end date must be today or in the future", "until")
    if until > today + timedelta(days=config.exception_max_days):
        raise DeclarationsError(
            f"The end date must be within {config.exception_max_days} days from today", "until"
        )
    with transaction.atomic():
        exception = ExceptionRequest.objects.create(
            requester=requester,
            kind=kind,
            platform=platform,
            purpose=purpose,
            account_handle=account_handle,
            until=until,
            created_at=clock.now(),
        )
        audit_record(
            action="declarations.exception_requested", obj=exception, detail={"kind": kind}
        )
    approvers = Person.objects.filter(
        is_active=True, roles__role__in=config.approver_roles
    ).exclude(pk=requester.pk)
    _notify(
        approvers.distinct(),
        "An exception to the social media policy is waiting for your decision",
        f"{requester.full_name} asks to: {config.exception_kinds[kind].label} ({platform}).\n"
        f"Decide here: {_site_link('exception_detail', exception_id=exception.pk)}\n",
    )
    return exception


def can_decide_exception(user, exception: ExceptionRequest) -> bool:
    person = user_person(user)
    return (
        person is not None
        and person.pk != exception.requester_id
        and bool(user_roles(user) & set(declarations_pack().approver_roles))
    )


@enforces("PERS-8")
def exception_decide(
    *, exception: ExceptionRequest, user, approve: bool, reason: str
) -> ExceptionRequest:
    """School leadership approves or refuses; nobody decides their own request."""
    if not can_decide_exception(user, exception):
        if user_person(user) is not None and user_person(user).pk == exception.requester_id:
            raise DeclarationsError(
                "You cannot decide your own request: another leader must", "decision"
            )
        raise DeclarationsError("Only school leadership can decide an exception", "decision")
    if not reason or not reason.strip():
        raise DeclarationsError("Enter the reason for your decision", "reason")
    with transaction.atomic():
        exception = ExceptionRequest.objects.select_for_update().get(pk=exception.pk)
        if exception.status != ExceptionRequest.PENDING:
            raise DeclarationsError("This request has already been decided", "decision")
        if approve and exception.until < _today():
            raise DeclarationsError(
                "The request has passed its end date: ask for a new one", "decision"
            )
        exception.status = ExceptionRequest.APPROVED if approve else ExceptionRequest.REFUSED
        exception.decided_by = user_person(user)
        exception.decided_at = clock.now()
        exception.decision_reason = reason.strip()
        exception.save()
        audit_record(
            action="declarations.exception_approved"
            if approve
            else "declarations.exception_refused",
            obj=exception,
            detail={"kind": exception.kind},
        )
    _notify(
        [exception.requester],
        f"Your exception request was {exception.get_status_display().lower()}",
        f"{exception.decided_by.full_name} {exception.get_status_display().lower()} your request "
        f"({exception.platform}): {exception.decision_reason}\n",
    )
    return exception


def exception_state(exception: ExceptionRequest, at=None) -> str:
    """pending | approved | refused | expired (an approved exception past its end date)."""
    if exception.status == ExceptionRequest.APPROVED and exception.until < _today(at):
        return "expired"
    return exception.status


@enforces("PERS-8")
def exception_live(*, person: Person, kind: str, at=None) -> ExceptionRequest | None:
    """The approved, unexpired PERS-8 exception of this kind for this person, if any."""
    moment = at if isinstance(at, datetime) else clock.now()
    return (
        ExceptionRequest.objects.filter(
            requester=person,
            kind=kind,
            status=ExceptionRequest.APPROVED,
            until__gte=_today(at),
            decided_at__lte=moment,
        )
        .order_by("-until")
        .first()
    )


def exceptions_pending_for(user):
    """Requests waiting for this user's decision (never their own)."""
    if not user_roles(user) & set(declarations_pack().approver_roles):
        return ExceptionRequest.objects.none()
    person = user_person(user)
    qs = ExceptionRequest.objects.filter(status=ExceptionRequest.PENDING).select_related(
        "requester"
    )
    return qs.exclude(requester=person) if person else qs


# ---- training records (PAR-6) --------------------------------------------------------------


def recordable_kinds(user) -> list:
    roles = user_roles(user)
    return [k for k in declarations_pack().training_kinds.values() if roles & set(k.recorded_by)]


@enforces("PAR-6")
def training_record(
    *,
    person: Person,
    kind: str,
    course: str,
    completed_on: date,
    expires_on: date,
    certificate_reference: str = "",
    recorded_by,
) -> TrainingRecord:
    kinds = declarations_pack().training_kinds
    if kind not in kinds:
        raise DeclarationsError(
            f"unknown kind of training {kind!r} (known: {', '.join(kinds)})", "kind"
        )
    if kinds[kind] not in recordable_kinds(recorded_by):
        raise DeclarationsError("Your role cannot record this kind of training", "kind")
    if not course or not course.strip():
        raise DeclarationsError("Enter the name of the course", "course")
    if completed_on > _today():
        raise DeclarationsError(
            "The date the training was completed must be today or in the past", "completed_on"
        )
    if expires_on <= completed_on:
        raise DeclarationsError(
            "The expiry date must be after the date the training was completed", "expires_on"
        )
    with transaction.atomic():
        record = TrainingRecord.objects.create(
            person=person,
            kind=kind,
            course=course.strip(),
            completed_on=completed_on,
            expires_on=expires_on,
            certificate_reference=certificate_reference.strip(),
            recorded_by=recorded_by,
            recorded_at=clock.now(),
        )
        audit_record(action="declarations.training_recorded", obj=record, detail={"kind": kind})
    return record


@enforces("PAR-6")
def training_current(*, person: Person, kind: str, at=None) -> TrainingRecord | None:
    """The in-date training record of this kind (completed, not yet at its expiry date)."""
    today = _today(at)
    return (
        TrainingRecord.objects.filter(
            person=person, kind=kind, completed_on__lte=today, expires_on__gt=today
        )
        .order_by("-expires_on", "-pk")
        .first()
    )


def _status_of(record, has_any: bool, today: date) -> str:
    if record is None:
        return "expired" if has_any else "missing"
    window = timedelta(days=declarations_pack().training_reminder_days)
    return "expiring" if record.expires_on - window <= today else "current"


@enforces("PAR-6")
def training_status(*, person: Person, kind: str, at=None) -> str:
    """current | expiring (within the pack's reminder window) | expired | missing."""
    today = _today(at)
    record = training_current(person=person, kind=kind, at=today)
    has_any = (
        record is not None
        or TrainingRecord.objects.filter(person=person, kind=kind, completed_on__lte=today).exists()
    )
    return _status_of(record, has_any, today)


@dataclass(frozen=True)
class TrainingRow:
    person: Person
    kind: object
    status: str
    record: TrainingRecord | None


def training_overview(*, at=None) -> list[TrainingRow]:
    """Every holder of a role that needs training × each kind they need, with its status."""
    today = _today(at)
    kinds = declarations_pack().training_kinds.values()
    records: dict[tuple, list] = {}
    for record in TrainingRecord.objects.filter(completed_on__lte=today).order_by(
        "-expires_on", "-pk"
    ):
        records.setdefault((record.person_id, record.kind), []).append(record)
    rows = []
    for kind in kinds:
        holders = Person.objects.filter(
            is_active=True, roles__role__in=kind.required_for
        ).distinct()
        for person in holders:
            found = records.get((person.pk, kind.id), [])
            current = next((r for r in found if r.expires_on > today), None)
            rows.append(
                TrainingRow(
                    person,
                    kind,
                    _status_of(current, bool(found), today),
                    current or (found[0] if found else None),
                )
            )
    order = {s: i for i, s in enumerate(("expired", "missing", "expiring", "current"))}
    rows.sort(key=lambda r: (order[r.status], r.person.family_name, r.kind.label))
    return rows


@enforces("PAR-6", "PRIN-h")
def training_reminders_send(now: datetime | None = None) -> int:
    """Tell the person and the Headteacher before a training record expires, and when it has."""
    today = _today(now or clock.now())
    config = declarations_pack()
    horizon = today + timedelta(days=config.training_reminder_days)
    sent = 0
    candidates = TrainingRecord.objects.filter(
        expires_on__lte=horizon, person__is_active=True
    ).select_related("person")
    for record in candidates:
        superseded = TrainingRecord.objects.filter(
            person=record.person, kind=record.kind, expires_on__gt=record.expires_on
        ).exists()
        if superseded or record.kind not in config.training_kinds:
            continue
        stage = (
            TrainingReminder.EXPIRED if record.expires_on <= today else TrainingReminder.EXPIRING
        )
        with transaction.atomic():
            _, created = TrainingReminder.objects.get_or_create(
                record=record, stage=stage, defaults={"sent_at": now or clock.now()}
            )
            if not created:
                continue
            label = config.training_kinds[record.kind].label
            when = record.expires_on.strftime("%-d %B %Y")
            verb = "expired on" if stage == TrainingReminder.EXPIRED else "expires on"
            _notify(
                [record.person, *_headteachers()],
                f"{label} of {record.person.full_name} {verb} {when}",
                f"The {label.lower()} of {record.person.full_name} ({record.course}) {verb} {when}. "
                f"Book a refresher and record it:\n{_site_link('training_overview')}\n",
            )
            audit_record(
                action="declarations.training_reminder_sent", obj=record, detail={"stage": stage}
            )
            sent += 1
    return sent
