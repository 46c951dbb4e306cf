"""Records lifecycle services: legal holds and the retention-due list (issue 12).

Holds keep records from ever counting as due for destruction (SLT-3): a case hold keeps that case,
a person hold keeps every case that names the person, an "everything" hold (or the pack's
`records.hold_everything`) keeps all. Placing and lifting are audited.
"""

from datetime import date

from django.db import transaction

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.policy.pack import get_pack
from socialguard.policy.trace import enforces

from .due import Due, retention_due
from .models import LegalHold
from .permissions import can_manage_holds

SCOPES = {key for key, _ in LegalHold.SCOPES}
ASKED_BY = {key for key, _ in LegalHold.ASKED_BY}


class HoldError(Exception):
    """A refusal, naming the field (`field`) it is about."""

    def __init__(self, field: str, message: str, *, refused: bool = False):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.refused = refused  # True: not allowed (exit 1), False: bad input (exit 2)


def check_hold_allowed(user, action: str) -> None:
    if not can_manage_holds(user):
        audit_record(action=f"records.hold_{action}_refused", actor=user, detail={"why": "role"})
        raise HoldError(
            "as",
            "only the Designated Safeguarding Lead or the Data Protection Lead may "
            f"{action} a legal hold",
            refused=True,
        )


@enforces("SLT-3")
def hold_place(*, user, scope: str, reason: str, asked_by: str, case=None, person=None):
    """Place a hold; the record it covers will not reach the review list until it is lifted."""
    check_hold_allowed(user, "place")
    if scope not in SCOPES:
        raise HoldError("scope", f"must be one of {', '.join(sorted(SCOPES))}")
    if asked_by not in ASKED_BY:
        raise HoldError("asked_by", f"must be one of {', '.join(sorted(ASKED_BY))}")
    if not (reason or "").strip():
        raise HoldError("reason", "say why the records must be kept")
    if scope == "case" and case is None:
        raise HoldError("case", "name the case to hold")
    if scope == "person" and person is None:
        raise HoldError("person", "name the person whose records to hold")
    with transaction.atomic():
        hold = LegalHold.objects.create(
            scope=scope,
            case=case if scope == "case" else None,
            person=person if scope == "person" else None,
            reason=reason.strip(),
            asked_by=asked_by,
            placed_by=user,
            placed_at=clock.now(),
        )
        audit_record(
            action="records.hold_placed",
            obj=hold,
            actor=user,
            detail={"scope": scope, "asked_by": asked_by, "case": getattr(case, "reference", "")},
        )
    return hold


def hold_lift(*, user, hold_id) -> LegalHold:
    check_hold_allowed(user, "lift")
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().filter(pk=hold_id).first()
        if hold is None:
            raise HoldError("hold", f"no legal hold {hold_id}")
        if hold.lifted_at is not None:
            raise HoldError("hold", f"hold {hold_id} was already lifted", refused=True)
        hold.lifted_by, hold.lifted_at = user, clock.now()
        hold.save(update_fields=["lifted_by", "lifted_at"])
        audit_record(action="records.hold_lifted", obj=hold, actor=user, detail={})
    return hold


def holds_list(*, user, active_only: bool = True) -> list[LegalHold]:
    check_hold_allowed(user, "list")
    holds = LegalHold.objects.select_related("case", "person", "placed_by", "lifted_by")
    if active_only:
        holds = holds.filter(lifted_at=None)
    holds = list(holds)
    audit_record(action="records.holds_listed", actor=user, detail={"count": len(holds)})
    return holds


def held_case_ids() -> tuple[bool, set[int]]:
    """(everything held?, ids of held cases) from the active holds and the pack."""
    from socialguard.casework.models import CaseParty, PossibleMatch

    active = LegalHold.objects.filter(lifted_at=None)
    if active.filter(scope="everything").exists():
        return True, set()
    cases = set(active.filter(scope="case").values_list("case_id", flat=True))
    people = active.filter(scope="person").values("person_id")
    cases |= set(CaseParty.objects.filter(person_id__in=people).values_list("case_id", flat=True))
    # A possible match that no handler has ruled out is kept too (better kept than lost).
    cases |= set(
        PossibleMatch.objects.filter(
            person_id__in=people, state__in=PossibleMatch.NAMING_STATES
        ).values_list("case_id", flat=True)
    )
    return False, cases


def retention_due_list(*, on: date | None = None) -> list[Due]:
    """What reaches the end of its retention period on `on` (today by default)."""
    everything, held = held_case_ids()
    pack = get_pack()
    items = retention_due(on=on or clock.now().date(), pack=pack, held_case_ids=held)
    if everything:
        items = [Due(**{**i.__dict__, "hold": True}) for i in items]
    return items
