"""`socialguard retention-due`: closed cases reach their date by the pack's rules, not before."""

import json
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from socialguard import clock
from socialguard.casework.models import Case, CaseParty
from socialguard.records.services import retention_due_list

_n = iter(range(1, 10_000))


@pytest.fixture
def closed_case(db, make_person):
    def make(*, category="pupil_cyberbullying", closed=datetime(2026, 3, 1, tzinfo=UTC),
             victim_dob=None, staff_level="", outcome="", staff_dob=None, created=None):  # fmt: skip
        created = created or closed
        case = Case.objects.create(
            reference=f"RT-{next(_n):05d}",
            category=category,
            what_happened="Something online",
            created_at=created,
            triage_due=created,
            due_at=created,
            state="closed",
            closed_at=closed,
            staff_concern_level=staff_level,
            outcome=outcome,
        )
        if victim_dob:
            pupil = make_person("pupil", date_of_birth=victim_dob)
            CaseParty.objects.create(case=case, person=pupil, kind="pupil", part="victim")
        if staff_level:
            staff = make_person("staff", date_of_birth=staff_dob)
            CaseParty.objects.create(
                case=case, person=staff, kind="staff", part="alleged_perpetrator"
            )
        return case

    return make


def due_ids(on: date) -> dict:
    return {item.id: item for item in retention_due_list(on=on)}


@pytest.mark.clause("SLT-3")
def test_a_child_protection_case_of_a_pupil_born_in_2012_is_due_in_2037_and_not_before(
    closed_case,
):
    case = closed_case(victim_dob=date(2012, 5, 1))
    with clock.frozen(datetime(2037, 4, 30, 12, tzinfo=UTC)):
        assert case.reference not in due_ids(clock.now().date())
    with clock.frozen(datetime(2037, 5, 1, 12, tzinfo=UTC)):
        item = due_ids(clock.now().date())[case.reference]
    assert (item.record_type, item.rule, item.due, item.action, item.hold) == (
        "child_protection_file",
        "child_protection_file",
        date(2037, 5, 1),
        "review",
        False,
    )


@pytest.mark.clause("SLT-3")
def test_a_safeguarding_case_of_a_pupil_with_no_date_of_birth_is_never_due(closed_case):
    case = closed_case(victim_dob=None)
    CaseParty.objects.create(case=case, name="A pupil", kind="pupil", part="victim")
    assert case.reference not in due_ids(date(2100, 1, 1))


def test_a_malicious_allegation_is_due_at_once_for_review(closed_case):
    case = closed_case(
        category="staff_misuse", staff_level="allegation", outcome="allegation_malicious",
        staff_dob=date(1980, 1, 1),
    )  # fmt: skip
    with clock.frozen(datetime(2026, 3, 1, 18, tzinfo=UTC)):
        item = due_ids(clock.now().date())[case.reference]
    assert (item.record_type, item.rule, item.due) == (
        "allegation",
        "allegation_malicious",
        date(2026, 3, 1),
    )


@pytest.mark.clause("SLT-3")
def test_a_substantiated_allegation_is_kept_until_retirement_age(closed_case):
    case = closed_case(
        category="staff_misuse", staff_level="allegation", outcome="disciplinary_procedure",
        staff_dob=date(1995, 3, 3), created=datetime(2026, 1, 10, tzinfo=UTC),
    )  # fmt: skip
    assert case.reference not in due_ids(date(2060, 3, 2))
    assert due_ids(date(2060, 3, 3))[case.reference].rule == "allegation_substantiated"


@pytest.mark.clause("SLT-3")
def test_an_allegation_whose_outcome_the_pack_does_not_translate_is_kept_longest(closed_case):
    case = closed_case(
        category="staff_misuse", staff_level="allegation", outcome="something_new",
        staff_dob=date(1995, 3, 3), created=datetime(2026, 1, 10, tzinfo=UTC),
    )  # fmt: skip
    assert case.reference not in due_ids(date(2060, 3, 2))


def test_another_case_follows_the_generic_rule_and_an_open_case_is_never_listed(closed_case):
    case = closed_case(category="school_reputation", closed=datetime(2026, 3, 1, tzinfo=UTC))
    open_case = closed_case(category="school_reputation")
    Case.objects.filter(pk=open_case.pk).update(state="investigating", closed_at=None)
    assert case.reference not in due_ids(date(2032, 2, 28))
    found = due_ids(date(2032, 3, 1))
    assert found[case.reference].rule == "cases" and open_case.reference not in found


def test_a_child_protection_rule_comes_from_the_second_schools_pack(closed_case, settings):
    from pathlib import Path

    settings.POLICY_PACK = str(Path(__file__).parents[1] / "fixtures" / "oakfield-primary.toml")
    case = closed_case(victim_dob=date(2012, 5, 1))
    assert case.reference not in due_ids(date(2037, 5, 1))  # Oakfield keeps it 30 years
    assert case.reference in due_ids(date(2042, 5, 1))


def test_the_command_prints_json_and_refuses_a_bad_date_naming_the_flag(closed_case, capsys):
    case = closed_case(victim_dob=date(2012, 5, 1))
    out = StringIO()
    call_command("retention-due", "--on", "2037-05-01", "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == [
        {
            "record_type": "child_protection_file",
            "id": case.reference,
            "rule": "child_protection_file",
            "due": "2037-05-01",
            "action": "review",
            "hold": False,
        }
    ]
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("retention-due", "--on", "soon", "--format", "json", stdout=out)
    assert exit_.value.code == 2
    assert json.loads(out.getvalue())["error"].startswith("--on:")


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ({"no_such_outcome": "malicious"}, "records.allegation_outcomes.no_such_outcome"),
        ({"no_further_action": "maybe"}, "records.allegation_outcomes.no_further_action"),
        ("malicious", "records.allegation_outcomes: must be a table"),
    ],
)
def test_a_bad_allegation_outcome_mapping_is_refused_naming_the_key(mapping, expected):
    import copy
    import tomllib
    from pathlib import Path

    from socialguard.policy.pack import validate

    path = Path(__file__).parents[2] / "socialguard" / "policy" / "packs" / "st-martins.toml"
    pack = copy.deepcopy(tomllib.loads(path.read_text()))
    pack["records"]["allegation_outcomes"] = mapping
    assert any(problem.startswith(expected) for problem in validate(pack)), validate(pack)
