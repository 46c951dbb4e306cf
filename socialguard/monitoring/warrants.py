"""Warrants (MON-2): one person's raw lines are searched only under an approved, unexpired warrant
tied to an open case, within its sources and dates; every search, allowed or refused, is audited."""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.casework import services as casework
from socialguard.policy.trace import enforces

from .crypto import open_line
from .models import LogLine, Warrant, WarrantSearch
from .packdata import SOURCES, monitoring_pack


class WarrantError(ValueError):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def _roles(person) -> set:
    return set(person.roles.values_list("role", flat=True)) if person else set()


def approver_role(subject, requester) -> str:
    """The Headteacher approves; the proprietor when the Headteacher is the subject or requester."""
    config = monitoring_pack()
    if config.warrant_approver in _roles(subject) | _roles(requester):
        return config.warrant_fallback_approver
    return config.warrant_approver


@enforces("MON-2")
def request(*, case, subject, requester, justification: str, sources, date_from: date,
            date_to: date, days: int) -> Warrant:  # fmt: skip
    config = monitoring_pack()
    if case.state == "closed":
        raise WarrantError("The case is closed: a warrant needs an open case", "case")
    if not justification.strip():
        raise WarrantError("Write the justification: the concern that makes this necessary", "justification")
    bad = [s for s in sources if s not in SOURCES]
    if not sources or bad:
        raise WarrantError(f"sources must be chosen from {', '.join(SOURCES)}", "sources")
    if date_to < date_from:
        raise WarrantError("The end date is before the start date", "date_to")
    if not 1 <= days <= config.warrant_max_days:
        raise WarrantError(f"A warrant lasts 1 to {config.warrant_max_days} days", "days")
    if subject.pk == requester.pk:
        raise WarrantError("You cannot ask for a warrant about yourself", "subject")
    with transaction.atomic():
        warrant = Warrant.objects.create(case=case, subject=subject, requested_by=requester,
                                         justification=justification.strip(), sources=list(sources),
                                         date_from=date_from, date_to=date_to,
                                         expires_at=clock.now() + timedelta(days=days),
                                         approver_role=approver_role(subject, requester),
                                         created_at=clock.now())  # fmt: skip
        audit_record(action="monitoring.warrant_requested", obj=warrant,
                     detail={"case": case.reference, "subject": subject.external_id})  # fmt: skip
    return warrant


@enforces("MON-2")
def decide(*, warrant: Warrant, approver, approve: bool, note: str = "") -> Warrant:
    if warrant.state != "pending":
        raise WarrantError(f"This warrant is already {warrant.get_state_display().lower()}", "state")
    if approver.pk in (warrant.subject_id, warrant.requested_by_id):
        raise WarrantError("The subject or requester of a warrant cannot decide it", "approver")
    if warrant.approver_role not in _roles(approver):
        raise WarrantError(f"Only the {warrant.approver_role} may decide this warrant", "approver")
    with transaction.atomic():
        warrant.state = "approved" if approve else "refused"
        warrant.decided_by, warrant.decided_at, warrant.decision_note = approver, clock.now(), note
        warrant.save()
        audit_record(action=f"monitoring.warrant_{warrant.state}", obj=warrant)
    return warrant


def revoke(*, warrant: Warrant, by, reason: str) -> Warrant:
    if not reason.strip():
        raise WarrantError("Say why the warrant is revoked", "reason")
    with transaction.atomic():
        warrant.state, warrant.decision_note = "revoked", reason.strip()
        warrant.save()
        audit_record(action="monitoring.warrant_revoked", obj=warrant, detail={"reason": reason})
    return warrant


def _refusal(warrant, searcher, person, date_from, date_to, sources) -> str:
    config = monitoring_pack()
    now = clock.now()
    if warrant.state != "approved":
        return f"the warrant is {warrant.get_state_display().lower()}"
    if now >= warrant.expires_at:
        return f"the warrant expired on {timezone.localtime(warrant.expires_at):%d %B %Y %H:%M}"
    if warrant.case.state == "closed":
        return "the case the warrant belongs to is closed"
    if searcher is None or searcher.pk == warrant.subject_id:
        return "the subject of a warrant cannot search under it"
    if not _roles(searcher) & config.searcher_roles:
        return "your role may not search under a warrant"
    if person is None or person.pk != warrant.subject_id:
        return "the warrant does not cover this person"
    if date_from < warrant.date_from or date_to > warrant.date_to:
        return f"the dates are outside the warrant ({warrant.date_from} to {warrant.date_to})"
    if date_to < date_from:
        return "the end date is before the start date"
    if any(s not in warrant.sources for s in sources or ()):
        return "a source is outside the warrant"
    return ""


@enforces("MON-2")
def search(*, warrant: Warrant, searcher, user, person, date_from: date, date_to: date,
           sources=None) -> dict:  # fmt: skip
    reason = _refusal(warrant, searcher, person, date_from, date_to, sources)
    lines = []
    if not reason:
        tz = timezone.get_current_timezone()
        start = datetime.combine(date_from, time.min, tz)
        end = datetime.combine(date_to + timedelta(days=1), time.min, tz)
        rows = LogLine.objects.filter(person=person, time__gte=start, time__lt=end,
                                      source__in=sources or warrant.sources).order_by("time")  # fmt: skip
        for row in rows.iterator():
            lines.append({"time": row.time.isoformat(), "source": row.source,
                          "line": open_line(row.sealed, row.ingest_id, row.line_no)})  # fmt: skip
    with transaction.atomic():
        WarrantSearch.objects.create(warrant=warrant, searched_by=user.get_username() if user else "",
                                     at=clock.now(), date_from=date_from, date_to=date_to,
                                     allowed=not reason, reason=reason or "within the warrant",
                                     lines_returned=len(lines))  # fmt: skip
        audit_record(action="monitoring.search" if not reason else "monitoring.search_refused",
                     obj=warrant, detail={"person": person.external_id if person else None,
                                          "from": str(date_from), "to": str(date_to),
                                          "lines": len(lines), "reason": reason})  # fmt: skip
    if user is not None:  # listed on the case
        outcome = "allowed" if not reason else f"refused, {reason}"
        casework.case_note_add(case=warrant.case, user=user, text=f"Monitoring search under "
                               f"warrant {warrant.pk} ({date_from} to {date_to}): {outcome}")  # fmt: skip
    return {"allowed": not reason, "reason": reason or "within the warrant", "lines": lines}


def covered_person_ids(now=None) -> set[int]:
    now = now or clock.now()
    return set(Warrant.objects.filter(state="approved", expires_at__gt=now)
               .exclude(case__state="closed").values_list("subject_id", flat=True))  # fmt: skip
