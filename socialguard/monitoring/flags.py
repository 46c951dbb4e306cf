"""Flags: graded by the pack, reviewed by a person, excluded with a reason, escalated to casework."""

from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.casework import services as casework
from socialguard.policy.trace import enforces

from .matcher import Matcher
from .models import Exclusion, Flag, Notification
from .packdata import monitoring_pack

PUPIL_ROLES = frozenset({"pupil"})


class FlagError(ValueError):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def _kind_and_band(person, config) -> tuple[str, str]:
    if person is None:
        return "unknown", "default"
    roles = set(person.roles.values_list("role", flat=True))
    if roles & PUPIL_ROLES:
        return "pupil", config.band_of(person.year_group)
    return ("staff", "staff") if roles else ("unknown", "default")


class FlagMaker:
    """Builds (unsaved) flags for one event, applying the pack's severities and the exclusions."""

    def __init__(self, config):
        self.config = config
        self.matcher = Matcher(config.categories)
        today = clock.now().date()
        active = Exclusion.objects.filter(withdrawn_at__isnull=True).filter(
            Q(until__isnull=True) | Q(until__gte=today)
        )
        self.exclusions = {(e.scope, e.value.lower(), e.category) for e in active}
        self.people: dict = {}

    def _excluded(self, scope: str, value: str, category: str) -> bool:
        return (scope, value, category) in self.exclusions or (scope, value, "") in self.exclusions

    def flags_for(self, event, person, identity) -> list[Flag]:
        hits = self.matcher.match(event.targets, event.host)
        if not hits:
            return []
        if person is not None and person.pk not in self.people:
            self.people[person.pk] = _kind_and_band(person, self.config)
        kind, band = self.people.get(person.pk, ("unknown", "default")) if person else ("unknown", "default")
        out = []
        for category_id, matched, target in hits:
            scope = "domain" if matched == event.host or "." in matched and " " not in matched else "word"
            if self._excluded(scope, matched, category_id) or self._excluded("word", matched, category_id):
                continue
            if person is not None and self._excluded("person", person.external_id.lower(), category_id):
                continue
            if person is not None and self._excluded("year_group", person.year_group.lower(), category_id):
                continue
            category = self.config.categories[category_id]
            out.append(Flag(time=event.time, person=person, identity=identity[:255],
                            subject_kind=kind, category=category_id,
                            severity=self.config.severity_for(category, band),
                            matched=matched[:200], target=target[:500],
                            created_at=clock.now()))  # fmt: skip
        return out


def notify_urgent(flags, config=None) -> int:
    """Urgent flags about pupils tell the notify roles at once, at most once per person and
    category every `notify_every_hours`; the rest wait for the daily digest."""
    config = config or monitoring_pack()
    bag, sent = casework.Mailbag(), 0
    window = clock.now() - timedelta(hours=config.notify_every_hours)
    for flag in flags:
        if flag.severity not in config.urgent or flag.subject_kind == "staff":
            continue
        if flag.person_id and Notification.objects.filter(
            person_id=flag.person_id, category=flag.category, sent_at__gte=window
        ).exists():
            Flag.objects.filter(pk=flag.pk).update(notified=True)
            continue
        label = config.categories[flag.category].label
        for role in config.notify_roles:
            for holder in casework.holders(role):
                bag.add_urgent(holder, f"Urgent monitoring alert: {label}",
                               f"A {flag.severity} {label.lower()} flag was raised at "
                               f"{flag.time:%H:%M on %d %B}. Open SocialGuard to review it "
                               f"(flag {flag.pk}).")  # fmt: skip
        if flag.person_id:
            Notification.objects.create(person_id=flag.person_id, category=flag.category,
                                        sent_at=clock.now())  # fmt: skip
        Flag.objects.filter(pk=flag.pk).update(notified=True)
        sent += 1
    bag.send()
    return sent


