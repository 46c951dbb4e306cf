"""“May I contact…?” — the communication rules of the policy pack, answered.

Pure decisions: no Django, no I/O. The rules are data (`[[contact_rules]]` and the tables beside it
in the policy pack); this module checks them and answers one question at a time. The precedence is
written at the top of the pack's section and enforced here: the first matching rule that names the
channel decides, then the first matching catch-all (channels = ["*"]); when none matches the answer
is `contact_default` (not allowed).

    ruleset = load_rules(tomllib.loads(pack_text))
    answer = evaluate(ruleset, ContactQuery(frozenset({"staff"}), frozenset({"pupil"}), "personal_mobile"))
    answer.to_dict()  # {"allowed": False, "clauses": ["PUP-2", ...], "reason": ..., ...}
"""

import string
from dataclasses import dataclass, field

from socialguard.policy.trace import enforces

EFFECTS = ("allow", "allow_with_conditions", "deny")
ANY_CHANNEL = "*"
AUDIENCES = ("community", "public")
# The context a question may carry; a rule's `when` table uses the same names.
CONTEXT_FIELDS = (
    "on_trip",
    "pre_arranged",
    "supervised",
    "has_live_withheld_permission",
    "sender_is_parent_at_school",
    "genuine_need",
)
PLACEHOLDERS = ("channel", "recipient")
_RULE_KEYS = (
    "id",
    "clauses",
    "sender_roles",
    "recipient_roles",
    "channels",
    "when",
    "effect",
    "reason",
    "conditions",
)
_REQUIRED_RULE_KEYS = ("id", "clauses", "sender_roles", "recipient_roles", "channels", "effect")


class ContactRulesError(ValueError):
    """The pack's communication rules cannot be used; `problems` names every key at fault."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ContactQuery:
    """One "May I contact…?" question.

    Roles are role IDs of the pack (a person may hold several); `channel` is a channel ID.
    Context, all false unless the caller knows otherwise:
    - `on_trip`: the sender is on a school trip with the recipient's child or the recipient.
    - `pre_arranged`, `supervised`: a video call was arranged in advance and an adult at the
      pupil's home supervises it (PUP-3).
    - `has_live_withheld_permission`: the sender holds a withheld-number permission granted by the
      Headteacher or proprietor that has not expired (PAR-5); the caller checks it is live.
    - `sender_is_parent_at_school`: the sender is also the parent or carer of a pupil (PERS-13).
    - `genuine_need`: the sender says there is a genuine need for the contact (PERS-13).
    """

    sender_roles: frozenset[str]
    recipient_roles: frozenset[str]
    channel: str
    on_trip: bool = False
    pre_arranged: bool = False
    supervised: bool = False
    has_live_withheld_permission: bool = False
    sender_is_parent_at_school: bool = False
    genuine_need: bool = False

    def __post_init__(self):
        for name in ("sender_roles", "recipient_roles"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise ValueError(f"{name}: expected a set of role IDs, got the text {value!r}")
            object.__setattr__(self, name, frozenset(value))
        for name in CONTEXT_FIELDS:
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name}: must be true or false")

    def context(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in CONTEXT_FIELDS}


@dataclass
class ContactAnswer:
    allowed: bool
    effect: str
    clauses: list[str]
    reason: str
    conditions: list[str]
    alternatives: list[str]
    rule_id: str | None = None  # the pack rule that decided; None when no rule matched
    audience: str = "public"  # LEGAL-2 audience of the recipient

    def to_dict(self) -> dict:
        """The answer in the shape of the DESIGN.md contract (CLI and API)."""
        return {
            "allowed": self.allowed,
            "clauses": list(self.clauses),
            "reason": self.reason,
            "conditions": list(self.conditions),
            "alternatives": list(self.alternatives),
        }


@dataclass(frozen=True)
class ContactRule:
    id: str
    position: int
    clauses: tuple[str, ...]
    sender_roles: frozenset[str]
    recipient_roles: frozenset[str]
    channels: frozenset[str] | None  # None: any channel
    when: tuple[tuple[str, bool], ...]
    effect: str
    reason: str
    conditions: tuple[str, ...]

    def matches(self, query: ContactQuery, channel: str) -> bool:
        return (
            bool(self.sender_roles & query.sender_roles)
            and bool(self.recipient_roles & query.recipient_roles)
            and (self.channels is None or channel in self.channels)
            and all(getattr(query, name) is value for name, value in self.when)
        )

    def hides(self, later: "ContactRule") -> bool:
        """True when this rule, consulted first, matches every question `later` matches."""
        return (
            self.sender_roles >= later.sender_roles
            and self.recipient_roles >= later.recipient_roles
            and (
                self.channels is None
                or (later.channels is not None and self.channels >= later.channels)
            )
            and set(self.when) <= set(later.when)
        )


def decision_order(rules) -> tuple[ContactRule, ...]:
    """Rules that name their channels, in pack order; then the catch-alls (channels = ["*"])."""
    return tuple(r for r in rules if r.channels is not None) + tuple(
        r for r in rules if r.channels is None
    )


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[ContactRule, ...]  # in decision order (see `decision_order`)
    role_labels: dict[str, str]  # in the pack's order
    channel_labels: dict[str, str]
    channels_by_preference: tuple[str, ...]  # PRIN-i: best first
    audiences: dict[str, str]
    default_clauses: tuple[str, ...]
    default_reason: str
    groups: dict[str, frozenset[str]] = field(default_factory=dict)

    @enforces("LEGAL-2")
    def audience_of(self, role: str) -> str:
        """LEGAL-2: "community" (employees, contractors, pupils) or "public" (parents, ex-pupils…)."""
        if role not in self.audiences:
            raise ValueError(f"role: unknown role {role!r}")
        return self.audiences[role]

    def audience_of_roles(self, roles) -> str:
        """Someone holding any community role (a colleague who is also a parent) is community."""
        return "community" if any(self.audience_of(r) == "community" for r in roles) else "public"


# ---- loading and validation ----------------------------------------------------------------


def validate_contact_rules(pack_data: dict) -> list[str]:
    """Every problem in the pack's communication rules, each naming its key. Empty when usable."""
    return _build(pack_data)[0]


