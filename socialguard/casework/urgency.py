"""Urgent concerns: detection, the urgent email, acknowledging, and the hourly escalation.

A concern is urgent when it is flagged as a threat or illegal content (SLT-4), may be an indecent
image of a child (SLT-5), is in a category the pack marks urgent, or what happened matches one of
the pack's urgent indicators ([casework.urgency]). When in doubt it is urgent: a handler can mark
it not urgent, with a reason, and that is audited."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.policy.pack import ROLE_IDS, PackError, get_pack
from socialguard.policy.trace import enforces

from . import services
from .models import Case, CaseRecipient
from .packdata import ActionTemplate, _action

POLICE_ACTION_KEY = "police_now"  # the same key as the SLT-5 "contact the police now" action


# ---------------------------------------------------------------- the pack's [casework.urgency]


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    police: bool
    pattern: re.Pattern


@dataclass(frozen=True)
class OutOfHours:
    name: str
    phone: str
    description: str


@dataclass(frozen=True)
class UrgencyConfig:
    categories: frozenset
    police_categories: frozenset
    police_for_threat_flag: bool
    also_tell: tuple
    escalate_every: timedelta
    police_action: ActionTemplate
    indicators: tuple
    out_of_hours: OutOfHours


def normalise(text: str) -> str:
    """Lower case, accents and apostrophes dropped, any other punctuation a space: "Don’t" → "dont"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"['`]", "", folded)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def compile_phrases(phrases: list[str]) -> re.Pattern:
    """Whole-word patterns: "stab*" matches stab, stabbed, stabbing; "beat * up" any one word between."""
    parts = []
    for phrase in phrases:
        tokens = []
        for word in phrase.split():
            if word == "*":
                tokens.append(r"[a-z0-9]+")
            elif word.endswith("*"):
                tokens.append(re.escape(normalise(word[:-1])) + r"[a-z0-9]*")
            else:
                tokens.append(re.escape(normalise(word)))
        parts.append(r"\s".join(t for t in tokens if t))
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b")


def _list_of_text(problems, table, key, name) -> list:
    value = table.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{key}.{name}: must be a list of text")
        return []
    return value


def parse_urgency(data: dict, deadlines: dict, categories) -> UrgencyConfig:
    """Build the urgency configuration from [casework.urgency] and [casework.out_of_hours]."""
    problems: list[str] = []
    casework = data.get("casework") if isinstance(data.get("casework"), dict) else {}
    table = casework.get("urgency")
    if not isinstance(table, dict):
        raise PackError(["casework.urgency: missing table [casework.urgency]"], "policy pack")
    key = "casework.urgency"
    found = {}
    for name in ("categories", "police_categories"):
        found[name] = _list_of_text(problems, table, key, name)
        for i, cid in enumerate(found[name]):
            if cid not in categories:
                problems.append(f"{key}.{name}[{i}]: unknown category {cid!r}")
    also_tell = _list_of_text(problems, table, key, "also_tell")
    for i, role in enumerate(also_tell):
        if role not in ROLE_IDS:
            problems.append(f"{key}.also_tell[{i}]: unknown role {role!r}")
    flag = table.get("police_for_threat_flag", True)
    if not isinstance(flag, bool):
        problems.append(f"{key}.police_for_threat_flag: must be true or false")
    every = table.get("escalate_every_hours")
    if isinstance(every, bool) or not isinstance(every, int) or every <= 0:
        problems.append(
            f"{key}.escalate_every_hours: must be a positive whole number (got {every!r})"
        )
        every = 1
    police = _action(
        problems, table.get("police_action"), f"{key}.police_action", deadlines, POLICE_ACTION_KEY
    )
    indicators = []
    for i, raw in enumerate(table.get("indicators") or []):
        ikey = f"{key}.indicators[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{ikey}: expected a table")
            continue
        for name in ("id", "label"):
            if not isinstance(raw.get(name), str) or not raw.get(name, "").strip():
                problems.append(f"{ikey}.{name}: missing or empty")
        phrases = _list_of_text(problems, raw, ikey, "phrases")
        if not phrases:
            problems.append(f"{ikey}.phrases: list at least one phrase")
        if not isinstance(raw.get("police", False), bool):
            problems.append(f"{ikey}.police: must be true or false")
        if phrases:
            indicators.append(
                Indicator(
                    str(raw.get("id", "")),
                    str(raw.get("label", "")),
                    bool(raw.get("police", False)),
                    compile_phrases(phrases),
                )
            )
    contact = casework.get("out_of_hours")
    if not isinstance(contact, dict):
        problems.append("casework.out_of_hours: missing table [casework.out_of_hours]")
        contact = {}
    for name in ("name", "phone"):
        if not isinstance(contact.get(name), str) or not contact.get(name, "").strip():
            problems.append(f"casework.out_of_hours.{name}: missing or empty")
    if problems:
        raise PackError(problems, "policy pack [casework.urgency]")
    return UrgencyConfig(
        categories=frozenset(found["categories"]),
        police_categories=frozenset(found["police_categories"]),
        police_for_threat_flag=flag,
        also_tell=tuple(also_tell),
        escalate_every=timedelta(hours=every),
        police_action=police,
        indicators=tuple(indicators),
        out_of_hours=OutOfHours(contact["name"], contact["phone"], contact.get("description", "")),
    )


