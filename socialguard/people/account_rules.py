"""Who may manage whose sign-in, from the pack's `[accounts]` table (`managed_by`, `link_hours`).

Pure decisions (no database, no pack import: socialguard.policy.pack calls the validator while it
loads), so they are easy to table-test; accounts.py applies them."""

import re

USERNAME_UNSAFE = re.compile(r"[^a-z0-9._-]+")


def validate_account_management(data: dict) -> list[str]:
    """Every problem in `accounts.managed_by` and `accounts.link_hours`, each naming its key."""
    accounts = data.get("accounts")
    if not isinstance(accounts, dict):
        return []  # validate_account_rules already names the missing table
    roles = data.get("roles") or {}
    problems = []
    managed_by = accounts.get("managed_by")
    if not isinstance(managed_by, list) or not managed_by:
        problems.append(
            "accounts.managed_by: must be a non-empty list of roles "
            "(who may invite, switch off and reset sign-ins)"
        )
    else:
        for i, role in enumerate(managed_by):
            if role not in roles:
                problems.append(f"accounts.managed_by[{i}]: unknown role {role!r}")
            elif not (roles[role] or {}).get("account"):
                problems.append(
                    f"accounts.managed_by[{i}]: {role!r} cannot sign in, so cannot manage sign-ins"
                )
    hours = accounts.get("link_hours")
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 720:
        problems.append(
            "accounts.link_hours: must be a whole number of hours from 1 to 720 "
            "(how long an invitation or password-reset link works)"
        )
    return problems


def management_refusal(
    *,
    actor_roles: set[str] | None,
    is_self: bool,
    target_roles: set[str],
    managed_by: list[str],
    granted_by: dict[str, list[str]],
    label=str,
) -> str | None:
    """Why this actor may not manage this person's sign-in, or None when they may.

    `actor_roles` None is a trusted path (the command line without --as: whoever runs it already
    holds the database). Otherwise the actor needs a `managed_by` role, may not act on their own
    account, and, for a person holding a role the pack reserves in `granted_by` (the safeguarding
    roles), must be one who may grant that role: a sign-in is access, so managing it must not
    reach further than giving the role would."""
    if actor_roles is None:
        return None
    if not set(managed_by) & actor_roles:
        who = " or ".join(label(r) for r in managed_by)
        return f"only the {who} may manage sign-ins"
    if is_self:
        return "no one may manage their own sign-in here: ask a colleague who may"
    for role in sorted(target_roles):
        grantors = granted_by.get(role)
        if grantors is not None and not set(grantors) & actor_roles:
            who = " or ".join(label(g) for g in grantors)
            return f"only the {who} may manage the sign-in of the {label(role)}"
    return None


def username_candidates(*, email: str, given_name: str, family_name: str):
    """Usernames to try in order: the email's local part, then given.family, each then numbered."""
    bases = []
    for raw in (email.split("@")[0] if email else "", f"{given_name}.{family_name}"):
        base = USERNAME_UNSAFE.sub("", raw.strip().lower().replace(" ", "."))[:140].strip("._-")
        if base and base not in bases:
            bases.append(base)
    if not bases:
        bases = ["staff"]
    yield from bases
    for n in range(2, 10_000):
        yield f"{bases[0]}{n}"