def load_rules(pack_data: dict) -> RuleSet:
    """The rule set of a pack (the whole parsed TOML); raises ContactRulesError (a ValueError)."""
    problems, ruleset = _build(pack_data)
    if problems:
        raise ContactRulesError(problems)
    return ruleset


class _Pack:
    """The parts of the pack the rules refer to, read defensively (the pack may be broken)."""

    def __init__(self, data: dict):
        roles = data.get("roles")
        self.role_labels = {
            role: spec.get("label", role) if isinstance(spec, dict) else role
            for role, spec in (roles.items() if isinstance(roles, dict) else ())
        }
        channels = [c for c in _list(data.get("channels")) if isinstance(c, dict) and "id" in c]
        self.channel_labels = {c["id"]: c.get("label", c["id"]) for c in channels}
        preference = {c["id"]: c.get("preference", 50) for c in channels}
        self.channels_by_preference = tuple(
            sorted(preference, key=lambda cid: (_number(preference[cid]), cid))
        )
        self.clause_ids = {
            c["id"] for c in _list(data.get("clauses")) if isinstance(c, dict) and "id" in c
        }


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _number(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 50


def _build(data: dict) -> tuple[list[str], RuleSet | None]:
    problems: list[str] = []
    if not isinstance(data, dict):
        return ["pack: expected a table"], None
    pack = _Pack(data)
    groups = _groups(problems, data, pack)
    audiences = _audiences(problems, data, pack)
    default_clauses, default_reason = _default(problems, data, pack)
    rules = _rules(problems, data, pack, groups)
    if problems:
        return problems, None
    return [], RuleSet(
        rules=tuple(rules),
        role_labels=pack.role_labels,
        channel_labels=pack.channel_labels,
        channels_by_preference=pack.channels_by_preference,
        audiences=audiences,
        default_clauses=default_clauses,
        default_reason=default_reason,
        groups=groups,
    )


def _role_list(problems, value, key, known_roles, groups=None) -> frozenset[str]:
    """A non-empty list of role IDs (and group names, when `groups` is given), expanded."""
    if not isinstance(value, list) or not value:
        problems.append(f"{key}: must be a non-empty list of role IDs")
        return frozenset()
    roles = set()
    for i, name in enumerate(value):
        if groups is not None and name in groups:
            roles |= groups[name]
        elif name in known_roles:
            roles.add(name)
        else:
            what = "unknown role or group" if groups is not None else "unknown role"
            problems.append(f"{key}[{i}]: {what} {name!r}")
    return frozenset(roles)


def _groups(problems, data, pack) -> dict[str, frozenset[str]]:
    table = data.get("contact_groups", {})
    if not isinstance(table, dict):
        problems.append("contact_groups: expected a table of named role lists")
        return {}
    groups = {}
    for name, roles in table.items():
        if name in pack.role_labels:
            problems.append(f"contact_groups.{name}: a group cannot have the name of a role")
            continue
        groups[name] = _role_list(problems, roles, f"contact_groups.{name}", pack.role_labels)
    return groups


def _audiences(problems, data, pack) -> dict[str, str]:
    table = data.get("contact_audience")
    if not isinstance(table, dict):
        problems.append(
            "contact_audience: missing table (LEGAL-2: which roles are community, which public)"
        )
        return {}
    audiences: dict[str, str] = {}
    for key in table:
        if key not in (*AUDIENCES, "clause"):
            problems.append(
                f"contact_audience.{key}: unknown key (known: clause, community, public)"
            )
    for audience in AUDIENCES:
        for role in _role_list(
            problems, table.get(audience), f"contact_audience.{audience}", pack.role_labels
        ):
            if role in audiences:
                problems.append(
                    f"contact_audience.{audience}: role {role!r} is in both community and public"
                )
            audiences[role] = audience
    for role in pack.role_labels:
        if role not in audiences:
            problems.append(f"contact_audience: role {role!r} is in neither community nor public")
    return audiences


def _default(problems, data, pack) -> tuple[tuple[str, ...], str]:
    table = data.get("contact_default")
    if not isinstance(table, dict):
        problems.append("contact_default: missing table (clauses and reason when no rule matches)")
        return (), ""
    clauses = _clause_list(
        problems, table.get("clauses", []), "contact_default.clauses", pack, required=False
    )
    return clauses, _reason(problems, table, "contact_default")


def _clause_list(problems, value, key, pack, required=True) -> tuple[str, ...]:
    if not isinstance(value, list) or (required and not value):
        problems.append(f"{key}: must be a {'non-empty ' if required else ''}list of clause IDs")
        return ()
    for i, clause in enumerate(value):
        if clause not in pack.clause_ids:
            problems.append(f"{key}[{i}]: unknown clause {clause!r}")
    return tuple(value)


def _reason(problems, table, key) -> str:
    reason = table.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        problems.append(
            f"{key}.reason: {'missing' if reason is None else 'must be non-empty text'}"
        )
        return ""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(reason) if name is not None}
    except ValueError as exc:
        problems.append(
            f"{key}.reason: a stray brace ({exc}); placeholders are {{channel}} and {{recipient}}"
        )
        return ""
    for name in sorted(names - set(PLACEHOLDERS)):
        problems.append(
            f"{key}.reason: unknown placeholder {{{name}}} (known: {{channel}}, {{recipient}})"
        )
    return reason


