"""The `[monitoring]` table of the policy pack, validated here with errors naming the key."""

from dataclasses import dataclass

from socialguard.policy.pack import ROLE_IDS, Pack, PackError, get_pack

SOURCES = (
    "squid", "squid-extended", "umbrella", "zscaler", "fortigate", "sophos",
    "google-workspace", "m365", "postfix", "exim",
)  # fmt: skip


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    concern_category: str
    keywords: tuple
    domains: tuple
    severity: dict  # age band id (or "staff", "default") -> severity


@dataclass(frozen=True)
class AgeBand:
    id: str
    label: str
    year_groups: frozenset


@dataclass(frozen=True)
class MonitoringPack:
    severities: tuple
    urgent: frozenset
    notify_roles: tuple
    notify_every_hours: int
    retention_days: int
    warrant_max_days: int
    warrant_approver: str
    warrant_fallback_approver: str
    searcher_roles: frozenset
    categories: dict
    age_bands: tuple
    senior_leader: str
    governor: str

    def band_of(self, year_group: str) -> str:
        for band in self.age_bands:
            if year_group in band.year_groups:
                return band.id
        return "default"

    def severity_for(self, category: Category, band: str) -> str:
        return category.severity.get(band) or category.severity["default"]


def _int(problems, table, name, default) -> int:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        problems.append(f"monitoring.{name}: must be a positive whole number (got {value!r})")
        return default
    return value


def _text_list(problems, value, key, allow_empty=False) -> tuple:
    if not isinstance(value, list) or (not value and not allow_empty):
        problems.append(f"{key}: must be a non-empty list of text")
        return ()
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            problems.append(f"{key}[{i}]: must be non-empty text")
        else:
            out.append(item.strip().lower())
    return tuple(out)


def _role(problems, table, name) -> str:
    value = table.get(name)
    if value not in ROLE_IDS:
        problems.append(f"monitoring.{name}: unknown role {value!r}")
    return value or ""


def _categories(problems, raw, severities, bands, concern_categories) -> dict:
    if not isinstance(raw, list) or not raw:
        problems.append("monitoring.categories: the pack lists no monitoring categories")
        return {}
    out = {}
    for i, entry in enumerate(raw):
        key = f"monitoring.categories[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{key}: expected a table")
            continue
        cid, label = entry.get("id"), entry.get("label")
        for name, value in (("id", cid), ("label", label)):
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{key}.{name}: must be non-empty text")
        concern = entry.get("concern_category")
        if concern not in concern_categories:
            problems.append(f"{key}.concern_category: unknown casework category {concern!r}")
        keywords = _text_list(problems, entry.get("keywords", []), f"{key}.keywords", True)
        domains = _text_list(problems, entry.get("domains", []), f"{key}.domains", True)
        if not keywords and not domains:
            problems.append(f"{key}: give keywords or domains (or both)")
        severity = entry.get("severity")
        if not isinstance(severity, dict) or "default" not in severity:
            problems.append(f"{key}.severity: must be a table with at least `default`")
            severity = {"default": severities[0] if severities else "low"}
        for band, level in severity.items():
            if band not in bands and band not in ("default", "staff"):
                problems.append(f"{key}.severity.{band}: unknown age band {band!r}")
            if level not in severities:
                problems.append(f"{key}.severity.{band}: unknown severity {level!r}")
        if cid in out:
            problems.append(f"{key}.id: duplicate category {cid!r}")
        out[cid] = Category(
            cid, label or "", concern or "", keywords, domains, {str(k): v for k, v in severity.items()}
        )
    return out


def parse_monitoring(pack: Pack) -> MonitoringPack:
    problems: list[str] = []
    table = pack.data.get("monitoring")
    if not isinstance(table, dict):
        raise PackError(["monitoring: the pack has no [monitoring] table"], pack.source)
    severities = _text_list(problems, table.get("severities"), "monitoring.severities")
    urgent = _text_list(problems, table.get("urgent_severities"), "monitoring.urgent_severities")
    for i, level in enumerate(urgent):
        if level not in severities:
            problems.append(f"monitoring.urgent_severities[{i}]: unknown severity {level!r}")
    notify = _text_list(problems, table.get("notify_roles"), "monitoring.notify_roles")
    searchers = _text_list(problems, table.get("warrant_searcher_roles"), "monitoring.warrant_searcher_roles")
    for key, roles in (("notify_roles", notify), ("warrant_searcher_roles", searchers)):
        for i, role in enumerate(roles):
            if role not in ROLE_IDS:
                problems.append(f"monitoring.{key}[{i}]: unknown role {role!r}")
    bands = []
    for i, entry in enumerate(table.get("age_bands") or []):
        key = f"monitoring.age_bands[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            problems.append(f"{key}.id: must be non-empty text")
            continue
        groups = entry.get("year_groups")
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            problems.append(f"{key}.year_groups: must be a list of year groups")
            groups = []
        bands.append(AgeBand(entry["id"], str(entry.get("label", entry["id"])), frozenset(groups)))
    band_ids = {b.id for b in bands}
    concern_categories = set(getattr(pack, "categories", {}) or {})
    categories = _categories(problems, table.get("categories"), severities, band_ids, concern_categories)
    config = MonitoringPack(
        severities=severities,
        urgent=frozenset(urgent),
        notify_roles=notify,
        notify_every_hours=_int(problems, table, "notify_every_hours", 1),
        retention_days=_int(problems, table, "retention_days", 90),
        warrant_max_days=_int(problems, table, "warrant_max_days", 14),
        warrant_approver=_role(problems, table, "warrant_approver"),
        warrant_fallback_approver=_role(problems, table, "warrant_fallback_approver"),
        searcher_roles=frozenset(searchers),
        categories=categories,
        age_bands=tuple(bands),
        senior_leader=str(table.get("senior_leader", "")),
        governor=str(table.get("governor", "")),
    )
    if problems:
        raise PackError(problems, pack.source)
    return config


_cache: dict = {}


def monitoring_pack(pack: Pack | None = None) -> MonitoringPack:
    pack = pack or get_pack()
    if pack.content_hash not in _cache:
        _cache[pack.content_hash] = parse_monitoring(pack)
    return _cache[pack.content_hash]
