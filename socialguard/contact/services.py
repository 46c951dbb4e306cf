"""Writes and answers of the contact area, each audited inside its own transaction.

`contact_check` answers "May I contact…?" for the web page, the API and the CLI alike: it turns
people from the directory into roles, verifies a withheld-number permission against the database
(only a live one counts, PAR-5) and records who asked what (never free text).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import dateformat, timezone

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.people.models import ParentOf, Person
from socialguard.policy.pack import get_pack
from socialguard.policy.trace import enforces

from .models import DeviceLoan, ParentMessage, SchoolDevice, Trip, WithheldNumberPermission
from .packdata import office_settings
from .permissions import GRANTOR_ROLES, OVERSEER_ROLES, can_decide_permission
from .rules import ContactAnswer, ContactQuery, RuleSet, evaluate, load_rules


class ContactError(ValueError):
    """Bad input, naming the field at fault: `str(error)` is "field: message"."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def when_text(moment: datetime) -> str:
    return dateformat.format(timezone.localtime(moment), "j F Y, H:i")


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _email(person: Person | None) -> str:
    if person is None:
        return ""
    return person.email or (person.user.email if person.user_id else "")


def _notify(recipients, subject: str, message: str) -> None:
    emails = sorted({e for e in recipients if e})
    if emails:
        send_mail(subject=subject, message=message, from_email=None, recipient_list=emails)


def _link(name: str, **kwargs) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse(name, kwargs=kwargs or None)}"


# ---- "May I contact…?" ----------------------------------------------------------------------


@lru_cache(maxsize=4)
def _ruleset_for(content_hash: str) -> RuleSet:
    return load_rules(get_pack().data)


def contact_ruleset() -> RuleSet:
    return _ruleset_for(get_pack().content_hash)


def is_parent_at_school(person: Person | None) -> bool:
    return person is not None and ParentOf.objects.filter(parent=person).exists()


def live_permissions(person: Person | None, now: datetime | None = None):
    if person is None:
        return WithheldNumberPermission.objects.none()
    now = now or clock.now()
    return WithheldNumberPermission.objects.filter(
        requester=person, status="granted", starts_at__lte=now, ends_at__gt=now
    ).select_related("trip")


def resolve_person(external_id: str, field: str) -> Person:
    person = Person.objects.filter(external_id=external_id).first()
    if person is None:
        error = ContactError(field, f"no one in the directory has the ID {external_id!r}")
        error.http_status = 404  # the API answers a well-formed ID of no one with "not found"
        raise error
    return person


def resolve_role(role: str, field: str) -> frozenset[str]:
    known = contact_ruleset().role_labels
    if role not in known:
        raise ContactError(field, f"unknown role {role!r} (known: {', '.join(known)})")
    return frozenset({role})


@dataclass
class CheckRequest:
    channel: str
    sender: Person | None = None
    sender_roles: frozenset[str] | None = None  # defaults to the sender's roles
    recipient: Person | None = None
    recipient_roles: frozenset[str] | None = None  # defaults to the recipient's roles
    on_trip: bool = False
    pre_arranged: bool = False
    supervised: bool = False
    genuine_need: bool = False
    permission_id: int | None = None


def _permission_note(request: CheckRequest, now: datetime) -> tuple[bool, str]:
    """(live?, a sentence for the reason when the permission no longer or not yet counts)."""
    if request.permission_id is None:
        return False, ""
    if request.sender is None:
        raise ContactError(
            "permission",
            "a withheld-number permission belongs to a person: name the sender, not a role",
        )
    permission = WithheldNumberPermission.objects.filter(pk=request.permission_id).first()
    if permission is None:
        raise ContactError(
            "permission", f"there is no withheld-number permission {request.permission_id}"
        )
    if permission.requester_id != request.sender.pk:
        raise ContactError(
            "permission", f"withheld-number permission {permission.pk} belongs to someone else"
        )
    if permission.status != "granted":
        raise ContactError(
            "permission",
            f"withheld-number permission {permission.pk} has not been granted "
            f"({permission.get_status_display().lower()})",
        )
    if now >= permission.ends_at:
        return False, (
            f"Your withheld-number permission {permission.pk} expired on "
            f"{when_text(permission.ends_at)}, so it no longer counts."
        )
    if now < permission.starts_at:
        return False, (
            f"Your withheld-number permission {permission.pk} starts on "
            f"{when_text(permission.starts_at)}, so it does not count yet."
        )
    return True, ""


