"""The review list: the daily sweep lists what is due and not held; the DPL or Head decides."""

from datetime import UTC, date, datetime

import pytest

from socialguard import clock
from socialguard.audit.models import AuditEvent
from socialguard.casework.models import Case, CaseParty
from socialguard.records.models import RetentionReview
from socialguard.records.reviews import (
    ReviewError,
    review_approve,
    review_extend,
    review_sweep,
    reviews_pending,
)
from socialguard.records.services import hold_lift, hold_place
from socialguard.web.schedule import SWEEPS, load_sweeps


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
        return case

    return make


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, tzinfo=UTC)


def listed() -> list[str]:
    return list(RetentionReview.objects.filter(state="pending").values_list("record_id", flat=True))


def test_the_sweep_is_registered_with_the_worker():
    load_sweeps()
    assert review_sweep in SWEEPS


@pytest.mark.clause("SLT-3")
def test_a_child_protection_case_reaches_the_review_list_in_2037_and_not_before(cp_case):
    cp_case("RV-1")
    with clock.frozen(at(date(2037, 4, 30))) as now:
        assert review_sweep(now) == 0
    assert listed() == []
    with clock.frozen(at(date(2037, 5, 1))) as now:
        assert review_sweep(now) == 1
        assert review_sweep(now) == 0  # once a day
    assert listed() == ["RV-1"]
    with clock.frozen(at(date(2037, 5, 2))) as now:
        assert review_sweep(now) == 0  # already on the list: not twice
    assert AuditEvent.objects.filter(action="records.review_listed").count() == 1


@pytest.mark.clause("SLT-3")
def test_a_held_case_never_reaches_the_list_and_approving_one_held_later_names_the_hold(
    cp_case, make_user
):
    held, later = cp_case("RV-1"), cp_case("RV-2")
    dsl, dpl = make_user("dsl"), make_user("dpl")
    hold = hold_place(user=dsl, scope="case", case=held, reason="Police", asked_by="police")
    with clock.frozen(at(date(2037, 5, 1))) as now:
        review_sweep(now)
    assert listed() == ["RV-2"]
    hold_place(user=dsl, scope="case", case=later, reason="LADO enquiry", asked_by="lado")
    review = RetentionReview.objects.get(record_id="RV-2")
    with pytest.raises(ReviewError) as refused:
        review_approve(user=dpl, review_id=review.pk)
    assert "held" in str(refused.value) and "LADO enquiry" in str(refused.value)
    assert RetentionReview.objects.get(pk=review.pk).state == "pending"
    hold_lift(user=dsl, hold_id=hold.pk)
    with clock.frozen(at(date(2037, 5, 2))) as now:
        review_sweep(now)
    assert sorted(listed()) == ["RV-1", "RV-2"]


def test_the_dpl_or_head_approves_or_extends_with_a_reason_and_others_are_refused(
    cp_case, make_user
):
    cp_case("RV-1"), cp_case("RV-2")
    with clock.frozen(at(date(2037, 5, 1))) as now:
        review_sweep(now)
    first, second = RetentionReview.objects.order_by("record_id")
    for role in ("dsl", "staff"):
        with pytest.raises(ReviewError) as refused:
            review_approve(user=make_user(role), review_id=first.pk)
        assert refused.value.field == "as"
    dpl, head = make_user("dpl"), make_user("headteacher")
    assert len(reviews_pending(user=dpl)) == 2
    with clock.frozen(at(date(2037, 5, 3))):
        with pytest.raises(ReviewError) as bad:
            review_extend(user=head, review_id=second.pk, reason=" ", until=date(2038, 5, 1))
        assert bad.value.field == "reason"
        with pytest.raises(ReviewError) as bad:
            review_extend(user=head, review_id=second.pk, reason="Sibling case", until=None)
        assert bad.value.field == "until"
        review_approve(user=dpl, review_id=first.pk)
        review_extend(user=head, review_id=second.pk, reason="Sibling case", until=date(2038, 5, 1))
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.state, first.decided_by) == ("approved", dpl)
    assert (second.state, second.reason, second.extended_until) == (
        "extended",
        "Sibling case",
        date(2038, 5, 1),
    )
    with clock.frozen(at(date(2038, 4, 30))) as now:
        review_sweep(now)
    assert listed() == []
    with clock.frozen(at(date(2038, 5, 1))) as now:
        review_sweep(now)
    assert listed() == ["RV-2"]  # back when the extension ends; the approved one is not relisted
    assert AuditEvent.objects.filter(action="records.review_approved").count() == 1
    assert AuditEvent.objects.filter(action="records.review_extended").count() == 1
