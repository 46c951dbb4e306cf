"""Legal holds: the DSL or DPL keeps a case, a person or everything from ever being due (SLT-3)."""

import json
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from socialguard.audit.models import AuditEvent
from socialguard.casework.models import Case, CaseParty
from socialguard.policy.pack import get_pack
from socialguard.records.due import due_for_destruction
from socialguard.records.models import LegalHold
from socialguard.records.services import HoldError, hold_lift, hold_place, retention_due_list

ON = date(2037, 5, 1)


@pytest.fixture
def cp_case(db, make_person):
    def make(ref):
        at = datetime(2026, 3, 1, tzinfo=UTC)
        case = Case.objects.create(
            reference=ref, category="pupil_cyberbullying", what_happened="x", created_at=at,
            triage_due=at, due_at=at, state="closed", closed_at=at,
        )  # fmt: skip
        pupil = make_person("pupil", date_of_birth=date(2012, 5, 1))
        CaseParty.objects.create(case=case, person=pupil, kind="pupil", part="victim")
        return case, pupil

    return make


def holds() -> dict:
    return {item.id: item.hold for item in retention_due_list(on=ON)}


@pytest.mark.clause("SLT-3")
def test_a_case_hold_keeps_the_case_until_it_is_lifted(cp_case, make_user):
    (case, _), (_other, _) = cp_case("LH-1"), cp_case("LH-2")
    dsl = make_user("dsl")
    hold = hold_place(user=dsl, scope="case", case=case, reason="Police enquiry", asked_by="police")
    assert holds() == {"LH-1": True, "LH-2": False}
    assert [i.id for i in due_for_destruction(retention_due_list(on=ON))] == ["LH-2"]
    assert AuditEvent.objects.filter(action="records.hold_placed", object_id=str(hold.pk)).exists()
    hold_lift(user=make_user("dpl"), hold_id=hold.pk)
    assert holds() == {"LH-1": False, "LH-2": False}
    assert AuditEvent.objects.filter(action="records.hold_lifted").exists()


@pytest.mark.clause("SLT-3")
def test_a_person_hold_and_an_everything_hold_keep_what_they_cover(cp_case, make_user):
    (_case, pupil), _ = cp_case("LH-1"), cp_case("LH-2")
    dpl = make_user("dpl")
    hold_place(user=dpl, scope="person", person=pupil, reason="LADO asked", asked_by="lado")
    assert holds() == {"LH-1": True, "LH-2": False}
    hold_place(user=dpl, scope="everything", reason="Inquiry", asked_by="inquiry")
    assert holds() == {"LH-1": True, "LH-2": True}
    assert due_for_destruction(retention_due_list(on=ON)) == []


@pytest.mark.clause("SLT-3")
def test_the_packs_hold_everything_switch_holds_everything(cp_case, monkeypatch):
    cp_case("LH-1")
    pack = get_pack()
    data = {**pack.data, "records": {**pack.data["records"], "hold_everything": True}}
    monkeypatch.setattr(
        "socialguard.records.services.get_pack",
        lambda: type(pack)(**{**pack.__dict__, "data": data}),
    )
    assert holds() == {"LH-1": True}


def test_only_the_dsl_or_dpl_may_place_or_lift_a_hold_and_a_refusal_is_audited(cp_case, make_user):
    case, _ = cp_case("LH-1")
    for role in ("headteacher", "deputy_dsl", "staff"):
        with pytest.raises(HoldError) as refused:
            hold_place(user=make_user(role), scope="case", case=case, reason="r", asked_by="police")
        assert refused.value.field == "as" and refused.value.refused
    assert not LegalHold.objects.exists()
    assert AuditEvent.objects.filter(action="records.hold_place_refused").count() == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"scope": "planet", "reason": "r", "asked_by": "police"}, "scope"),
        ({"scope": "case", "reason": "r", "asked_by": "neighbour"}, "asked_by"),
        ({"scope": "everything", "reason": "  ", "asked_by": "police"}, "reason"),
        ({"scope": "case", "reason": "r", "asked_by": "police"}, "case"),
        ({"scope": "person", "reason": "r", "asked_by": "police"}, "person"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(make_user, fields, field):
    with pytest.raises(HoldError) as bad:
        hold_place(user=make_user("dsl"), **fields)
    assert bad.value.field == field and not bad.value.refused
    assert not LegalHold.objects.exists()


def test_the_cli_places_lists_and_lifts_a_hold(cp_case, make_user):
    cp_case("LH-1")
    make_user("dsl", username="dsl1")
    make_user("headteacher", username="head1")

    def run(*args):
        out = StringIO()
        code = 0
        try:
            call_command("legal-hold", *args, "--format", "json", stdout=out)
        except SystemExit as exc:
            code = exc.code
        return code, json.loads(out.getvalue())

    code, placed = run("place", "--as", "dsl1", "--scope", "case", "--case", "LH-1",
                       "--reason", "Police enquiry", "--asked-by", "police")  # fmt: skip
    assert code == 0 and placed["case"] == "LH-1" and placed["placed_by"] == "dsl1"
    assert holds() == {"LH-1": True}
    assert [h["id"] for h in run("list", "--as", "dsl1")[1]] == [placed["id"]]
    code, refused = run("lift", "--as", "head1", "--hold", str(placed["id"]))
    assert code == 1 and refused["error"].startswith("--as:")
    code, bad = run("place", "--as", "dsl1", "--scope", "case", "--case", "NOPE",
                    "--reason", "r", "--asked-by", "police")  # fmt: skip
    assert code == 2 and bad["error"].startswith("--case:")
    assert run("lift", "--as", "dsl1", "--hold", str(placed["id"]))[0] == 0
    assert holds() == {"LH-1": False}
    code, again = run("lift", "--as", "dsl1", "--hold", str(placed["id"]))
    assert code == 1 and again["error"].startswith("--hold:")