def _check_context(request: CheckRequest) -> None:
    """Refuse a context that contradicts itself, naming the field to change."""
    if request.permission_id is not None and not request.on_trip:
        raise ContactError(
            "on_trip",
            "a withheld-number permission is only for a school trip: say you are on the trip, "
            "or leave the permission out",
        )


def _roles(person: Person | None, roles, field: str) -> frozenset[str]:
    if roles is None and person is not None:
        roles = frozenset(person.role_ids)
        if not roles:
            raise ContactError(field, f"{person.external_id} has no role in the directory")
    if not roles:
        raise ContactError(field, "say who it is: a person from the directory or a kind of person")
    return frozenset(roles)


@enforces("PAR-5", "PERS-13", "LEGAL-2", "PRIN-i")
def contact_check(*, request: CheckRequest, asked_by=None, via: str = "web") -> ContactAnswer:
    """Answer one question; raises ContactError naming the field for bad input."""
    ruleset = contact_ruleset()
    now = clock.now()
    if request.channel not in ruleset.channel_labels:
        raise ContactError(
            "channel",
            f"unknown channel {request.channel!r} (known: {', '.join(ruleset.channel_labels)})",
        )
    sender_roles = _roles(request.sender, request.sender_roles, "sender")
    recipient_roles = _roles(request.recipient, request.recipient_roles, "recipient")
    live, note = _permission_note(request, now)
    _check_context(request)
    try:
        query = ContactQuery(
            sender_roles=sender_roles,
            recipient_roles=recipient_roles,
            channel=request.channel,
            on_trip=request.on_trip,
            pre_arranged=request.pre_arranged,
            supervised=request.supervised,
            has_live_withheld_permission=live,
            sender_is_parent_at_school=is_parent_at_school(request.sender),
            genuine_need=request.genuine_need,
        )
        answer = evaluate(ruleset, query)
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        field = {"sender_roles": "sender", "recipient_roles": "recipient"}.get(field, field)
        raise ContactError(field, message or str(exc)) from exc
    if note and not answer.allowed:
        answer.reason = f"{note} {answer.reason}"
    audit_record(
        action="contact.checked",
        object_type="contact.check",
        actor=asked_by,
        detail={
            "via": via,
            "sender_roles": sorted(sender_roles),
            "recipient_roles": sorted(recipient_roles),
            "channel": request.channel,
            "context": {k: v for k, v in query.context().items() if v},
            "permission": request.permission_id,
            "allowed": answer.allowed,
            "effect": answer.effect,
            "rule": answer.rule_id,
            "clauses": answer.clauses,
        },
    )
    return answer


# ---- school mobiles and trips (PAR-5, OFF-4) -------------------------------------------------


def trip_ends_at(trip: Trip) -> datetime:
    """The end of the trip's last day, in the school's time zone."""
    return _start_of_day(trip.ends_on + timedelta(days=1))


def _check_trip_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise ContactError(
            "ends_on", "The last day of the trip must be the same as or after the first day"
        )


def _check_trip_people(lead: Person, staff, pupils) -> None:
    for person in [lead, *staff]:
        if not (
            set(person.role_ids) - {"pupil", "parent", "ex_pupil", "other_school_pupil", "public"}
        ):
            raise ContactError("staff", f"{person.full_name} is not a member of staff")
    for pupil in pupils:
        if "pupil" not in pupil.role_ids:
            raise ContactError("pupils", f"{pupil.external_id} is not a pupil in the directory")


