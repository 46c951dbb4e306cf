"""The declarations part of the policy pack: declaration items, exception kinds, training kinds.

Validated here with problems that name the exact key (`declaration_items[3].ok_answer: …`), so a
school editing its pack sees what to fix.
"""

from dataclasses import dataclass

from socialguard.policy.pack import ROLE_IDS, Pack, PackError, get_pack

ANSWERS = ("yes", "no")


@dataclass(frozen=True)
class DeclarationItem:
    id: str
    clause: str
    question: str
    ok_answer: str
    guidance: str
    hint: str = ""
    report: bool = False
    exception_kind: str = ""


@dataclass(frozen=True)
class ExceptionKind:
    id: str
    label: str


@dataclass(frozen=True)
class TrainingKind:
    id: str
    label: str
    clause: str
    required_for: tuple
    recorded_by: tuple


@dataclass(frozen=True)
class DeclarationsPack:
    items: tuple
    also_roles: tuple
    first_due_days: int
    reminder_days: int
    review_hours: int
    exception_kinds: dict
    approver_roles: tuple
    exception_max_days: int
    training_kinds: dict
    training_reminder_days: int
    declarer_roles: frozenset

    def item(self, item_id: str) -> DeclarationItem | None:
        return next((i for i in self.items if i.id == item_id), None)


def _text(problems, table, name, key, required=True) -> str:
    value = table.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(f"{key}.{name}: must be non-empty text")
        return ""
    return value


def _days(problems, table, name, key) -> int:
    value = table.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        problems.append(f"{key}.{name}: must be a positive whole number of days (got {value!r})")
        return 1
    return value


def _roles(problems, table, name, key) -> tuple:
    value = table.get(name)
    if not isinstance(value, list) or not value:
        problems.append(f"{key}.{name}: must be a non-empty list of role IDs")
        return ()
    for i, role in enumerate(value):
        if role not in ROLE_IDS:
            problems.append(f"{key}.{name}[{i}]: unknown role {role!r}")
    return tuple(value)


def _items(problems, data, clauses, exception_kinds) -> tuple:
    items, seen = [], set()
    raw = data.get("declaration_items")
    if not isinstance(raw, list) or not raw:
        problems.append("declaration_items: the pack lists no declaration items")
        return ()
    for i, entry in enumerate(raw):
        key = f"declaration_items[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{key}: expected a table")
            continue
        item = DeclarationItem(
            id=_text(problems, entry, "id", key),
            clause=_text(problems, entry, "clause", key),
            question=_text(problems, entry, "question", key),
            ok_answer=entry.get("ok_answer", ""),
            guidance=_text(problems, entry, "guidance", key),
            hint=_text(problems, entry, "hint", key, required=False),
            report=bool(entry.get("report", False)),
            exception_kind=_text(problems, entry, "exception_kind", key, required=False),
        )
        if item.ok_answer not in ANSWERS:
            problems.append(f"{key}.ok_answer: must be 'yes' or 'no' (got {item.ok_answer!r})")
        if item.clause and item.clause not in clauses:
            problems.append(f"{key}.clause: unknown clause {item.clause!r}")
        if item.exception_kind and item.exception_kind not in exception_kinds:
            problems.append(f"{key}.exception_kind: unknown exception kind {item.exception_kind!r}")
        if item.id in seen:
            problems.append(f"{key}.id: duplicate item {item.id!r}")
        seen.add(item.id)
        items.append(item)
    return tuple(items)


def _exception_kinds(problems, table) -> dict:
    kinds = {}
    for i, entry in enumerate(table.get("kinds") or []):
        key = f"exceptions.kinds[{i}]"
        kind = ExceptionKind(
            id=_text(problems, entry, "id", key), label=_text(problems, entry, "label", key)
        )
        kinds[kind.id] = kind
    if not kinds:
        problems.append("exceptions.kinds: the pack lists no kinds of exception")
    return kinds


def _training_kinds(problems, table, clauses) -> dict:
    kinds = {}
    for i, entry in enumerate(table.get("kinds") or []):
        key = f"training.kinds[{i}]"
        kind = TrainingKind(
            id=_text(problems, entry, "id", key),
            label=_text(problems, entry, "label", key),
            clause=_text(problems, entry, "clause", key),
            required_for=_roles(problems, entry, "required_for", key),
            recorded_by=_roles(problems, entry, "recorded_by", key),
        )
        if kind.clause and kind.clause not in clauses:
            problems.append(f"{key}.clause: unknown clause {kind.clause!r}")
        if kind.id in kinds:
            problems.append(f"{key}.id: duplicate training kind {kind.id!r}")
        kinds[kind.id] = kind
    if not kinds:
        problems.append("training.kinds: the pack lists no kinds of training")
    return kinds


def parse_declarations(pack: Pack) -> DeclarationsPack:
    data = pack.data
    problems: list[str] = []
    settings_table = data.get("declarations") or {}
    exceptions_table = data.get("exceptions") or {}
    training_table = data.get("training") or {}
    for name, table in (
        ("declarations", settings_table),
        ("exceptions", exceptions_table),
        ("training", training_table),
    ):
        if not table:
            problems.append(f"{name}: missing table")
    exception_kinds = _exception_kinds(problems, exceptions_table)
    also_roles = _roles(problems, settings_table, "also_roles", "declarations")
    result = DeclarationsPack(
        items=_items(problems, data, pack.clauses, exception_kinds),
        also_roles=also_roles,
        first_due_days=_days(problems, settings_table, "first_due_days", "declarations"),
        reminder_days=_days(problems, settings_table, "reminder_days", "declarations"),
        review_hours=pack.deadlines.get("declaration_review", 0),
        exception_kinds=exception_kinds,
        approver_roles=_roles(problems, exceptions_table, "approver_roles", "exceptions"),
        exception_max_days=_days(problems, exceptions_table, "max_days", "exceptions"),
        training_kinds=_training_kinds(problems, training_table, pack.clauses),
        training_reminder_days=_days(problems, training_table, "reminder_days", "training"),
        declarer_roles=frozenset(pack.staff_roles()) | frozenset(also_roles),
    )
    if not result.review_hours:
        problems.append("deadlines.declaration_review: missing (hours between declarations)")
    if problems:
        raise PackError(problems, pack.source)
    return result


_cache: dict[str, DeclarationsPack] = {}


def declarations_pack(pack: Pack | None = None) -> DeclarationsPack:
    pack = pack or get_pack()
    if pack.content_hash not in _cache:
        _cache[pack.content_hash] = parse_declarations(pack)
    return _cache[pack.content_hash]
