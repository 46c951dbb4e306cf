"""The consent part of the policy pack: purposes (with their plain-words description of where the
picture goes), how consent may be given, how long an e-consent link works, the match threshold.

Problems name the exact key (`consent.purposes[2].online: ...`), so a school editing its pack
sees what to fix.
"""

from dataclasses import dataclass

from socialguard.policy.pack import Pack, PackError, get_pack

from .photo_check import PURPOSES


@dataclass(frozen=True)
class Purpose:
    id: str
    label: str
    description: str
    online: bool
    public: bool


@dataclass(frozen=True)
class ConsentPack:
    purposes: tuple[Purpose, ...]
    methods: tuple[str, ...]
    link_expiry_days: int
    match_threshold: float | None

    def purpose(self, purpose_id: str) -> Purpose:
        return next(p for p in self.purposes if p.id == purpose_id)

    @property
    def labels(self) -> dict[str, str]:
        return {p.id: p.label for p in self.purposes}


METHOD_LABELS = {
    "paper_form": "Paper form",
    "e_consent": "E-consent link",
    "email": "Email",
    "letter": "Letter",
    "in_person": "In person",
    "phone": "Phone call",
    "import": "Imported from the school information system",
}


def _purposes(problems: list[str], table: dict) -> tuple[Purpose, ...]:
    raw = table.get("purposes")
    if not isinstance(raw, list):
        problems.append("consent.purposes: must list the purposes")
        return ()
    found = []
    for i, entry in enumerate(raw):
        key = f"consent.purposes[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{key}: expected a table")
            continue
        for name in ("id", "label", "description"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                problems.append(f"{key}.{name}: must be non-empty text")
        for name in ("online", "public"):
            if not isinstance(entry.get(name), bool):
                problems.append(f"{key}.{name}: must be true or false")
        if entry.get("id") not in PURPOSES:
            problems.append(
                f"{key}.id: unknown purpose {entry.get('id')!r} (known: {', '.join(PURPOSES)})"
            )
        found.append(
            Purpose(
                id=str(entry.get("id", "")),
                label=str(entry.get("label", "")),
                description=str(entry.get("description", "")),
                online=bool(entry.get("online")),
                public=bool(entry.get("public")),
            )
        )
    missing = set(PURPOSES) - {p.id for p in found}
    if missing:
        problems.append(f"consent.purposes: missing purpose(s) {', '.join(sorted(missing))}")
    order = {p: i for i, p in enumerate(PURPOSES)}
    return tuple(sorted(found, key=lambda p: order.get(p.id, 99)))


def consent_settings(pack: Pack | None = None) -> ConsentPack:
    pack = pack or get_pack()
    table = pack.data.get("consent")
    if not isinstance(table, dict):
        raise PackError(["consent: the pack has no [consent] table"], pack.source)
    problems: list[str] = []
    purposes = _purposes(problems, table)
    days = table.get("link_expiry_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        problems.append(
            f"consent.link_expiry_days: must be a whole number of days, 1 to 365 (got {days!r})"
        )
    methods = table.get("methods")
    if not isinstance(methods, list) or not methods:
        problems.append("consent.methods: must list how consent may be given")
        methods = []
    for i, method in enumerate(methods):
        if method not in METHOD_LABELS:
            problems.append(
                f"consent.methods[{i}]: unknown method {method!r} (known: {', '.join(METHOD_LABELS)})"
            )
    threshold = table.get("match_threshold")
    if threshold is not None and (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not 0 < threshold < 2
    ):
        problems.append(
            f"consent.match_threshold: must be a distance between 0 and 2 (got {threshold!r})"
        )
    if problems:
        raise PackError(problems, pack.source)
    return ConsentPack(
        purposes=purposes,
        methods=tuple(methods),
        link_expiry_days=days,
        match_threshold=float(threshold) if threshold is not None else None,
    )