@transaction.atomic
def trip_save(
    *, trip: Trip | None = None, name, starts_on, ends_on, lead, staff, pupils, by
) -> Trip:
    _check_trip_dates(starts_on, ends_on)
    _check_trip_people(lead, staff, pupils)
    created = trip is None
    trip = trip or Trip(created_by=by)
    trip.name, trip.starts_on, trip.ends_on, trip.lead = name, starts_on, ends_on, lead
    trip.save()
    trip.staff.set(staff)
    trip.pupils.set(pupils)
    audit_record(
        action="contact.trip_created" if created else "contact.trip_changed",
        obj=trip,
        actor=by,
        detail={"staff": len(staff), "pupils": len(pupils)},
    )
    return trip


@transaction.atomic
def device_save(*, device: SchoolDevice | None = None, name, number, status, by) -> SchoolDevice:
    duplicate = SchoolDevice.objects.filter(name=name).exclude(pk=getattr(device, "pk", None))
    if duplicate.exists():
        raise ContactError("name", f"There is already a school mobile called {name}")
    created = device is None
    device = device or SchoolDevice()
    device.name, device.number, device.status = name, number, status
    device.save()
    audit_record(
        action="contact.device_added" if created else "contact.device_changed",
        obj=device,
        actor=by,
        detail={"status": status},
    )
    return device


def is_on_trip(person: Person, trip: Trip) -> bool:
    return trip.lead_id == person.pk or trip.staff.filter(pk=person.pk).exists()


@enforces("PAR-5", "OFF-4")
def device_sign_out(*, device: SchoolDevice, trip: Trip, holder: Person, by) -> DeviceLoan:
    """Sign a school mobile out to a trip and the member of staff who carries it."""
    now = clock.now()
    if device.status != "in_service":
        raise ContactError(
            "device",
            f"{device.name} is {device.get_status_display().lower()}: choose another school mobile",
        )
    if now >= trip_ends_at(trip):
        raise ContactError("trip", f"{trip.name} has ended: a phone cannot be signed out to it")
    if not is_on_trip(holder, trip):
        raise ContactError(
            "holder", f"{holder.full_name} is not on {trip.name}: add them to the trip first"
        )
    try:
        with transaction.atomic():
            open_loan = (
                DeviceLoan.objects.select_for_update()
                .filter(device=device, returned_at__isnull=True)
                .select_related("trip")
                .first()
            )
            if open_loan is not None:
                raise ContactError(
                    "device",
                    f"{device.name} is already signed out to {open_loan.trip.name}. "
                    "It must be returned before it is signed out again",
                )
            loan = DeviceLoan.objects.create(
                device=device, trip=trip, holder=holder, signed_out_at=now, signed_out_by=by
            )
            audit_record(
                action="contact.device_signed_out",
                obj=loan,
                actor=by,
                detail={"device": device.pk, "trip": trip.pk, "holder": holder.external_id},
            )
    except IntegrityError as exc:  # a second sign-out raced this one
        raise ContactError("device", f"{device.name} is already signed out") from exc
    return loan


@transaction.atomic
def device_return(*, loan: DeviceLoan, by) -> DeviceLoan:
    loan = DeviceLoan.objects.select_for_update().get(pk=loan.pk)
    if loan.returned_at is not None:
        raise ContactError(
            "loan", f"{loan.device.name} was already returned on {when_text(loan.returned_at)}"
        )
    loan.returned_at = clock.now()
    loan.returned_to = by
    loan.save(update_fields=["returned_at", "returned_to"])
    audit_record(
        action="contact.device_returned", obj=loan, actor=by, detail={"device": loan.device_id}
    )
    return loan


def unreturned_loans():
    """School mobiles flagged to the office: still out after their trip ended."""
    return DeviceLoan.objects.filter(
        returned_at__isnull=True, flagged_at__isnull=False
    ).select_related("device", "trip", "holder")


