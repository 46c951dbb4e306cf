"""The retention schedule, from the pack's `[records.retention]` tables: one rule per kind of record.

Pure (no database, no pack import: socialguard.policy.pack calls the validator while it loads).
Each rule names the record kind, optionally which of them it covers (`category`, `outcome`), the
date it runs from, the period and what happens at the end. The rules are what a school follows
(IRMS toolkit, KCSIE); another school changes the pack, not the code.
"""

from dataclasses import dataclass
from datetime import date

RECORD_KINDS = (
    "case",
    "child_protection_file",
    "allegation",
    "low_level_concern",
    "evidence",
    "consent",
    "face_data",
    "declaration",
    "parent_message",
    "monitoring_flag",
    "monitoring_log",
    "audit_event",
    "account",
)
RUNS_FROM = (
    "date_of_birth",
    "case_closed",
    "allegation_date",
    "person_left",
    "withdrawal",
    "created",
)
ACTIONS = ("review", "delete", "anonymise")
ALLEGATION_OUTCOMES = ("substantiated", "unsubstantiated", "unfounded", "false", "malicious")


@dataclass(frozen=True)
class RetentionRule:
    id: str
    record: str
    runs_from: str
    years: int
    months: int
    action: str
    label: str
    category: str = ""
    outcome: str = ""
    # KCSIE: allegations are kept until the person's normal retirement age if that is later.
    at_least_until_age: int = 0

    def due(self, *, start: date, date_of_birth: date | None = None) -> date:
        """The day the rule's period ends, counted from `start`."""
        month = start.month - 1 + self.months
        year = start.year + self.years + month // 12
        month = month % 12 + 1
        day = (
            min(start.day, 28)
            if month == 2
            else min(start.day, 30 if month in (4, 6, 9, 11) else 31)
        )
        ends = date(year, month, day)
        if self.at_least_until_age and date_of_birth:
            retire = date_of_birth.replace(
                year=date_of_birth.year + self.at_least_until_age,
                day=min(date_of_birth.day, 28),
            )
            ends = max(ends, retire)
        return ends


def _whole(value, low, high) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and low <= value <= high


def _check_rule(key: str, rule, problems: list[str]) -> None:
    where = f"records.retention.{key}"
    if not isinstance(rule, dict):
        problems.append(f"{where}: must be a table")
        return
    if rule.get("record") not in RECORD_KINDS:
        problems.append(f"{where}.record: must be one of {', '.join(RECORD_KINDS)}")
    if rule.get("runs_from") not in RUNS_FROM:
        problems.append(f"{where}.runs_from: must be one of {', '.join(RUNS_FROM)}")
    if rule.get("action") not in ACTIONS:
        problems.append(f"{where}.action: must be one of {', '.join(ACTIONS)}")
    for unit, high in (("years", 120), ("months", 1440)):
        if unit in rule and not _whole(rule[unit], 0, high):
            problems.append(f"{where}.{unit}: must be a whole number from 0 to {high}")
    if "years" not in rule and "months" not in rule:
        problems.append(f"{where}: give the period as years or months (0 for at once)")
    if not isinstance(rule.get("label"), str) or not rule.get("label", "").strip():
        problems.append(f"{where}.label: must say in words what the rule is for")
    if "at_least_until_age" in rule and not _whole(rule["at_least_until_age"], 16, 100):
        problems.append(f"{where}.at_least_until_age: must be an age from 16 to 100")
    outcome = rule.get("outcome", "")
    if rule.get("record") == "allegation" and outcome and outcome not in ALLEGATION_OUTCOMES:
        problems.append(f"{where}.outcome: must be one of {', '.join(ALLEGATION_OUTCOMES)}")
    for field in ("category", "outcome"):
        if field in rule and not isinstance(rule[field], str):
            problems.append(f"{where}.{field}: must be text")


def _check_allegation_outcomes(data: dict, mapping, problems: list[str]) -> None:
    """`records.allegation_outcomes`: case outcome id (casework.outcomes) = allegation outcome."""
    where = "records.allegation_outcomes"
    if not isinstance(mapping, dict):
        problems.append(f"{where}: must be a table of case outcome = allegation outcome")
        return
    known = ((data.get("casework") or {}).get("outcomes")) or {}
    for outcome, allegation in mapping.items():
        if isinstance(known, dict) and known and outcome not in known:
            problems.append(f"{where}.{outcome}: not an outcome in casework.outcomes")
        if allegation not in ALLEGATION_OUTCOMES:
            problems.append(f"{where}.{outcome}: must be one of {', '.join(ALLEGATION_OUTCOMES)}")


def validate_retention(data: dict) -> list[str]:
    """Every problem in `[records]`, each naming its key. A pack without it keeps everything."""
    records = data.get("records")
    if records is None:
        return []
    if not isinstance(records, dict):
        return ["records: must be a table"]
    problems = []
    if not isinstance(records.get("hold_everything", False), bool):
        problems.append("records.hold_everything: must be true or false (the inquiry-style hold)")
    retention = records.get("retention")
    if not isinstance(retention, dict) or not retention:
        return [*problems, "records.retention: must hold one rule per kind of record"]
    for key, rule in retention.items():
        _check_rule(key, rule, problems)
    _check_allegation_outcomes(data, records.get("allegation_outcomes", {}), problems)
    covered = {r.get("record") for r in retention.values() if isinstance(r, dict)}
    missing = [kind for kind in RECORD_KINDS if kind not in covered]
    if missing:
        problems.append(f"records.retention: no rule for {', '.join(missing)}")
    return problems


def retention_rules(data: dict) -> list[RetentionRule]:
    """The schedule of a pack that passed validate_retention (empty when it has none)."""
    retention = (data.get("records") or {}).get("retention") or {}
    return [
        RetentionRule(
            id=key,
            record=rule["record"],
            runs_from=rule["runs_from"],
            years=rule.get("years", 0),
            months=rule.get("months", 0),
            action=rule["action"],
            label=rule["label"],
            category=rule.get("category", ""),
            outcome=rule.get("outcome", ""),
            at_least_until_age=rule.get("at_least_until_age", 0),
        )
        for key, rule in retention.items()
    ]


def hold_everything(data: dict) -> bool:
    return bool((data.get("records") or {}).get("hold_everything", False))
