"""Policy packs: load a school's policy (TOML), validate every key, expose it read-only.

The pack says *what* (names, deadlines, routes, channels, categories, clause texts);
code says *how*. A problem names the exact key, e.g. `categories[3].route[1]: unknown role 'dls'`.
"""

import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings

ROLE_IDS = (
    "headteacher",
    "dsl",
    "deputy_dsl",
    "dpl",
    "social_media_officer",
    "proprietor",
    "website_admin",
    "line_manager",
    "staff",
    "trainee_teacher",
    "contractor",
    "volunteer",
    "governor",
    "pupil",
    "parent",
    "ex_pupil",
    "other_school_pupil",
    "public",
)
CHANNEL_IDS = (
    "face_to_face",
    "school_email",
    "personal_email",
    "parent_email",
    "school_phone",
    "school_mobile",
    "personal_mobile",
    "withheld_number",
    "letter",
    "video_call",
    "personal_social_media",
    "official_social_media",
    "professional_network",
    "staff_whatsapp",
    "website",
    "newsletter",
    "progress_report",
    "parents_evening",
)
# The channels of PAR-1 that the pack must list as lines of communication with parents.
PARENT_CHANNELS = (
    "letter",
    "school_phone",
    "school_email",
    "face_to_face",
    "website",
    "official_social_media",
    "newsletter",
    "progress_report",
    "parents_evening",
)
REQUIRED_DEADLINES = ("triage", "action", "case", "approval", "parent_reply", "reminder_before")
CLAUSE_KINDS = ("E", "W", "I")


class PackError(ValueError):
    """A policy pack that cannot be used; `problems` lists every key at fault."""

    def __init__(self, problems: list[str], source: str = "policy pack"):
        self.problems = problems
        super().__init__(f"{source} is not valid:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class Clause:
    id: str
    section: str
    kind: str
    text: str
    system: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    text: str
    clauses: tuple = ()


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    clause: str
    route: tuple
    safeguarding: bool = False
    about_staff: bool = False
    # What the report form shows: the concern in plain words, a one-line hint under it, and the
    # heading it is grouped under (groups appear in the order they are first named).
    plain_label: str = ""
    hint: str = ""
    group: str = ""


@dataclass(frozen=True)
class RoleHolder:
    role: str
    external_id: str
    title: str
    given_name: str
    family_name: str
    email: str

    @property
    def display_name(self) -> str:
        return f"{self.title} {self.family_name}".strip()


@dataclass(frozen=True)
class Channel:
    id: str
    label: str
    preference: int
    parents: bool = False
    official: bool = False


@dataclass(frozen=True)
class Pack:
    data: dict
    content_hash: str
    source: str
    school: dict
    roles: dict
    role_holders: tuple
    clauses: dict
    sections: tuple
    categories: dict
    deadlines: dict
    channels: dict
    platforms: tuple
    legal_heads: dict
    extras: dict = field(default_factory=dict)

    @property
    def school_name(self) -> str:
        return self.school["name"]

    def role_label(self, role: str) -> str:
        return self.roles.get(role, {}).get("label", role)

    def holders_of(self, role: str) -> list[RoleHolder]:
        return [h for h in self.role_holders if h.role == role]

    def safeguarding_roles(self) -> set[str]:
        return {r for r, spec in self.roles.items() if spec.get("safeguarding")}

    def staff_roles(self) -> set[str]:
        return {r for r, spec in self.roles.items() if spec.get("staff")}

    def account_roles(self) -> set[str]:
        return {r for r, spec in self.roles.items() if spec.get("account")}

    def deadline_hours(self, name: str) -> int:
        return self.deadlines[name]

    def platform_is_covered(self, name: str) -> bool:
        """COV-1: every platform is covered, named in the pack or not."""
        return bool(name and name.strip())


def _expect(problems: list, value, types, key: str) -> bool:
    if not isinstance(value, types):
        names = (
            types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        )
        problems.append(f"{key}: expected {names}, got {type(value).__name__}")
        return False
    return True


def _required_text(problems, table: dict, name: str, key: str) -> str:
    value = table.get(name)
    if value is None:
        problems.append(f"{key}.{name}: missing")
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key}.{name}: must be non-empty text")
        return ""
    return value


def _validate_roles(problems, data) -> dict:
    roles = data.get("roles")
    if not isinstance(roles, dict):
        problems.append("roles: missing table of roles")
        return {}
    for role_id in ROLE_IDS:
        if role_id not in roles:
            problems.append(
                f"roles.{role_id}: missing (every role of the vocabulary must be defined)"
            )
    for role_id, spec in roles.items():
        if role_id not in ROLE_IDS:
            problems.append(f"roles.{role_id}: unknown role (known: {', '.join(ROLE_IDS)})")
            continue
        if _expect(problems, spec, dict, f"roles.{role_id}"):
            _required_text(problems, spec, "label", f"roles.{role_id}")
            for flag in ("staff", "account", "safeguarding"):
                if flag in spec and not isinstance(spec[flag], bool):
                    problems.append(f"roles.{role_id}.{flag}: must be true or false")
            # the words a reporter may use for the role's holders ("the head", "DSL"): PRIN-a
            words = spec.get("also_called", [])
            if not isinstance(words, list) or not all(
                isinstance(w, str) and w.strip() for w in words
            ):
                problems.append(f"roles.{role_id}.also_called: must be a list of words or phrases")
    return roles


