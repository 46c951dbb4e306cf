"""Handlers run the case: add, reassign and cancel actions; the outcome guard; the police hold
that pauses internal actions (CB-11); support tasks that name whom to support (CB-12).

The police hold: while `Case.police_hold` is active, an open internal action that is not recorded
as agreed with the police is *paused*: it is left out of to-do lists, reminders and escalation,
and it cannot be completed. When it resumes (the police agree to it, or the hold is lifted) its
deadline moves on by the time it was paused, so nobody is told it is overdue because of the hold."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.people.models import Person
from socialguard.people.permissions import user_person
from socialguard.policy.pack import ROLE_IDS, PackError, get_pack
from socialguard.policy.trace import enforces

from . import services
from .models import Case, CaseAction
from .services import CaseworkConflict, CaseworkError

SUPPORT_KEYS = ("line_manager_support", "occupational_health")
TITLE_MAX = 300
FURTHEST_DEADLINE = timedelta(days=366)


# ---------------------------------------------------------------- the pack's [casework.action_controls]


@dataclass(frozen=True)
class ActionControls:
    outcome_blockers: frozenset
    urgent_deadline: str
    owner_roles: frozenset
    reason_min_length: int
    support_briefs: dict


def parse_action_controls(data: dict, deadlines: dict) -> ActionControls:
    """Build the configuration from [casework.action_controls], or raise PackError naming the key."""
    casework = data.get("casework") if isinstance(data.get("casework"), dict) else {}
    table = casework.get("action_controls")
    key = "casework.action_controls"
    if not isinstance(table, dict):
        raise PackError([f"{key}: missing table [{key}]"], "policy pack")
    problems: list[str] = []
    specials = casework.get("special_actions") or {}
    blockers = table.get("outcome_blockers")
    if not isinstance(blockers, list) or not all(isinstance(b, str) for b in blockers):
        problems.append(f"{key}.outcome_blockers: must be a list of special action keys")
        blockers = []
    for i, name in enumerate(blockers):
        if name not in specials:
            problems.append(
                f"{key}.outcome_blockers[{i}]: {name!r} is not in [casework.special_actions]"
            )
    urgent = table.get("urgent_deadline")
    if urgent not in deadlines:
        problems.append(f"{key}.urgent_deadline: {urgent!r} is not in [deadlines]")
    owners = table.get("owner_roles")
    if not isinstance(owners, list) or not owners:
        problems.append(f"{key}.owner_roles: must be a non-empty list of roles")
        owners = []
    for i, role in enumerate(owners):
        if role not in ROLE_IDS:
            problems.append(f"{key}.owner_roles[{i}]: unknown role {role!r}")
    length = table.get("reason_min_length")
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= 200:
        problems.append(
            f"{key}.reason_min_length: must be a whole number from 1 to 200 (got {length!r})"
        )
        length = 10
    briefs = table.get("support_briefs")
    if not isinstance(briefs, dict):
        problems.append(f"{key}.support_briefs: missing table [{key}.support_briefs]")
        briefs = {}
    for name in SUPPORT_KEYS:
        text = briefs.get(name)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{key}.support_briefs.{name}: missing or empty")
            continue
        try:
            text.format(person="someone")
        except (KeyError, IndexError, ValueError):
            problems.append(f"{key}.support_briefs.{name}: only {{person}} may appear in braces")
    if problems:
        raise PackError(problems, f"policy pack [{key}]")
    return ActionControls(
        outcome_blockers=frozenset(blockers),
        urgent_deadline=urgent,
        owner_roles=frozenset(owners),
        reason_min_length=length,
        support_briefs={name: briefs[name] for name in SUPPORT_KEYS},
    )


_cache: dict[str, ActionControls] = {}


def action_controls() -> ActionControls:
    pack = get_pack()
    config = _cache.get(pack.content_hash)
    if config is None:
        config = _cache[pack.content_hash] = parse_action_controls(pack.data, pack.deadlines)
    return config


def _local(moment: datetime) -> str:
    tz = ZoneInfo(get_pack().school.get("timezone", "Europe/London"))
    return f"{moment.astimezone(tz):%d %B %Y %H:%M}"


# ---------------------------------------------------------------- the pause (CB-11)


def paused_q() -> Q:
    """Open internal actions on a case under a police hold, not agreed with the police."""
    return Q(status="open", internal=True, case__police_hold=True, police_agreed_at=None)


def actions_live(queryset=None):
    """Actions that are not paused by a police hold: what to-do lists, reminders and escalation use."""
    queryset = CaseAction.objects.all() if queryset is None else queryset
    return queryset.exclude(paused_q())


def is_paused(action: CaseAction) -> bool:
    return (
        action.status == "open"
        and action.internal
        and action.case.police_hold
        and action.police_agreed_at is None
    )


def _resume(action: CaseAction, case: Case, now: datetime) -> timedelta:
    """Move a paused action's deadline on by the time it was paused (from the start of the hold,
    or from when it was raised if later); a reminder is owed again before the new deadline."""
    began = max(case.police_hold_since or now, action.created_at)
    paused_for = max(now - began, timedelta(0))
    action.due_at += paused_for
    action.reminded = action.reminded and action.due_at <= now
    action.save(update_fields=["due_at", "reminded"])
    return paused_for


@enforces("CB-11")
def police_hold_changed(case: Case, *, active: bool, user) -> str:
    """Called by services.case_police_hold_set inside its transaction, before the case is saved:
    starts the hold's clock, or resumes every paused action. Returns a line for the chronology."""
    now = clock.now()
    if active:
        if not case.police_hold:
            case.police_hold_since = now
        paused = case.actions.filter(status="open", internal=True, police_agreed_at=None).count()
        return (
            f"Police enquiry active (CB-11): {paused} internal action(s) paused until the police "
            "agree to them or the enquiry ends."
        )
    resumed = 0
    if case.police_hold:
        for action in case.actions.filter(status="open", internal=True, police_agreed_at=None):
            _resume(action, case, now)
            resumed += 1
    case.police_hold_since = None
    return (
        f"Police enquiry no longer active: {resumed} paused action(s) resume, each deadline moved "
        "on by the time it was paused."
    )