_cache: dict[str, UrgencyConfig] = {}


def urgency_config() -> UrgencyConfig:
    pack = get_pack()
    config = _cache.get(pack.content_hash)
    if config is None:
        config = _cache[pack.content_hash] = parse_urgency(
            pack.data, pack.deadlines, pack.categories
        )
    return config


# ---------------------------------------------------------------- the decision (no I/O)


@dataclass(frozen=True)
class Verdict:
    urgent: bool
    police: bool
    reasons: tuple


def indicators_in(text: str) -> list[tuple[Indicator, list[str]]]:
    """The pack's indicators found in a text, each with the words that matched."""
    plain = normalise(text)
    found = []
    for indicator in urgency_config().indicators:
        words = sorted({m.group(0) for m in indicator.pattern.finditer(plain)})
        if words:
            found.append((indicator, words))
    return found


@enforces("SLT-4", "SLT-5")
def assess(
    *, category: str, what_happened: str, illegal_or_threats: bool, indecent_image: bool
) -> Verdict:
    config = urgency_config()
    reasons, police = [], False
    if illegal_or_threats:
        reasons.append(
            "flagged as illegal content or a threat of a physical or sexual nature (SLT-4)"
        )
        police = police or config.police_for_threat_flag
    if indecent_image:
        reasons.append("may involve an indecent image of a child (SLT-5)")
    if category in config.categories:
        label = get_pack().categories[category].label
        reasons.append(f"the category “{label}” is always urgent")
        police = police or category in config.police_categories
    for indicator, words in indicators_in(what_happened):
        reasons.append(f"what happened mentions {indicator.label} (“{'”, “'.join(words[:3])}”)")
        police = police or indicator.police
    return Verdict(bool(reasons), police, tuple(reasons))


# ---------------------------------------------------------------- emails


def _local(moment: datetime) -> str:
    tz = ZoneInfo(get_pack().school.get("timezone", "Europe/London"))
    return f"{moment.astimezone(tz):%H:%M on %d %B %Y}"