def _validate_holders(problems, data) -> list[RoleHolder]:
    holders = []
    seen = {}
    for i, h in enumerate(data.get("role_holders", [])):
        key = f"role_holders[{i}]"
        if not _expect(problems, h, dict, key):
            continue
        fields = {
            n: _required_text(problems, h, n, key)
            for n in ("role", "external_id", "given_name", "family_name", "email")
        }
        if fields["role"] and fields["role"] not in ROLE_IDS:
            problems.append(f"{key}.role: unknown role {fields['role']!r}")
        if fields["email"] and "@" not in fields["email"]:
            problems.append(f"{key}.email: {fields['email']!r} is not an email address")
        previous = seen.get(fields["external_id"])
        if previous and (previous["given_name"], previous["family_name"]) != (
            fields["given_name"],
            fields["family_name"],
        ):
            problems.append(
                f"{key}.external_id: {fields['external_id']!r} is already used by another person"
            )
        seen[fields["external_id"]] = fields
        holders.append(RoleHolder(title=h.get("title", ""), **fields))
    for role in (
        "headteacher",
        "dsl",
        "deputy_dsl",
        "dpl",
        "social_media_officer",
        "proprietor",
        "website_admin",
    ):
        if not any(h.role == role for h in holders):
            problems.append(f"role_holders: nobody holds the role {role!r}")
    return holders


def _validate_clauses(problems, data, section_ids) -> dict:
    clauses = {}
    for i, c in enumerate(data.get("clauses", [])):
        key = f"clauses[{i}]"
        if not _expect(problems, c, dict, key):
            continue
        cid = _required_text(problems, c, "id", key)
        section = _required_text(problems, c, "section", key)
        text = _required_text(problems, c, "text", key)
        kind = c.get("kind")
        if kind not in CLAUSE_KINDS:
            problems.append(f"{key}.kind: must be one of E, W, I (got {kind!r})")
        if section and section not in section_ids:
            problems.append(f"{key}.section: unknown section {section!r}")
        if cid in clauses:
            problems.append(f"{key}.id: duplicate clause id {cid!r}")
        clauses[cid] = Clause(
            id=cid, section=section, kind=kind, text=text, system=c.get("system", "")
        )
    if not clauses:
        problems.append("clauses: the pack lists no clauses")
    return clauses


def _validate_categories(problems, data, roles, clauses) -> dict:
    categories = {}
    for i, c in enumerate(data.get("categories", [])):
        key = f"categories[{i}]"
        if not _expect(problems, c, dict, key):
            continue
        cid = _required_text(problems, c, "id", key)
        label = _required_text(problems, c, "label", key)
        clause = c.get("clause", "")
        if clause and clause not in clauses:
            problems.append(f"{key}.clause: unknown clause {clause!r}")
        route = c.get("route")
        if not isinstance(route, list) or not route:
            problems.append(f"{key}.route: must be a non-empty list of roles")
            route = []
        for j, role in enumerate(route):
            if role not in roles:
                problems.append(f"{key}.route[{j}]: unknown role {role!r}")
        if cid in categories:
            problems.append(f"{key}.id: duplicate category {cid!r}")
        categories[cid] = Category(
            id=cid,
            label=label,
            clause=clause,
            route=tuple(route),
            safeguarding=bool(c.get("safeguarding", False)),
            about_staff=bool(c.get("about_staff", False)),
            plain_label=_required_text(problems, c, "plain_label", key),
            hint=_required_text(problems, c, "hint", key),
            group=_required_text(problems, c, "group", key),
        )
    for risk in (cid for cid in clauses if cid.startswith("RISK-")):
        if not any(cat.clause == risk for cat in categories.values()):
            problems.append(f"categories: no category covers the risk {risk}")
    return categories


def _validate_deadlines(problems, data) -> dict:
    deadlines = data.get("deadlines")
    if not isinstance(deadlines, dict):
        problems.append("deadlines: missing table of deadlines (hours)")
        return {}
    for name in REQUIRED_DEADLINES:
        if name not in deadlines:
            problems.append(f"deadlines.{name}: missing")
    for name, hours in deadlines.items():
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
            problems.append(f"deadlines.{name}: must be a positive number of hours (got {hours!r})")
    return deadlines


