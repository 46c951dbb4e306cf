"""Pure decisions about consent: no database, easy to table-test."""

from collections.abc import Mapping
from dataclasses import dataclass

from socialguard.policy.trace import enforces

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


def parse_yes_no(value: str) -> bool:
    """A CSV cell: yes/no (also y/n, true/false, 1/0; empty means no)."""
    text = (value or "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"{value!r} is not yes or no")


@dataclass(frozen=True)
class BiometricDecision:
    allowed: bool
    reason: str


@enforces("IMG-3")
def biometric_decision(
    *,
    is_child: bool,
    consents: Mapping[str, bool],
    objections: Mapping[str, bool],
    child_refuses: bool,
) -> BiometricDecision:
    """May this person's face be matched automatically (Protection of Freedoms Act 2012 ss. 26-28)?

    A child: the written consent of at least one parent, no objection from any parent, and no
    refusal by the child. An adult: their own consent (recorded under the key "self").
    """
    if not is_child:
        if consents.get("self"):
            return BiometricDecision(True, "They have consented to face matching themselves.")
        return BiometricDecision(
            False, "They have not consented to face matching of their own photos."
        )
    if child_refuses:
        return BiometricDecision(False, "The child has refused face matching.")
    objecting = sorted(k for k, v in objections.items() if v)
    if objecting:
        return BiometricDecision(False, "A parent or carer has objected to face matching.")
    if not any(consents.values()):
        return BiometricDecision(
            False, "No parent or carer has given written consent to face matching."
        )
    return BiometricDecision(True, "A parent or carer has consented and nobody has objected.")


def link_problem(*, used: bool, expired: bool) -> str:
    """Why a parent's e-consent link cannot be used, or "" when it can."""
    if used:
        return "used"
    if expired:
        return "expired"
    return ""