@enforces("CB-11")
def action_police_agree(
    *, action: CaseAction, user, officer: str, agreed_at: datetime | None, note: str = ""
) -> CaseAction:
    """Record that the police agreed to an internal action going ahead (who, when, what was said):
    the action is no longer paused. Audited and in the chronology."""
    officer = officer.strip()
    if not officer:
        raise CaseworkError(
            "Enter who at the police agreed: their name and role, for example PC 1234 Smith",
            field="officer",
        )
    if agreed_at is None:
        raise CaseworkError("Enter the date and time the police agreed", field="agreed_at")
    if services._in_the_future(agreed_at):
        raise CaseworkError(
            "The date the police agreed is in the future: enter when they agreed", field="agreed_at"
        )
    case = action.case
    _require_handler(case, user)
    with transaction.atomic():
        action = lock(action)
        _require_open(action)
        if not action.internal:
            raise CaseworkError(
                "This action is not part of the internal investigation: it goes ahead anyway",
                field="officer",
            )
        if action.police_agreed_at is not None:
            raise CaseworkConflict(
                "The police agreement for this action is already recorded", field="officer"
            )
        was_paused = is_paused(action)
        if was_paused:
            _resume(action, case, clock.now())
        action.police_agreed_by = officer[:200]
        action.police_agreed_at = agreed_at
        action.police_agreement_note = note.strip()[:2000]
        action.police_agreement_recorded_by = user
        action.save(
            update_fields=[
                "police_agreed_by",
                "police_agreed_at",
                "police_agreement_note",
                "police_agreement_recorded_by",
            ]
        )
        when = _local(agreed_at)
        text = f"Police agreed to “{action.title}” going ahead: {action.police_agreed_by}, {when}."
        if action.police_agreement_note:
            text += f" {action.police_agreement_note}"
        services._event(case, "police_agreed", text, user)
        audit_record(
            action="case.action_police_agreed",
            obj=action,
            detail={
                "case": case.reference,
                "officer": action.police_agreed_by,
                "resumed": was_paused,
            },
        )
    return action


def check_complete(action: CaseAction) -> None:
    """services.action_complete asks this first: only an open action that is not paused."""
    _require_open(action)
    if is_paused(action):
        raise CaseworkConflict(
            "A police enquiry is active, so this internal action is paused (CB-11): it can be done "
            "only once the police agree to it (record who agreed and when) or the enquiry ends",
            field="police_agreement",
        )


def check_investigation_start(case: Case) -> None:
    """CB-11: while a police enquiry is active, no internal investigation without a police agreement."""
    if case.police_hold and not case.actions.exclude(police_agreed_at=None).exists():
        raise CaseworkError(
            "A police enquiry is active (CB-11): record that the police agreed to at least one "
            "internal action before starting the investigation",
            field="police_agreement",
        )


# ---------------------------------------------------------------- the outcome guard


def outcome_blockers(case: Case) -> list[CaseAction]:
    """Open actions that stop an outcome: the pack's police actions, and on an urgent case any
    action due within the pack's urgent deadline (the police hour) of being raised."""
    config = action_controls()
    window = timedelta(hours=get_pack().deadline_hours(config.urgent_deadline))
    blocking = []
    for action in case.actions.filter(status="open"):
        urgent = case.urgent and action.due_at - action.created_at <= window
        if action.key in config.outcome_blockers or urgent:
            blocking.append(action)
    return blocking