def _people_with_roles(roles) -> list[Person]:
    return list(
        Person.objects.filter(roles__role__in=roles, is_active=True)
        .select_related("user")
        .distinct()
    )


@enforces("PAR-5", "OFF-4")
def flag_unreturned_phones(now: datetime) -> int:
    """Tell the office and leadership about every school mobile not back after its trip."""
    office = office_settings()
    told = _people_with_roles(office.told_about_unreturned_phones)
    count = 0
    loans = DeviceLoan.objects.filter(
        returned_at__isnull=True,
        flagged_at__isnull=True,
        trip__ends_on__lt=timezone.localtime(now).date(),
    ).select_related("device", "trip", "holder")
    for loan in loans:
        if now < trip_ends_at(loan.trip):
            continue
        with transaction.atomic():
            loan.flagged_at = now
            loan.save(update_fields=["flagged_at"])
            audit_record(
                action="contact.device_not_returned", obj=loan, detail={"device": loan.device_id}
            )
        _notify(
            [office.office_email, *(_email(p) for p in told)],
            f"School mobile not returned: {loan.device.name}",
            f"{loan.device.name} ({loan.device.number}) was signed out to {loan.holder.full_name} for "
            f"{loan.trip.name}, which ended on {dateformat.format(loan.trip.ends_on, 'j F Y')}. "
            f"It has not been returned.\n\n{_link('contact_trip', trip_id=loan.trip_id)}\n",
        )
        count += 1
    return count


# ---- withheld-number permissions (PAR-5) -------------------------------------------------------


@enforces("PAR-5")
def permission_request(
    *, requester: Person, trip: Trip, reason: str, starts_on: date, ends_on: date, by
) -> WithheldNumberPermission:
    now = clock.now()
    if ends_on < starts_on:
        raise ContactError(
            "ends_on", "The last day of the permission must be the same as or after the first day"
        )
    if _start_of_day(ends_on + timedelta(days=1)) <= now:
        raise ContactError(
            "ends_on", "The last day of the permission must be today or in the future"
        )
    if not is_on_trip(requester, trip):
        raise ContactError("trip", f"You are not on {trip.name}: choose a trip you are on")
    # The permission is for the trip (PAR-5): it cannot start before the trip or outlast it.
    if starts_on < trip.starts_on:
        raise ContactError(
            "starts_on",
            f"The first day of the permission must be on or after the first day of {trip.name} "
            f"({trip.starts_on:%-d/%-m/%Y})",
        )
    if ends_on > trip.ends_on:
        raise ContactError(
            "ends_on",
            f"The last day of the permission must be on or before the last day of {trip.name} "
            f"({trip.ends_on:%-d/%-m/%Y})",
        )
    if not reason.strip():
        raise ContactError("reason", "Enter why you may need to call from a withheld number")
    with transaction.atomic():
        permission = WithheldNumberPermission.objects.create(
            requester=requester,
            trip=trip,
            reason=reason.strip(),
            starts_at=_start_of_day(starts_on),
            ends_at=_start_of_day(ends_on + timedelta(days=1)),
            requested_at=now,
        )
        audit_record(
            action="contact.withheld_requested", obj=permission, actor=by, detail={"trip": trip.pk}
        )
    deciders = [
        p for p in _people_with_roles(GRANTOR_ROLES) if p.user_id and _could_decide(p, permission)
    ]
    _notify(
        [_email(p) for p in deciders],
        "A withheld-number permission is waiting for your decision",
        f"{requester.full_name} asks to call parents from a withheld number on {trip.name}.\n\n"
        f"{_link('contact_permission', permission_id=permission.pk)}\n",
    )
    return permission


def _could_decide(person: Person, permission) -> bool:
    return person.pk != permission.requester_id and bool(
        (set(person.role_ids) & GRANTOR_ROLES) - set(permission.requester.role_ids)
    )


