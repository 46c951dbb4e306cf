"""The [casework] table of the policy pack, validated with the exact key at fault."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from socialguard.policy.pack import ROLE_IDS, PackError, get_pack

SPECIAL_OWNERS = ("handler", "victim_line_manager")
SPECIAL_ACTIONS = (
    "police_advice",
    "police_now",
    "lado_referral",
    "line_manager_support",
    "occupational_health",
)
PATHWAY_IDS = ("staff", "pupil", "parent_public")


@dataclass(frozen=True)
class ActionTemplate:
    key: str
    title: str
    clause: str
    owner_role: str
    deadline: str
    internal: bool = True


@dataclass(frozen=True)
class Pathway:
    id: str
    label: str
    clauses: tuple
    outcomes: tuple
    actions: tuple


@dataclass(frozen=True)
class Signpost:
    name: str
    url: str
    description: str


@dataclass(frozen=True)
class CaseworkConfig:
    staff_allegation_route: tuple
    headteacher_allegation_route: tuple
    restricted_roles: tuple
    low_level_roles: tuple
    lado_referral_working_days: int
    known_hash_list: str
    public_reports_per_hour: int
    staff_roles: frozenset
    pupil_roles: frozenset
    public_roles: frozenset
    special_actions: dict
    pathways: dict
    outcomes: dict
    signposting: tuple

    @property
    def known_hash_path(self) -> Path | None:
        if not self.known_hash_list:
            return None
        path = Path(self.known_hash_list)
        return path if path.is_absolute() else Path(settings.DATA_DIR) / path


def _roles(problems, value, key, allow_special=False) -> tuple:
    if not isinstance(value, list) or not value:
        problems.append(f"{key}: must be a non-empty list of roles")
        return ()
    for i, role in enumerate(value):
        if role not in ROLE_IDS and not (allow_special and role in SPECIAL_OWNERS):
            problems.append(f"{key}[{i}]: unknown role {role!r}")
    return tuple(value)


def _action(problems, raw, key, deadlines, action_key="") -> ActionTemplate | None:
    if not isinstance(raw, dict):
        problems.append(f"{key}: expected a table")
        return None
    for name in ("title", "clause", "owner_role", "deadline"):
        if not isinstance(raw.get(name), str) or not raw.get(name, "").strip():
            problems.append(f"{key}.{name}: missing or empty")
    owner = raw.get("owner_role", "")
    if owner and owner not in ROLE_IDS and owner not in SPECIAL_OWNERS:
        problems.append(f"{key}.owner_role: unknown role {owner!r}")
    if raw.get("deadline") and raw["deadline"] not in deadlines:
        problems.append(f"{key}.deadline: {raw['deadline']!r} is not in [deadlines]")
    internal = raw.get("internal", True)
    if not isinstance(internal, bool):
        problems.append(f"{key}.internal: must be true or false")
    return ActionTemplate(
        key=action_key,
        title=raw.get("title", ""),
        clause=raw.get("clause", ""),
        owner_role=owner,
        deadline=raw.get("deadline", ""),
        internal=bool(internal),
    )


def parse_casework(data: dict, deadlines: dict) -> CaseworkConfig:
    """Build the casework configuration from the pack's [casework] table, or raise PackError."""
    problems: list[str] = []
    table = data.get("casework")
    if not isinstance(table, dict):
        raise PackError(["casework: missing table [casework]"])
    routes = {
        name: _roles(problems, table.get(name), f"casework.{name}")
        for name in (
            "staff_allegation_route",
            "headteacher_allegation_route",
            "restricted_roles",
            "low_level_roles",
        )
    }
    groups = {
        name: frozenset(_roles(problems, table.get(name), f"casework.{name}"))
        for name in ("staff_roles", "pupil_roles", "public_roles")
    }
    numbers = {}
    for name in ("lado_referral_working_days", "public_reports_per_hour"):
        value = table.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            problems.append(f"casework.{name}: must be a positive whole number (got {value!r})")
            value = 1
        numbers[name] = value
    known = table.get("known_hash_list", "")
    if not isinstance(known, str):
        problems.append("casework.known_hash_list: must be a path (text)")
        known = ""
    specials = {}
    raw_specials = table.get("special_actions") or {}
    for name in SPECIAL_ACTIONS:
        if name not in raw_specials:
            problems.append(f"casework.special_actions.{name}: missing")
            continue
        specials[name] = _action(
            problems, raw_specials[name], f"casework.special_actions.{name}", deadlines, name
        )
    outcomes = table.get("outcomes")
    if not isinstance(outcomes, dict) or not outcomes:
        problems.append("casework.outcomes: must be a table of outcome id = label")
        outcomes = {}
    pathways = {}
    for i, raw in enumerate(table.get("pathways") or []):
        key = f"casework.pathways[{i}]"
        pid = raw.get("id") if isinstance(raw, dict) else None
        if pid not in PATHWAY_IDS:
            problems.append(f"{key}.id: must be one of {', '.join(PATHWAY_IDS)} (got {pid!r})")
            continue
        for j, outcome in enumerate(raw.get("outcomes") or []):
            if outcome not in outcomes:
                problems.append(f"{key}.outcomes[{j}]: unknown outcome {outcome!r}")
        actions = tuple(
            built
            for j, item in enumerate(raw.get("actions") or [])
            if (built := _action(problems, item, f"{key}.actions[{j}]", deadlines, f"{pid}-{j}"))
            is not None
        )
        pathways[pid] = Pathway(
            id=pid,
            label=raw.get("label", pid),
            clauses=tuple(raw.get("clauses") or ()),
            outcomes=tuple(raw.get("outcomes") or ()),
            actions=actions,
        )
    for pid in PATHWAY_IDS:
        if pid not in pathways:
            problems.append(f"casework.pathways: no pathway with id {pid!r}")
    signposting = []
    for i, raw in enumerate(table.get("signposting") or []):
        if not isinstance(raw, dict) or not all(
            isinstance(raw.get(n), str) and raw.get(n) for n in ("name", "url")
        ):
            problems.append(f"casework.signposting[{i}]: needs a name and a url")
            continue
        signposting.append(Signpost(raw["name"], raw["url"], raw.get("description", "")))
    if not signposting:
        problems.append("casework.signposting: list at least one organisation (REP-2)")
    if problems:
        raise PackError(problems, "policy pack [casework]")
    return CaseworkConfig(
        **routes,
        **groups,
        **numbers,
        known_hash_list=known,
        special_actions=specials,
        pathways=pathways,
        outcomes=dict(outcomes),
        signposting=tuple(signposting),
    )


_cache: dict[str, CaseworkConfig] = {}


def casework_config() -> CaseworkConfig:
    pack = get_pack()
    config = _cache.get(pack.content_hash)
    if config is None:
        config = _cache[pack.content_hash] = parse_casework(pack.data, pack.deadlines)
    return config
