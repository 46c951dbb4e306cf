"""The retention schedule is data in the pack, checked on load, and differs between schools."""

import copy
import tomllib
from datetime import date
from pathlib import Path

import pytest

from socialguard.policy.pack import validate
from socialguard.records.retention import RECORD_KINDS, retention_rules

ROOT = Path(__file__).resolve().parents[2]
ST_MARTINS = ROOT / "socialguard" / "policy" / "packs" / "st-martins.toml"
OAKFIELD = ROOT / "tests" / "fixtures" / "oakfield-primary.toml"


def data(path: Path) -> dict:
    return tomllib.loads(path.read_text())


def rule(path: Path, rule_id: str):
    return next(r for r in retention_rules(data(path)) if r.id == rule_id)


def test_it_has_a_rule_for_every_kind_of_record_in_both_packs():
    for path in (ST_MARTINS, OAKFIELD):
        assert validate(data(path)) == []
        assert {r.record for r in retention_rules(data(path))} == set(RECORD_KINDS)


def test_it_takes_the_periods_from_the_pack_not_the_code():
    st_martins, oakfield = (
        rule(ST_MARTINS, "child_protection_file"),
        rule(OAKFIELD, "child_protection_file"),
    )
    assert (st_martins.runs_from, st_martins.years, st_martins.action) == (
        "date_of_birth",
        25,
        "review",
    )
    assert oakfield.years != st_martins.years
    assert st_martins.due(start=date(2012, 5, 1)) == date(2037, 5, 1)


def test_it_keeps_an_allegation_until_retirement_age_when_that_is_longer_than_ten_years():
    substantiated = rule(ST_MARTINS, "allegation_substantiated")
    young = substantiated.due(start=date(2026, 1, 10), date_of_birth=date(1995, 3, 3))
    old = substantiated.due(start=date(2026, 1, 10), date_of_birth=date(1961, 3, 3))
    assert young == date(2060, 3, 3)  # retirement age 65 is later than 10 years
    assert old == date(2036, 1, 10)  # 10 years is later than retirement
    malicious = rule(ST_MARTINS, "allegation_malicious")
    assert malicious.due(start=date(2026, 1, 10)) == date(2026, 1, 10)  # review for removal at once


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda r: r["retention"]["cases"].update(runs_from="birthday"),
            "records.retention.cases.runs_from",
        ),
        (lambda r: r["retention"]["cases"].update(action="burn"), "records.retention.cases.action"),
        (lambda r: r["retention"]["cases"].update(years=-1), "records.retention.cases.years"),
        (
            lambda r: r["retention"]["allegation_false"].update(outcome="maybe"),
            "records.retention.allegation_false.outcome",
        ),
        (lambda r: r["retention"].pop("accounts"), "records.retention: no rule for account"),
        (lambda r: r.update(hold_everything="yes"), "records.hold_everything"),
    ],
)
def test_it_names_the_key_of_a_bad_retention_rule(mutate, expected):
    pack = copy.deepcopy(data(ST_MARTINS))
    mutate(pack["records"])
    assert any(expected in problem for problem in validate(pack)), validate(pack)