def check_outcome(case: Case, override_reason: str) -> str:
    """Refuse an outcome while a police or urgent action is open, unless the handler writes why.
    Returns the chronology line for an override ("" when nothing was open)."""
    blocking = outcome_blockers(case)
    if not blocking:
        return ""
    titles = "; ".join(f"“{a.title}”" for a in blocking)
    reason = override_reason.strip()
    if not reason:
        raise CaseworkError(
            f"An urgent or police action is still open: {titles}. Finish it first, or write why "
            "the outcome is recorded anyway",
            field="override_reason",
        )
    _reason_long_enough(reason, "override_reason")
    audit_record(
        action="case.outcome_override",
        obj=case,
        detail={"actions": [a.pk for a in blocking], "reason": reason[:2000]},
    )
    return f"Outcome recorded while {titles} was still open. Reason: {reason[:2000]}"


# ---------------------------------------------------------------- add, reassign, cancel


def eligible_owners(case: Case):
    """People who may own an action on a case: active, in a role the pack allows, not named (PRIN-a)."""
    return (
        Person.objects.filter(is_active=True, roles__role__in=action_controls().owner_roles)
        .exclude(pk__in=services._named_ids(case))
        .distinct()
        .order_by("family_name", "given_name", "pk")
    )


def _check_owner(case: Case, owner: Person | None) -> Person:
    if owner is None:
        raise CaseworkError("Choose who owns the action from the directory", field="owner")
    if owner.pk in services._named_ids(case):
        raise CaseworkError(
            "This person is named in the case, or may be, so they cannot own its actions (PRIN-a)",
            field="owner",
        )
    if not eligible_owners(case).filter(pk=owner.pk).exists():
        raise CaseworkError(
            "Choose a member of staff who is in the directory and active", field="owner"
        )
    return owner


def _require_handler(case: Case, user) -> None:
    person = user_person(user)
    if person is None or person.pk in services._named_ids(case):
        raise CaseworkError(
            "You are named in this case, so you cannot change it (PRIN-a)", field="case"
        )
    if not case.is_open:
        raise CaseworkConflict("The case is closed", field="case")


def _require_open(action: CaseAction) -> None:
    if action.status == "done":
        raise CaseworkConflict("This action is already done", field="action")
    if action.status == "cancelled":
        raise CaseworkConflict("This action was cancelled", field="action")


def lock(action: CaseAction) -> CaseAction:
    """Lock the action's row (inside the caller's transaction) and re-read it, so two handlers
    acting at once cannot both change it; the caller's object is brought up to date."""
    list(CaseAction.objects.select_for_update(of=("self",)).filter(pk=action.pk).values("pk"))
    action.refresh_from_db()
    return action


def _reason_long_enough(reason: str, field: str) -> None:
    least = action_controls().reason_min_length
    if len(reason.strip()) < least:
        raise CaseworkError(f"Write the reason in at least {least} characters", field=field)


def _check_deadline(due_at: datetime | None) -> datetime:
    if due_at is None:
        raise CaseworkError("Enter the deadline: a date and time", field="due_at")
    now = clock.now()
    if due_at <= now:
        raise CaseworkError(
            "The deadline is in the past: choose a date and time to come", field="due_at"
        )
    if due_at > now + FURTHEST_DEADLINE:
        raise CaseworkError("The deadline is more than a year away: check the year", field="due_at")
    return due_at


@enforces("PRIN-h", "PRIN-a")
def action_add(
    *,
    case: Case,
    user,
    title: str,
    owner: Person | None,
    due_at: datetime | None,
    internal: bool = True,
) -> CaseAction:
    """A handler adds an action with an owner from the directory and a deadline."""
    title = title.strip()
    if not title:
        raise CaseworkError("Say what needs to be done", field="title")
    if len(title) > TITLE_MAX:
        raise CaseworkError(f"Keep the action to {TITLE_MAX} characters", field="title")
    _require_handler(case, user)
    owner = _check_owner(case, owner)
    due_at = _check_deadline(due_at)
    bag = services.Mailbag()
    with transaction.atomic():
        action = CaseAction.objects.create(
            case=case,
            key="",
            title=title,
            clause="PRIN-h",
            owner=owner,
            owner_role="",
            internal=internal,
            created_at=clock.now(),
            due_at=due_at,
        )
        text = f"Action added: {title}, owned by {owner.full_name}, due {_local(due_at)}."
        if is_paused(action):
            text += " It is paused while the police enquiry is active (CB-11)."
        services._event(case, "action_raised", text, user)
        audit_record(
            action="case.action_added",
            obj=action,
            detail={"case": case.reference, "owner": owner.external_id, "internal": internal},
        )
        tell_owner(bag, action, "New action for you", f"You own a new action: {title}.")
    bag.send()
    return action