@enforces("PAR-5")
def permission_decide(
    *, permission: WithheldNumberPermission, by, grant: bool, note: str = ""
) -> WithheldNumberPermission:
    """Grant or refuse: only the Headteacher or proprietor, never the person asking."""
    if not can_decide_permission(by, permission):
        raise ContactError(
            "decision",
            "You cannot decide this request: the Headteacher or the proprietor decides, never the "
            "person asking (the proprietor decides the Headteacher's own request)",
        )
    with transaction.atomic():
        permission = WithheldNumberPermission.objects.select_for_update().get(pk=permission.pk)
        if permission.status != "pending":
            raise ContactError("decision", f"This request was already {permission.status}")
        permission.status = "granted" if grant else "refused"
        permission.decided_by = by.person
        permission.decided_at = clock.now()
        permission.decision_note = note.strip()
        permission.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(action=f"contact.withheld_{permission.status}", obj=permission, actor=by)
    _notify(
        [_email(permission.requester)],
        f"Your withheld-number permission was {permission.status}",
        f"Your request for {permission.trip.name} was {permission.status} by "
        f"{by.person.display_name}.\n\n{_link('contact_permission', permission_id=permission.pk)}\n",
    )
    return permission


def pending_permissions_for(user):
    person = getattr(user, "person", None)
    pending = WithheldNumberPermission.objects.filter(status="pending").select_related(
        "requester", "trip"
    )
    return [p for p in pending if person is not None and can_decide_permission(user, p)]


# ---- parent messages and reply deadlines (PRIN-h, PAR-3, SLT-3) --------------------------------


def parent_channels() -> dict[str, str]:
    """Channels parents use to reach the school (the pack's PAR-1 channels)."""
    return {cid: c.label for cid, c in get_pack().channels.items() if c.parents}


def reply_due(received_at: datetime) -> datetime:
    return received_at + timedelta(hours=get_pack().deadline_hours("parent_reply"))


def _check_parent(parent: Person) -> None:
    if "parent" not in parent.role_ids:
        raise ContactError(
            "parent", f"{parent.full_name} is not a parent or carer in the directory"
        )


def _check_assignee(person: Person) -> None:
    if not person.user_id:
        raise ContactError(
            "assigned_to",
            f"{person.full_name} cannot sign in, so cannot reply: choose a member of staff with an account",
        )


@enforces("PRIN-h", "PAR-3")
def parent_message_log(
    *,
    parent: Person,
    channel: str,
    topic: str,
    summary: str,
    received_at: datetime,
    assigned_to: Person,
    by,
) -> ParentMessage:
    now = clock.now()
    _check_parent(parent)
    if channel not in parent_channels():
        raise ContactError("channel", f"unknown channel {channel!r}")
    if received_at > now + timedelta(minutes=5):
        raise ContactError("received_date", "The time it was received must be in the past")
    _check_assignee(assigned_to)
    with transaction.atomic():
        message = ParentMessage.objects.create(
            parent=parent,
            channel=channel,
            topic=topic.strip(),
            summary=summary.strip(),
            received_at=received_at,
            reply_due_at=reply_due(received_at),
            assigned_to=assigned_to,
            logged_by=by,
            logged_at=now,
        )
        audit_record(
            action="contact.parent_message_logged",
            obj=message,
            actor=by,
            detail={"channel": channel},
        )
    _tell_assignee(message)
    return message


@enforces("SLT-3", "PRIN-h")
def parent_call_log(
    *,
    parent: Person,
    direction: str,
    topic: str,
    summary: str,
    needs_reply: bool,
    assigned_to: Person,
    by,
) -> ParentMessage:
    """SLT-3: log a telephone call as it happens; a call needing a reply gets the reply deadline."""
    now = clock.now()
    _check_parent(parent)
    if needs_reply:
        _check_assignee(assigned_to)
    with transaction.atomic():
        message = ParentMessage.objects.create(
            kind="call",
            direction=direction,
            parent=parent,
            channel="school_phone",
            topic=topic.strip(),
            summary=summary.strip(),
            received_at=now,
            reply_due_at=reply_due(now) if needs_reply else None,
            assigned_to=assigned_to,
            logged_by=by,
            logged_at=now,
            replied_at=None if needs_reply else now,
            replied_by=None if needs_reply else by,
        )
        audit_record(
            action="contact.parent_call_logged",
            obj=message,
            actor=by,
            detail={"direction": direction},
        )
    if needs_reply:
        _tell_assignee(message)
    return message