def every_text() -> str:
    hours = int(urgency_config().escalate_every.total_seconds() // 3600)
    return "hour" if hours == 1 else f"{hours} hours"


def _tell_urgent(bag: services.Mailbag, person, case: Case, line: str) -> None:
    """An urgent email: the reference, the police deadline, the out-of-hours contact; no details."""
    contact = urgency_config().out_of_hours
    police = case.actions.filter(key=POLICE_ACTION_KEY, status="open").first()
    lines = [
        line,
        "Open the case and press “Acknowledge” so the school knows someone has it. Until then, "
        f"the next person on the route is told every {every_text()}.",
    ]
    if police is not None:
        lines.append(f"Police action due by {_local(police.due_at)}: {police.title}.")
    lines += [
        f"Case {case.reference}. Sign in to SocialGuard to read it:\n{services.case_url(case)}",
        f"Out of school hours: {contact.name}, {contact.phone}. {contact.description}".strip(),
    ]
    bag.add_urgent(person, f"Urgent concern: {case.reference}", "\n\n".join(lines) + "\n")


def _people_to_tell(case: Case) -> list[tuple]:
    """Everyone who may be told, in route order: the route's role holders, then `also_tell`.
    Never a person named in the case (PRIN-a), never a role outside the case's audience."""
    audience = set(case.audience.values_list("role", flat=True))
    roles = services.escalation_chain(case)
    roles += [r for r in urgency_config().also_tell if r in audience and r not in roles]
    excluded = services.named_person_ids(case)
    seen, people = set(), []
    for role in roles:
        for person in services.holders(role, excluded):
            if person.pk not in seen:
                seen.add(person.pk)
                people.append((person, role))
    return people


# ---------------------------------------------------------------- on report


@enforces("SLT-4", "SLT-5", "PRIN-a")
def mark_if_urgent(case: Case, bag: services.Mailbag, user=None) -> None:
    """Called inside the caller's transaction when a concern is reported (case_report) or an item
    is later found to be a possible indecent image (SLT-5): mark the case urgent when it is, raise
    the police action, and replace the routine "new concern" email by an urgent one."""
    if case.urgent and case.acknowledged_at is None:
        return
    verdict = assess(
        category=case.category,
        what_happened=case.what_happened,
        illegal_or_threats=case.illegal_or_threats,
        indecent_image=case.indecent_image,
    )
    if not verdict.urgent:
        return
    config = urgency_config()
    now = clock.now()
    case.urgent = True
    case.urgent_reason = ("Urgent: " + "; ".join(verdict.reasons))[:300]
    case.urgent_notified_at = now
    case.acknowledged_at = case.acknowledged_by = None  # a new reason needs a new acknowledgement
    case.save(
        update_fields=[
            "urgent",
            "urgent_reason",
            "urgent_notified_at",
            "acknowledged_at",
            "acknowledged_by",
        ]
    )
    if verdict.police and not case.actions.filter(key=POLICE_ACTION_KEY, status="open").exists():
        services._action_create(case, config.police_action, bag, user)
    services._event(case, "urgent", case.urgent_reason, user)
    routed = {r.person_id for r in case.recipients.all()}
    bag.messages = [m for m in bag.messages if m[1] != f"New concern: {case.reference}"]
    for person, role in _people_to_tell(case):
        if person.pk not in routed:
            if role not in config.also_tell:
                continue
            CaseRecipient.objects.create(
                case=case, person=person, role=role, reason="urgent", created_at=now
            )
        _tell_urgent(
            bag, person, case, "URGENT: a concern that may need action now has been routed to you."
        )
    audit_record(action="case.urgent", obj=case, detail={"reasons": list(verdict.reasons)})


# ---------------------------------------------------------------- acknowledge, not urgent


def case_acknowledge(*, case: Case, user) -> Case:
    """Someone has the urgent case: the hourly escalation stops. Audited, in the chronology."""
    if not case.urgent:
        raise services.CaseworkError("This case is not marked urgent", field="acknowledge")
    if case.acknowledged_at is not None:
        raise services.CaseworkError("This case has already been acknowledged", field="acknowledge")
    with transaction.atomic():
        case.acknowledged_at, case.acknowledged_by = clock.now(), user
        case.save(update_fields=["acknowledged_at", "acknowledged_by"])
        services._event(case, "acknowledged", "Urgent concern acknowledged.", user)
        audit_record(action="case.urgent_acknowledged", obj=case)
    return case


def case_not_urgent(*, case: Case, user, reason: str) -> Case:
    """A handler decides an urgent case is not urgent, saying why. Audited, in the chronology."""
    reason = reason.strip()
    if not case.urgent:
        raise services.CaseworkError("This case is not marked urgent", field="reason")
    if len(reason) < 10:
        raise services.CaseworkError(
            "Say why this concern is not urgent (at least 10 characters)", field="reason"
        )
    with transaction.atomic():
        case.urgent = False
        case.save(update_fields=["urgent"])
        services._event(case, "not_urgent", f"Marked not urgent: {reason[:1000]}", user)
        audit_record(action="case.marked_not_urgent", obj=case, detail={"reason": reason[:1000]})
    return case


# ---------------------------------------------------------------- hourly escalation


@enforces("PRIN-h", "SLT-2", "PRIN-a")
def urgent_sweep(now: datetime, bag: services.Mailbag) -> None:
    """Every `escalate_every_hours` an urgent case nobody has acknowledged goes to the next person
    on its route. After downtime it moves one person per sweep and then waits the full interval
    again, so a late sweep never tells the whole route at once. "No one further" is written once."""
    every = urgency_config().escalate_every
    cases = Case.objects.filter(urgent=True, acknowledged_at=None).exclude(state="closed")
    for case in cases.select_for_update():
        if case.urgent_notified_at is not None and now < case.urgent_notified_at + every:
            continue
        told = set(case.recipients.values_list("person_id", flat=True))
        nxt = next(((p, r) for p, r in _people_to_tell(case) if p.pk not in told), None)
        if nxt is None:
            text = "Urgent concern not yet acknowledged, and there is no one further to tell."
            if not case.events.filter(kind="escalated", text=text).exists():
                services._event(case, "escalated", text)
        else:
            person, role = nxt
            CaseRecipient.objects.create(
                case=case, person=person, role=role, reason="urgent_escalated", created_at=now
            )
            label = get_pack().role_label(role)
            services._event(
                case, "escalated", f"Urgent concern not yet acknowledged: told the {label}."
            )
            _tell_urgent(
                bag,
                person,
                case,
                "URGENT: a concern nobody has acknowledged yet has been escalated to you.",
            )
        case.urgent_notified_at = now
        case.save(update_fields=["urgent_notified_at"])


def urgent_unacknowledged(user):
    """The urgent cases a user may open that nobody has acknowledged (the home-page banner)."""
    from .permissions import visible_cases

    return visible_cases(user).filter(urgent=True, acknowledged_at=None).exclude(state="closed")


def out_of_hours() -> OutOfHours:
    return urgency_config().out_of_hours