def _channel_list(problems, value, key, pack) -> frozenset[str] | None:
    if not isinstance(value, list) or not value:
        problems.append(
            f'{key}: must be a non-empty list of channel IDs (or ["*"] for any channel)'
        )
        return frozenset()
    if ANY_CHANNEL in value:
        if value != [ANY_CHANNEL]:
            problems.append(f'{key}: "*" (any channel) must be the only entry')
        return None
    for i, channel in enumerate(value):
        if channel not in pack.channel_labels:
            problems.append(f"{key}[{i}]: unknown channel {channel!r}")
    return frozenset(value)


def _when(problems, value, key) -> tuple[tuple[str, bool], ...]:
    if not isinstance(value, dict):
        problems.append(f"{key}: expected a table of context names and true/false")
        return ()
    for name, required in value.items():
        if name not in CONTEXT_FIELDS:
            problems.append(f"{key}.{name}: unknown context (known: {', '.join(CONTEXT_FIELDS)})")
        elif not isinstance(required, bool):
            problems.append(f"{key}.{name}: must be true or false")
    return tuple(sorted(value.items()))


def _effect_and_conditions(problems, raw, key) -> tuple[str, tuple[str, ...]]:
    effect = raw.get("effect")
    if effect not in EFFECTS:
        problems.append(f"{key}.effect: must be one of {', '.join(EFFECTS)} (got {effect!r})")
    conditions = raw.get("conditions", [])
    if not isinstance(conditions, list) or not all(
        isinstance(c, str) and c.strip() for c in conditions
    ):
        problems.append(f"{key}.conditions: must be a list of plain-English sentences")
        return effect, ()
    if effect == "allow_with_conditions" and not conditions:
        problems.append(f"{key}.conditions: required when the effect is allow_with_conditions")
    elif effect in ("allow", "deny") and conditions:
        problems.append(
            f"{key}.conditions: must be empty when the effect is {effect} (use allow_with_conditions)"
        )
    return effect, tuple(conditions)


def _rule(problems, raw, position, pack, groups) -> ContactRule | None:
    key = f"contact_rules[{position}]"
    if not isinstance(raw, dict):
        problems.append(f"{key}: expected a table")
        return None
    for name in raw:
        if name not in _RULE_KEYS:
            problems.append(f"{key}.{name}: unknown key (known: {', '.join(_RULE_KEYS)})")
    for name in _REQUIRED_RULE_KEYS:
        if name not in raw:
            problems.append(f"{key}.{name}: missing")
    rule_id = raw.get("id")
    if "id" in raw and (not isinstance(rule_id, str) or not rule_id.strip()):
        problems.append(f"{key}.id: must be non-empty text")
    effect, conditions = _effect_and_conditions(problems, raw, key)
    return ContactRule(
        id=rule_id if isinstance(rule_id, str) else "",
        position=position,
        clauses=_clause_list(problems, raw.get("clauses"), f"{key}.clauses", pack),
        sender_roles=_role_list(
            problems, raw.get("sender_roles"), f"{key}.sender_roles", pack.role_labels, groups
        ),
        recipient_roles=_role_list(
            problems, raw.get("recipient_roles"), f"{key}.recipient_roles", pack.role_labels, groups
        ),
        channels=_channel_list(problems, raw.get("channels"), f"{key}.channels", pack),
        when=_when(problems, raw.get("when", {}), f"{key}.when"),
        effect=effect,
        reason=_reason(problems, raw, key),
        conditions=conditions,
    )