def _tell_assignee(message: ParentMessage) -> None:
    if message.logged_by_id == message.assigned_to.user_id:
        return
    _notify(
        [_email(message.assigned_to)],
        f"A parent message for you to answer by {when_text(message.reply_due_at)}",
        f"A parent message has been passed to you. Sign in to read it:\n\n"
        f"{_link('contact_parent_message', message_id=message.pk)}\n",
    )


@transaction.atomic
def parent_message_mark_replied(*, message: ParentMessage, by) -> ParentMessage:
    message = ParentMessage.objects.select_for_update().get(pk=message.pk)
    if message.replied_at is not None:
        raise ContactError(
            "message", f"This was already marked as replied on {when_text(message.replied_at)}"
        )
    message.replied_at = clock.now()
    message.replied_by = by
    message.save(update_fields=["replied_at", "replied_by"])
    audit_record(
        action="contact.parent_message_replied",
        obj=message,
        actor=by,
        detail={
            "late": message.replied_at > message.reply_due_at if message.reply_due_at else False
        },
    )
    return message


def escalation_target(person: Person) -> Person | None:
    """Who hears about an overdue reply: the line manager; without one, the Headteacher, then the
    proprietor (never the person themselves)."""
    if person.line_manager_id and person.line_manager_id != person.pk:
        return person.line_manager
    for role in ("headteacher", *sorted(OVERSEER_ROLES - {"headteacher"})):
        candidate = (
            Person.objects.filter(roles__role=role, is_active=True).exclude(pk=person.pk).first()
        )
        if candidate is not None:
            return candidate
    return None


@enforces("PRIN-h")
def parent_messages_sweep(now: datetime) -> int:
    """Remind the assignee `reminder_before` hours before the reply is due; escalate when overdue."""
    before = timedelta(hours=get_pack().deadline_hours("reminder_before"))
    open_messages = ParentMessage.objects.filter(
        replied_at__isnull=True, reply_due_at__isnull=False
    )
    done = 0
    for message in open_messages.filter(
        reminded_at__isnull=True, reply_due_at__lte=now + before, reply_due_at__gt=now
    ).select_related("assigned_to__user", "parent"):
        with transaction.atomic():
            message.reminded_at = now
            message.save(update_fields=["reminded_at"])
            audit_record(action="contact.parent_message_reminded", obj=message)
        _notify(
            [_email(message.assigned_to)],
            f"Reminder: reply to a parent by {when_text(message.reply_due_at)}",
            f"Sign in to read the message:\n\n{_link('contact_parent_message', message_id=message.pk)}\n",
        )
        done += 1
    for message in open_messages.filter(
        escalated_at__isnull=True, reply_due_at__lte=now
    ).select_related("assigned_to__line_manager", "parent"):
        target = escalation_target(message.assigned_to)
        with transaction.atomic():
            message.escalated_at = now
            message.escalated_to = target
            message.save(update_fields=["escalated_at", "escalated_to"])
            audit_record(
                action="contact.parent_message_escalated",
                obj=message,
                detail={"to": target.external_id if target else None},
            )
        _notify(
            [_email(target), _email(message.assigned_to)],
            "Overdue reply to a parent",
            f"{message.assigned_to.full_name} was due to reply by {when_text(message.reply_due_at)} "
            f"and the reply is not recorded yet.\n\n{_link('contact_parent_message', message_id=message.pk)}\n",
        )
        done += 1
    return done
