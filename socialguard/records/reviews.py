"""The DPL's retention review list (issue 12): filled once a day, decided by the DPL or Head.

Nothing is destroyed silently: a record that reaches its date is listed; the DPL (or Headteacher)
approves destruction or keeps it longer with a reason and a date. Held records are never listed,
and approving one that became held after it was listed is refused naming the hold (SLT-3).
Destruction itself (removing content, crypto-shredding evidence keys) is NOT done in this pass:
an approved review is the decision, recorded and audited.
"""

from datetime import date, datetime

from django.db import transaction

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.policy.trace import enforces

from .models import LegalHold, RetentionReview, RetentionSweepDay
from .permissions import can_review
from .services import HoldError, held_case_ids, retention_due_list


class ReviewError(HoldError):
    """A refusal naming its field (same shape as a hold refusal)."""


@enforces("SLT-3")
def review_sweep(now: datetime) -> int:
    """List what is due today and not held; once a day (the worker calls every minute)."""
    today = now.date()
    with transaction.atomic():
        _, created = RetentionSweepDay.objects.get_or_create(day=today)
        if not created:
            return 0
        listed = 0
        for item in retention_due_list(on=today):
            if item.hold:
                continue
            earlier = RetentionReview.objects.filter(
                record_type=item.record_type, record_id=item.id
            )
            if earlier.filter(state__in=("pending", "approved")).exists():
                continue
            if earlier.filter(state="extended", extended_until__gt=today).exists():
                continue
            RetentionReview.objects.create(
                record_type=item.record_type,
                record_id=item.id,
                case_id=item.case_pk,
                rule=item.rule,
                due=item.due,
                action=item.action,
                listed_at=now,
            )
            listed += 1
        if listed:
            audit_record(action="records.review_listed", object_type="records.retentionreview",
                         detail={"listed": listed, "day": today})  # fmt: skip
    return listed


def reviews_pending(*, user) -> list[RetentionReview]:
    _allowed(user, "see")
    reviews = list(RetentionReview.objects.filter(state="pending"))
    audit_record(action="records.reviews_listed", actor=user, detail={"count": len(reviews)})
    return reviews


def _allowed(user, verb: str) -> None:
    if not can_review(user):
        audit_record(action="records.review_refused", actor=user, detail={"verb": verb})
        raise ReviewError(
            "as", f"only the Data Protection Lead or the Headteacher may {verb} the review list",
            refused=True,
        )  # fmt: skip


def _pending(review_id) -> RetentionReview:
    review = RetentionReview.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise ReviewError("review", f"no review {review_id}")
    if review.state != "pending":
        raise ReviewError("review", f"review {review_id} was already decided", refused=True)
    return review


def _blocking_hold(review: RetentionReview) -> LegalHold | None:
    everything, held = held_case_ids()
    if not everything and review.case_id not in held:
        return None
    active = LegalHold.objects.filter(lifted_at=None)
    return (
        active.filter(scope="case", case_id=review.case_id).first()
        or active.filter(scope="everything").first()
        or active.filter(scope="person", person_id__in=_named(review.case_id)).first()
        or LegalHold(scope="everything", reason="the pack's records.hold_everything", asked_by="")
    )


def _named(case_id) -> set[int]:
    from socialguard.casework.models import CaseParty, PossibleMatch

    parties = CaseParty.objects.filter(case_id=case_id).exclude(person=None)
    possible = PossibleMatch.objects.filter(case_id=case_id, state__in=PossibleMatch.NAMING_STATES)
    return set(parties.values_list("person_id", flat=True)) | set(
        possible.values_list("person_id", flat=True)
    )


@enforces("SLT-3")
def review_approve(*, user, review_id) -> RetentionReview:
    """The DPL or Head approves destruction (recorded; destruction itself is a later pass)."""
    _allowed(user, "decide")
    with transaction.atomic():
        review = _pending(review_id)
        hold = _blocking_hold(review)
        if hold is not None:
            name = f"hold {hold.pk}" if hold.pk else "the pack's hold on everything"
            raise ReviewError(
                "review", f"{review.record_id} is held ({name}: {hold.reason}); lift it first",
                refused=True,
            )  # fmt: skip
        review.state, review.decided_by, review.decided_at = "approved", user, clock.now()
        review.save(update_fields=["state", "decided_by", "decided_at"])
        audit_record(action="records.review_approved", obj=review, actor=user,
                     detail={"record_type": review.record_type, "rule": review.rule})  # fmt: skip
    return review


def review_extend(*, user, review_id, reason: str, until: date | None) -> RetentionReview:
    """Keep the record longer: a reason and the day it comes back to the list."""
    _allowed(user, "decide")
    if not (reason or "").strip():
        raise ReviewError("reason", "say why the record is kept longer")
    if until is None or until <= clock.now().date():
        raise ReviewError("until", "give a day after today when it comes back for review")
    with transaction.atomic():
        review = _pending(review_id)
        review.state, review.decided_by, review.decided_at = "extended", user, clock.now()
        review.reason, review.extended_until = reason.strip(), until
        review.save(update_fields=["state", "decided_by", "decided_at", "reason", "extended_until"])
        audit_record(action="records.review_extended", obj=review, actor=user,
                     detail={"until": until, "rule": review.rule})  # fmt: skip
    return review