def _rules(problems, data, pack, groups) -> list[ContactRule]:
    raw_rules = data.get("contact_rules")
    if raw_rules is None:
        problems.append("contact_rules: missing (the pack lists no communication rules)")
        return []
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("contact_rules: must be a non-empty list of rules ([[contact_rules]])")
        return []
    rules: list[ContactRule] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(raw_rules):
        rule = _rule(problems, raw, position, pack, groups)
        if rule is None:
            continue
        if rule.id and rule.id in seen:
            problems.append(
                f"contact_rules[{position}].id: duplicate rule id {rule.id!r} "
                f"(also contact_rules[{seen[rule.id]}])"
            )
        seen.setdefault(rule.id, position)
        rules.append(rule)
    ordered = decision_order(rules)
    for i, rule in enumerate(ordered):
        earlier = next((r for r in ordered[:i] if r.hides(rule)), None)
        if earlier is not None and rule.sender_roles and rule.recipient_roles:
            problems.append(
                f"contact_rules[{rule.position}]: never applies: contact_rules[{earlier.position}] "
                f"({earlier.id!r}) is consulted first and matches every question it matches"
            )
    return list(ordered)


# ---- answering -----------------------------------------------------------------------------


def _check_query(ruleset: RuleSet, query: ContactQuery) -> None:
    for name in ("sender_roles", "recipient_roles"):
        roles = getattr(query, name)
        if not roles:
            raise ValueError(f"{name}: give at least one role")
        for role in sorted(roles):
            if role not in ruleset.role_labels:
                raise ValueError(
                    f"{name}: unknown role {role!r} (known: {', '.join(ruleset.role_labels)})"
                )
    if query.channel not in ruleset.channel_labels:
        raise ValueError(
            f"channel: unknown channel {query.channel!r} (known: {', '.join(ruleset.channel_labels)})"
        )


def _decide(ruleset: RuleSet, query: ContactQuery, channel: str) -> ContactRule | None:
    return next((rule for rule in ruleset.rules if rule.matches(query, channel)), None)


def _alternatives(ruleset: RuleSet, query: ContactQuery) -> list[str]:
    """Channels that would be allowed for the same people and context, best first (PRIN-i)."""
    allowed = []
    for channel in ruleset.channels_by_preference:
        if channel == query.channel:
            continue
        rule = _decide(ruleset, query, channel)
        if rule is not None and rule.effect != "deny":
            allowed.append(channel)
    return allowed


def _recipient_label(ruleset: RuleSet, roles: frozenset[str]) -> str:
    return " / ".join(label for role, label in ruleset.role_labels.items() if role in roles)


@enforces(
    "COV-3", "PRIN-i", "PAR-1", "PAR-3", "PAR-4", "PAR-5", "PAR-6", "PUP-1", "PUP-2", "PUP-3",
    "PERS-3", "PERS-4", "PERS-5", "PERS-9", "PERS-11", "PERS-13", "OFF-1", "OFF-4", "LEGAL-2",
)  # fmt: skip
def evaluate(ruleset: RuleSet, query: ContactQuery) -> ContactAnswer:
    """Answer "May I contact…?": raises ValueError naming the field for an unknown role or channel."""
    _check_query(ruleset, query)
    rule = _decide(ruleset, query, query.channel)
    placeholders = {
        "channel": ruleset.channel_labels[query.channel],
        "recipient": _recipient_label(ruleset, query.recipient_roles),
    }
    effect = rule.effect if rule else "deny"
    return ContactAnswer(
        allowed=effect != "deny",
        effect=effect,
        clauses=list(rule.clauses if rule else ruleset.default_clauses),
        reason=(rule.reason if rule else ruleset.default_reason).format_map(placeholders),
        conditions=list(rule.conditions) if rule else [],
        alternatives=_alternatives(ruleset, query),
        rule_id=rule.id if rule else None,
        audience=ruleset.audience_of_roles(query.recipient_roles),
    )


__all__ = [
    "CONTEXT_FIELDS",
    "EFFECTS",
    "ContactAnswer",
    "ContactQuery",
    "ContactRule",
    "ContactRulesError",
    "RuleSet",
    "decision_order",
    "evaluate",
    "load_rules",
    "validate_contact_rules",
]