def _validate_channels(problems, data) -> dict:
    channels = {}
    for i, c in enumerate(data.get("channels", [])):
        key = f"channels[{i}]"
        if not _expect(problems, c, dict, key):
            continue
        cid = _required_text(problems, c, "id", key)
        if cid and cid not in CHANNEL_IDS:
            problems.append(f"{key}.id: unknown channel {cid!r} (known: {', '.join(CHANNEL_IDS)})")
        if cid in channels:
            problems.append(f"{key}.id: duplicate channel {cid!r}")
        preference = c.get("preference", 50)
        if isinstance(preference, bool) or not isinstance(preference, int):
            problems.append(f"{key}.preference: must be a whole number")
            preference = 50
        channels[cid] = Channel(
            id=cid,
            label=_required_text(problems, c, "label", key),
            preference=preference,
            parents=bool(c.get("parents", False)),
            official=bool(c.get("official", False)),
        )
    for cid in PARENT_CHANNELS:
        if cid in channels and not channels[cid].parents:
            problems.append(
                f"channels: {cid!r} is one of the policy's lines of communication with parents (PAR-1): set parents = true"
            )
        elif cid not in channels:
            problems.append(f"channels: the channel {cid!r} of PAR-1 is missing")
    return channels


def _check(data: dict) -> tuple[list[str], dict]:
    """Validate the whole pack in one pass; return the problems and the parts built on the way."""
    problems: list[str] = []
    if data.get("pack_format") != 1:
        problems.append(f"pack_format: must be 1 (got {data.get('pack_format')!r})")
    school = data.get("school")
    if _expect(problems, school, dict, "school"):
        for name in ("id", "name", "motto", "timezone", "policy_title", "newsletter_name"):
            _required_text(problems, school, name, "school")
        if "short_name" in school:
            _required_text(problems, school, "short_name", "school")
    roles = _validate_roles(problems, data)
    holders = _validate_holders(problems, data)
    sections = []
    for i, s in enumerate(data.get("sections", [])):
        if _expect(problems, s, dict, f"sections[{i}]"):
            sections.append(
                {
                    n: _required_text(problems, s, n, f"sections[{i}]")
                    for n in ("id", "title", "text")
                }
            )
    clauses = _validate_clauses(problems, data, {s["id"] for s in sections})
    categories = _validate_categories(problems, data, roles, clauses)
    deadlines = _validate_deadlines(problems, data)
    channels = _validate_channels(problems, data)
    platforms = (data.get("platforms") or {}).get("known")
    if not isinstance(platforms, list) or not all(isinstance(p, str) and p for p in platforms):
        problems.append("platforms.known: must be a list of platform names")
        platforms = []
    legal_heads = {}
    for i, head in enumerate(data.get("legal_heads", [])):
        if _expect(problems, head, dict, f"legal_heads[{i}]"):
            legal_heads[_required_text(problems, head, "id", f"legal_heads[{i}]")] = _required_text(
                problems, head, "label", f"legal_heads[{i}]"
            )
    if not problems:
        for validator in _section_validators():
            problems.extend(validator(data))
    parts = {
        "school": school,
        "roles": roles,
        "role_holders": tuple(holders),
        "clauses": clauses,
        "sections": tuple(
            Section(**s, clauses=tuple(c for c in clauses.values() if c.section == s["id"]))
            for s in sections
        ),
        "categories": categories,
        "deadlines": deadlines,
        "channels": channels,
        "platforms": tuple(platforms),
        "legal_heads": legal_heads,
    }
    return problems, parts


def validate(data: dict) -> list[str]:
    """Every problem in the pack, each naming its key. Empty when the pack is usable."""
    return _check(data)[0]


def _section_validators():
    """Apps that own a section of the pack validate it (the contact rules, for example)."""
    validators = []
    try:
        from socialguard.contact.rules import validate_contact_rules
    except ImportError:
        pass
    else:
        validators.append(validate_contact_rules)
    from socialguard.casework.reportform import validate_report_form

    validators.append(validate_report_form)
    from socialguard.people.rules import validate_account_rules

    validators.append(validate_account_rules)
    from socialguard.people.account_rules import validate_account_management

    validators.append(validate_account_management)
    from socialguard.records.retention import validate_retention

    validators.append(validate_retention)
    return validators


def parse(raw: bytes, source: str = "policy pack") -> Pack:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PackError(
            [f"file: not UTF-8 text ({exc.reason} at byte {exc.start})"], source
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise PackError([f"file: not valid TOML: {exc}"], source) from exc
    problems, parts = _check(data)
    if problems:
        raise PackError(problems, source)
    return Pack(data=data, content_hash=hashlib.sha256(raw).hexdigest(), source=source, **parts)


def load_file(path: str | Path) -> Pack:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PackError([f"file: cannot read {path}: {exc.strerror}"], str(path)) from exc
    return parse(raw, source=str(path))


@cache
def _load_cached(path: str, mtime_ns: int) -> Pack:
    return load_file(path)


def get_pack() -> Pack:
    """The school's current pack (re-read when the file changes)."""
    path = str(settings.POLICY_PACK)
    try:
        mtime = Path(path).stat().st_mtime_ns
    except OSError:
        mtime = 0
    return _load_cached(path, mtime)