def daily_digest(now) -> int:
    """Once a day, one message to the notify roles counting the flags not yet sent."""
    config = monitoring_pack()
    pending = Flag.objects.filter(digested=False, notified=False, created_at__lte=now)
    counts = Counter(pending.values_list("category", flat=True))
    if not counts or Flag.objects.filter(digested=True, created_at__gte=now - timedelta(days=1)).exists():
        return 0
    lines = [f"{config.categories[c].label}: {n}" for c, n in sorted(counts.items()) if c in config.categories]
    bag = casework.Mailbag()
    for role in config.notify_roles:
        for holder in casework.holders(role):
            bag.add(holder, "Monitoring flags to review today", "\n".join(lines))
    bag.send()
    return pending.update(digested=True)


@enforces("MON-1")
def review(*, flag: Flag, user, state: str, reason: str = "") -> Flag:
    if state not in ("reviewed", "false_positive"):
        raise FlagError("state must be reviewed or false_positive", "state")
    if state == "false_positive" and not reason.strip():
        raise FlagError("Say why this is a false positive", "reason")
    with transaction.atomic():
        flag.state, flag.state_reason = state, reason.strip()
        flag.reviewed_by, flag.reviewed_at = user.get_username(), clock.now()
        flag.save()
        audit_record(action=f"monitoring.flag_{state}", obj=flag, detail={"reason": reason[:200]})
    return flag


def escalate(*, flag: Flag, user, reporter, note: str = "") -> Flag:
    """Open a concern in casework with the flag as its evidence text, routed as any concern."""
    if flag.state == "escalated":
        raise FlagError("This flag has already been escalated", "state")
    config = monitoring_pack()
    category = config.categories[flag.category]
    evidence = (f"Monitoring flag {flag.pk} ({category.label}, {flag.severity}) from the "
                f"{flag.source} log at {flag.time:%Y-%m-%d %H:%M} UTC: matched “{flag.matched}” "
                f"in {flag.target}.")  # fmt: skip
    if note.strip():
        evidence += f"\n\n{note.strip()}"
    parties = [{"person": flag.person, "part": "victim"}] if flag.person_id else []
    with transaction.atomic():
        case = casework.case_report(reporter=reporter, category=category.concern_category,
                                    what_happened=evidence, location_kind="website",
                                    url_or_sender=flag.target[:500], parties=parties, user=user)  # fmt: skip
        flag.state, flag.case_reference = "escalated", case.reference
        flag.reviewed_by, flag.reviewed_at = user.get_username(), clock.now()
        flag.save()
        audit_record(action="monitoring.flag_escalated", obj=flag, detail={"case": case.reference})
    return flag


def exclusion_add(*, scope: str, value: str, reason: str, user, category: str = "", until=None):
    if scope not in dict(Exclusion.SCOPES):
        raise FlagError(f"scope must be one of {', '.join(dict(Exclusion.SCOPES))}", "scope")
    if not value.strip():
        raise FlagError("Say what is excluded", "value")
    if not reason.strip():
        raise FlagError("Write the reason for the exclusion", "reason")
    if category and category not in monitoring_pack().categories:
        raise FlagError(f"unknown category {category!r}", "category")
    with transaction.atomic():
        exclusion = Exclusion.objects.create(scope=scope, value=value.strip().lower(),
                                             category=category, reason=reason.strip(), until=until,
                                             created_by=user.get_username(), created_at=clock.now())  # fmt: skip
        audit_record(action="monitoring.exclusion_added", obj=exclusion,
                     detail={"scope": scope, "value": exclusion.value, "reason": reason[:200]})  # fmt: skip
    return exclusion


def funnel() -> list[dict]:
    """Per category: flags → reviewed → escalated, and the share marked false positive."""
    config = monitoring_pack()
    rows = Flag.objects.values("category", "state").annotate(n=Count("id"))
    table = {c: Counter() for c in config.categories}
    for row in rows:
        table.setdefault(row["category"], Counter())[row["state"]] = row["n"]
    out = []
    for cid, counts in table.items():
        total = sum(counts.values())
        reviewed = total - counts["new"]
        out.append({"category": cid, "label": config.categories[cid].label if cid in config.categories else cid,
                    "flags": total, "reviewed": reviewed, "escalated": counts["escalated"],
                    "false_positive_share": round(counts["false_positive"] / reviewed, 3) if reviewed else 0.0})  # fmt: skip
    return out
