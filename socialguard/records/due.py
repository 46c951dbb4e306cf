"""Which records reach the end of their retention period on a day (`socialguard retention-due`).

Cases are read from the casework models, read-only (records depends on casework, never the
reverse). A closed case is matched to one rule of the pack's schedule:
- a safeguarding category (the pack's `categories`) with a pupil as the victim: the
  child-protection file, from the pupil's date of birth;
- an allegation against staff (`staff_concern_level = "allegation"`): the allegation rule for
  its outcome, the case outcome translated by the pack's `records.allegation_outcomes`;
- any other case: the generic case rule.
A held record (records.holds) says `"hold": true` and never counts as due (SLT-3).
"""

from dataclasses import dataclass
from datetime import date

from socialguard.policy.trace import enforces
from socialguard.records.retention import RetentionRule, hold_everything, retention_rules

# An allegation whose outcome the pack does not translate is kept by the longest allegation rule.
UNMAPPED_ALLEGATION = "substantiated"


@dataclass(frozen=True)
class Due:
    record_type: str
    id: str
    rule: str
    due: date
    action: str
    hold: bool
    case_pk: int | None = None  # not shown: the reference is the id

    def as_dict(self) -> dict:
        return {
            "record_type": self.record_type,
            "id": self.id,
            "rule": self.rule,
            "due": self.due.isoformat(),
            "action": self.action,
            "hold": self.hold,
        }


def _first(rules, record: str, outcome: str = "") -> RetentionRule | None:
    matching = [r for r in rules if r.record == record]
    return next((r for r in matching if r.outcome == outcome), None) or next(
        (r for r in matching if not r.outcome), None
    )


def _victim(case, kind: str):
    return next((p for p in case.parties.all() if p.part == "victim" and p.kind == kind), None)


def _alleged_staff(case):
    return next(
        (p for p in case.parties.all() if p.part == "alleged_perpetrator" and p.person), None
    )


def case_rule(case, pack) -> tuple[RetentionRule | None, date | None]:
    """The rule that keeps a closed case, and its due date (None, None when no rule applies)."""
    rules = retention_rules(pack.data)
    closed = case.closed_at.date()
    category = pack.categories.get(case.category)
    if case.staff_concern_level == "allegation":
        mapping = (pack.data.get("records") or {}).get("allegation_outcomes") or {}
        outcome = mapping.get(case.outcome, UNMAPPED_ALLEGATION)
        rule = _first(rules, "allegation", outcome)
        if rule is None:
            return None, None
        staff = _alleged_staff(case)
        dob = staff.person.date_of_birth if staff else None
        start = case.created_at.date() if rule.runs_from == "allegation_date" else closed
        return rule, rule.due(start=start, date_of_birth=dob)
    victim = _victim(case, "pupil")
    if category and category.safeguarding and victim:
        rule = _first(rules, "child_protection_file")
        dob = victim.person.date_of_birth if victim.person else None
        if rule and dob:
            return rule, rule.due(start=dob)
        # No date of birth: it cannot be counted, so it is kept (never due).
        return rule, None
    rule = _first(rules, "case")
    if rule is None:
        return None, None
    return rule, rule.due(start=closed)


@enforces("SLT-3")
def retention_due(*, on: date, pack, held_case_ids: set[int] | None = None) -> list[Due]:
    """Every closed case whose rule's date is on or before `on`; held ones listed with hold=True
    (they are shown so the DPL knows why they wait, but they are not due for destruction)."""
    from socialguard.casework.models import Case

    everything = hold_everything(pack.data)
    held = held_case_ids or set()
    found = []
    cases = (
        Case.objects.filter(state="closed")
        .exclude(closed_at=None)
        .prefetch_related("parties__person")
        .order_by("closed_at", "id")
    )
    for case in cases:
        rule, due = case_rule(case, pack)
        if rule is None or due is None or due > on:
            continue
        found.append(
            Due(
                record_type=rule.record,
                id=case.reference,
                rule=rule.id,
                due=due,
                action=rule.action,
                hold=everything or case.pk in held,
                case_pk=case.pk,
            )
        )
    return found


def due_for_destruction(items: list[Due]) -> list[Due]:
    """What the DPL may act on: nothing that is held."""
    return [item for item in items if not item.hold]