@enforces("PRIN-a")
def action_reassign(
    *, action: CaseAction, user, owner: Person | None, reason: str = ""
) -> CaseAction:
    """Give an open action to someone else; the new owner is emailed. Audited, in the chronology."""
    case = action.case
    _require_handler(case, user)
    owner = _check_owner(case, owner)
    bag = services.Mailbag()
    with transaction.atomic():
        action = lock(action)
        _require_open(action)
        if action.owner_id == owner.pk:
            raise CaseworkError(f"{owner.full_name} already owns this action", field="owner")
        before = action.owner
        action.owner = owner
        action.reminded = False
        action.save(update_fields=["owner", "reminded"])
        text = (
            f"“{action.title}” reassigned from {before.full_name if before else 'nobody'} "
            f"to {owner.full_name}."
        )
        if reason.strip():
            text += f" {reason.strip()[:1000]}"
        services._event(case, "action_reassigned", text, user)
        audit_record(
            action="case.action_reassigned",
            obj=action,
            detail={
                "case": case.reference,
                "from": before.external_id if before else "",
                "to": owner.external_id,
            },
        )
        tell_owner(
            bag, action, "New action for you", f"An action has been passed to you: {action.title}."
        )
    bag.send()
    return action


def action_cancel(*, action: CaseAction, user, reason: str) -> CaseAction:
    """Cancel an open action, saying why. It stays on the case, marked cancelled: never deleted."""
    reason = reason.strip()
    if not reason:
        raise CaseworkError("Write why the action is cancelled", field="reason")
    _reason_long_enough(reason, "reason")
    case = action.case
    _require_handler(case, user)
    with transaction.atomic():
        action = lock(action)
        _require_open(action)
        action.status = "cancelled"
        action.cancelled_at, action.cancelled_by = clock.now(), user
        action.cancel_reason = reason[:2000]
        action.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
        services._event(
            case,
            "action_cancelled",
            f"Action cancelled: {action.title}. Reason: {action.cancel_reason}",
            user,
        )
        audit_record(
            action="case.action_cancelled",
            obj=action,
            detail={"case": case.reference, "reason": action.cancel_reason},
        )
    return action


# ---------------------------------------------------------------- support tasks (CB-12) and emails


def task_url(action: CaseAction) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "casework:my_action", kwargs={"action_id": action.pk}
    )


def tell_owner(bag: services.Mailbag, action: CaseAction, subject: str, line: str) -> None:
    """Email an action's owner a link to their task page, which every owner can open (a line
    manager or occupational health may not see the case). No details of the concern."""
    bag.add(
        action.owner,
        f"{subject}: {action.case.reference}",
        f"{line}\n\nOpen your task in SocialGuard:\n{task_url(action)}\n",
    )


def _person_to_support(case: Case, owner: Person | None) -> Person | None:
    victims = [
        p.person
        for p in case.parties.filter(part="victim").exclude(person=None).select_related("person")
        if services.person_kind(p.person) == "staff"
    ]
    managed = [v for v in victims if owner is not None and v.line_manager_id == owner.pk]
    return (managed or victims or [None])[0]


@enforces("CB-12")
def support_details(action: CaseAction) -> None:
    """A support task names the person to support and says what the owner needs to know (the
    pack's brief): they do the task from their task page, without access to the case."""
    if action.key not in SUPPORT_KEYS:
        return
    person = _person_to_support(action.case, action.owner)
    action.support_person = person
    name = services.person_label(person) if person is not None else "The member of staff affected"
    action.brief = action_controls().support_briefs[action.key].format(person=name)
    action.save(update_fields=["support_person", "brief"])


def support_brief_set(*, action: CaseAction, user, brief: str) -> CaseAction:
    """A handler rewrites what the support task's owner is told (no case details beyond that)."""
    brief = brief.strip()
    if not brief:
        raise CaseworkError("Write what the person doing the task needs to know", field="brief")
    if len(brief) > 2000:
        raise CaseworkError("Keep the brief to 2000 characters", field="brief")
    _require_handler(action.case, user)
    with transaction.atomic():
        action = lock(action)
        _require_open(action)
        action.brief = brief
        action.save(update_fields=["brief"])
        services._event(
            action.case, "support_brief", f"Brief for “{action.title}” rewritten.", user
        )
        audit_record(
            action="case.support_brief_set", obj=action, detail={"case": action.case.reference}
        )
    return action
