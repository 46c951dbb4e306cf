"""Account rules from the pack's `[accounts]` table: who may change which role, how long a token
lives. Pure decisions (no database), so they are easy to table-test; services.py applies them."""

from dataclasses import dataclass

# Imported lazily by socialguard.policy.pack (a section validator), so nothing here may import it.


@dataclass(frozen=True)
class RoleRefusal:
    role: str
    granted: bool  # True: the change would give the role; False: take it away
    reason: str


def validate_account_rules(data: dict) -> list[str]:
    """Every problem in `[accounts]`, each naming its key."""
    problems: list[str] = []
    accounts = data.get("accounts")
    if not isinstance(accounts, dict):
        return ["accounts: missing table (token_days, safeguarding_token_days, granted_by)"]
    roles = data.get("roles") or {}
    days = {}
    for name in ("token_days", "safeguarding_token_days"):
        value = accounts.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 366:
            problems.append(f"accounts.{name}: must be a whole number of days from 1 to 366")
        else:
            days[name] = value
    if len(days) == 2 and days["safeguarding_token_days"] > days["token_days"]:
        problems.append("accounts.safeguarding_token_days: must not be longer than token_days")
    granted_by = accounts.get("granted_by")
    if not isinstance(granted_by, dict):
        problems.append("accounts.granted_by: missing table (role = [roles that may grant it])")
        return problems
    for role, grantors in granted_by.items():
        key = f"accounts.granted_by.{role}"
        if role not in roles:
            problems.append(f"{key}: unknown role {role!r}")
        if not isinstance(grantors, list) or not grantors:
            problems.append(f"{key}: must be a non-empty list of roles")
            continue
        for i, grantor in enumerate(grantors):
            if grantor not in roles:
                problems.append(f"{key}[{i}]: unknown role {grantor!r}")
            elif not roles[grantor].get("account"):
                problems.append(f"{key}[{i}]: {grantor!r} cannot sign in, so cannot grant roles")
    for role, spec in roles.items():
        if isinstance(spec, dict) and spec.get("safeguarding") and role not in granted_by:
            problems.append(
                f"accounts.granted_by.{role}: missing (a safeguarding role needs its grantors named)"
            )
    return problems


def refused_role_changes(
    *,
    before: set[str],
    after: set[str],
    actor_roles: set[str] | None,
    is_self: bool,
    granted_by: dict[str, list[str]],
    label=str,
) -> list[RoleRefusal]:
    """The role changes `before -> after` that this actor may not make.

    `actor_roles` None means a trusted system path (the demo loader); an empty set is an actor with
    no roles (for example the command line without --as). Roles the pack does not list in
    `granted_by` may be changed by anyone allowed to run the import at all.
    """
    refusals = []
    for role, granted in [(r, True) for r in sorted(after - before)] + [
        (r, False) for r in sorted(before - after)
    ]:
        if actor_roles is None:
            continue
        if is_self:
            refusals.append(RoleRefusal(role, granted, "no one may change their own roles"))
            continue
        grantors = granted_by.get(role)
        if grantors is not None and not set(grantors) & actor_roles:
            who = " or ".join(label(g) for g in grantors)
            refusals.append(RoleRefusal(role, granted, f"only the {who} may change this role"))
    return refusals


def token_lifetime_days(*, accounts: dict, user_roles: set[str], safeguarding: set[str]) -> int:
    if user_roles & safeguarding:
        return accounts["safeguarding_token_days"]
    return accounts["token_days"]
