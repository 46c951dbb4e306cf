"""Safeguarding flags on a person (child protection plan, looked after, SEND, Early Help…).

The list is the pack's `[casework.person_flags]` (id = label); a handler sets or clears one from
the person's safeguarding page. Each change is one transaction with its audit row; a cleared flag
is kept with who cleared it and when."""

import re
from dataclasses import dataclass

from django.db import transaction

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.people.models import Person, PersonFlag
from socialguard.policy.pack import PackError, get_pack

FLAG_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NOTE_MAX = 300


class FlagRefused(ValueError):
    """A refused change: `field` names the form field at fault."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class FlagChoice:
    id: str
    label: str


def parse_person_flags(data: dict) -> tuple[FlagChoice, ...]:
    """The pack's flags, in the pack's order; every problem names its key."""
    casework = data.get("casework") if isinstance(data.get("casework"), dict) else {}
    table = casework.get("person_flags")
    key = "casework.person_flags"
    if not isinstance(table, dict) or not table:
        raise PackError([f"{key}: missing table [{key}] (id = label)"], "policy pack")
    problems = []
    choices = []
    for flag_id, label in table.items():
        if not FLAG_ID.match(flag_id):
            problems.append(f"{key}.{flag_id}: an id is lower-case letters, digits and _")
        elif not isinstance(label, str) or not label.strip():
            problems.append(f"{key}.{flag_id}: the label must be text")
        else:
            choices.append(FlagChoice(flag_id, label.strip()))
    if problems:
        raise PackError(problems, "policy pack [casework.person_flags]")
    return tuple(choices)


_cache: dict[str, tuple[FlagChoice, ...]] = {}


def flag_choices() -> tuple[FlagChoice, ...]:
    pack = get_pack()
    if pack.content_hash not in _cache:
        _cache[pack.content_hash] = parse_person_flags(pack.data)
    return _cache[pack.content_hash]


def flag_labels() -> dict[str, str]:
    return {c.id: c.label for c in flag_choices()}


def label_of(flag_id: str) -> str:
    """A flag no longer in the pack keeps showing, under its id."""
    return flag_labels().get(flag_id, flag_id.replace("_", " "))


def current_flags(person_ids) -> dict[int, list[PersonFlag]]:
    """Flags in force for many people in one query: person id → flags (pack order)."""
    order = {fid: i for i, fid in enumerate(flag_labels())}
    found: dict[int, list[PersonFlag]] = {}
    rows = PersonFlag.objects.filter(person_id__in=list(person_ids), cleared_at=None)
    for flag in rows.select_related("set_by"):
        flag.label = label_of(flag.flag)
        found.setdefault(flag.person_id, []).append(flag)
    for flags in found.values():
        flags.sort(key=lambda f: order.get(f.flag, len(order)))
    return found


def flag_history(person: Person) -> list[PersonFlag]:
    rows = list(person.flags.select_related("set_by", "cleared_by"))
    for flag in rows:
        flag.label = label_of(flag.flag)
    return rows


def _check_flag(flag_id: str) -> str:
    flag_id = (flag_id or "").strip()
    if not flag_id:
        raise FlagRefused("flag", "choose a flag")
    if flag_id not in flag_labels():
        raise FlagRefused("flag", "not one of this school's flags")
    return flag_id


def person_flag_set(*, person: Person, flag: str, note: str, user) -> PersonFlag:
    flag = _check_flag(flag)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise FlagRefused("note", f"at most {NOTE_MAX} characters (you wrote {len(note)})")
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        if PersonFlag.objects.filter(person=person, flag=flag, cleared_at=None).exists():
            raise FlagRefused("flag", f"{label_of(flag)} is already set")
        row = PersonFlag.objects.create(
            person=person, flag=flag, note=note, set_by=user, set_at=clock.now()
        )
        audit_record(
            action="person.flag_set",
            obj=person,
            detail={"flag": flag, "note_length": len(note)},
        )
    return row


def person_flag_clear(*, person: Person, flag: str, user) -> PersonFlag:
    flag = (flag or "").strip()
    if not flag:
        raise FlagRefused("flag", "choose a flag")
    with transaction.atomic():
        row = (
            PersonFlag.objects.select_for_update()
            .filter(person=person, flag=flag, cleared_at=None)
            .first()
        )
        if row is None:
            raise FlagRefused("flag", "that flag is not set on this person")
        row.cleared_at = clock.now()
        row.cleared_by = user
        row.save(update_fields=["cleared_at", "cleared_by"])
        audit_record(action="person.flag_cleared", obj=person, detail={"flag": flag})
    return row
