"""PRIN-d: names of people in the school directory.

What is matched, per person: the full name (given names + family name), the first given name +
family name, and the preferred name + family name — case-insensitive, whole words, possessives
included ("Amy Jones's" is found; the span covers "Amy Jones").

What is not matched, on purpose: a first name or a family name alone. In a directory of thousands,
every common first name belongs to many pupils and many are ordinary words (Grace, Joy, May, Will,
Hope), so a first name alone would flag nearly every post and tell the reviewer nothing; schools
also routinely use first names alone ("Well done, Amy!") as the way to celebrate a pupil without
identifying them. Restricted pupils are protected by the photo check (IMG-3) as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .findings import Finding
from .wordmatch import FoldedText, PhraseMatcher, drop_contained

PUPIL_ROLES = frozenset({"pupil", "ex_pupil", "other_school_pupil"})
PARENT_ROLES = frozenset({"parent"})

# Higher rank = more serious; when several people share a name the most serious one decides.
_RANK_OTHER, _RANK_PARENT, _RANK_PUPIL, _RANK_RESTRICTED = 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    external_id: str
    role: str
    given_name: str
    family_name: str
    preferred_name: str | None = None
    restricted: bool = False


@dataclass(frozen=True, slots=True)
class _NameKind:
    rank: int
    is_pupil: bool


def _kind_for(entry: DirectoryEntry) -> _NameKind:
    is_pupil = entry.role in PUPIL_ROLES
    if entry.restricted:
        return _NameKind(_RANK_RESTRICTED, is_pupil)
    if is_pupil:
        return _NameKind(_RANK_PUPIL, True)
    if entry.role in PARENT_ROLES:
        return _NameKind(_RANK_PARENT, False)
    return _NameKind(_RANK_OTHER, False)


def name_forms(entry: DirectoryEntry) -> set[str]:
    """The written forms of a person's name that the check looks for."""
    family = (entry.family_name or "").strip()
    if not family:
        return set()
    given = (entry.given_name or "").strip()
    forms = set()
    if given:
        forms.add(f"{given} {family}")
        forms.add(f"{given.split()[0]} {family}")
    preferred = (entry.preferred_name or "").strip()
    if preferred:
        forms.add(f"{preferred} {family}")
    return forms


def _more_serious(old: _NameKind, new: _NameKind) -> _NameKind:
    return new if new.rank > old.rank else old


class DirectoryNames:
    """One automaton over every name form in the directory, built once."""

    def __init__(self, directory: Iterable[DirectoryEntry]):
        phrases = ((form, _kind_for(e)) for e in directory for form in name_forms(e))
        self._matcher = PhraseMatcher(phrases, merge=_more_serious)

    def __len__(self) -> int:
        return len(self._matcher)

    def findings(self, folded: FoldedText) -> list[Finding]:
        matches = drop_contained(list(self._matcher.iter_folded(folded)), rank=lambda k: k.rank)
        out = []
        for start, end, kind in matches:
            start, end = folded.span(start, end)
            out.append(_finding(kind, start, end, folded.original[start:end]))
        return out


def _finding(kind: _NameKind, start: int, end: int, name: str) -> Finding:
    # The message for a restricted pupil is the same as for any pupil: a post must never reveal
    # that a child is on the restricted list. Only the severity differs.
    if kind.rank == _RANK_RESTRICTED:
        who = "a pupil" if kind.is_pupil else "a person from the school directory"
        return Finding(
            "names",
            "PRIN-d",
            "block",
            start,
            end,
            f"This names {who}: “{name}”.",
            "Remove the name.",
        )
    if kind.rank == _RANK_PUPIL:
        return Finding(
            "names",
            "PRIN-d",
            "review",
            start,
            end,
            f"This names a pupil: “{name}”. A pupil's full name is personal information.",
            "Use the first name only, or no name, unless the school has consent to name this pupil.",
        )
    if kind.rank == _RANK_PARENT:
        return Finding(
            "names",
            "PRIN-d",
            "review",
            start,
            end,
            f"This names a parent or carer: “{name}”. Their name can identify their child.",
            "Check they agreed to be named, or remove the name.",
        )
    return Finding(
        "names",
        "PRIN-d",
        "info",
        start,
        end,
        f"This names a member of the school community: “{name}”.",
        "Staff names are normal on official posts; never add their personal contact details.",
    )
