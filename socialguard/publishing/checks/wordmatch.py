"""Whole-word phrase matching with Aho-Corasick, reporting spans in the original text.

Texts and phrases are folded the same way (lower case, curly apostrophes made straight, runs of
whitespace made one space), so "Amy  JONES’s" finds "amy jones". Folding usually keeps every
offset; when it cannot (collapsed whitespace, a letter whose lower case is longer), a map back to
the original offsets is built for that text only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import ahocorasick

_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"}
_WHITESPACE = {c: " " for c in "\t\n\r\v\f\u00a0\u2007\u202f\u2009\u200a\u2002\u2003"}
_FOLD_TABLE = str.maketrans({**_APOSTROPHES, **_WHITESPACE})


class FoldedText:
    """A text folded for matching, able to map a span of the folded text back to the original."""

    __slots__ = ("original", "text", "_origin")

    def __init__(self, original: str):
        self.original = original
        folded = original.lower().translate(_FOLD_TABLE)
        if len(folded) == len(original) and "  " not in folded:
            self.text, self._origin = folded, None
        else:
            self.text, self._origin = _fold_with_map(original)

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self._origin is None:
            return start, end
        return self._origin[start], self._origin[end - 1] + 1


def _fold_with_map(original: str) -> tuple[str, list[int]]:
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(original):
        folded = char.lower().translate(_FOLD_TABLE)
        if folded == " " and chars and chars[-1] == " ":
            continue
        chars.extend(folded)
        origin.extend([index] * len(folded))
    return "".join(chars), origin


def fold_phrase(phrase: str) -> str:
    return FoldedText(phrase.strip()).text


def is_whole_word(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is not part of a longer word.

    A hyphen or apostrophe joining letters counts as part of the word, so "Amy Jones" is not found
    in "Amy Jones-Smith" and "Arcy" is not found in "d'Arcy"; a possessive "Jones's" still ends at
    the apostrophe.
    """
    if start > 0:
        before = text[start - 1]
        if before.isalnum() or before == "_":
            return False
        if before in "-'" and start > 1 and text[start - 2].isalnum():
            return False
    if end < len(text):
        after = text[end]
        if after.isalnum() or after == "_":
            return False
        if after == "-" and end + 1 < len(text) and text[end + 1].isalnum():
            return False
    return True


class PhraseMatcher:
    """Finds whole-word occurrences of many phrases in one pass. Each phrase carries a payload."""

    def __init__(self, phrases: Iterable[tuple[str, object]], *, merge=None):
        """`merge(old, new)` decides the payload when two phrases fold to the same key."""
        self._automaton = ahocorasick.Automaton()
        payloads: dict[str, object] = {}
        for phrase, payload in phrases:
            key = fold_phrase(phrase)
            if not key:
                continue
            if key in payloads and merge is not None:
                payload = merge(payloads[key], payload)
            payloads[key] = payload
        for key, payload in payloads.items():
            self._automaton.add_word(key, (len(key), payload))
        self._empty = not payloads
        if not self._empty:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return 0 if self._empty else len(self._automaton)

    def iter_folded(self, folded: FoldedText) -> Iterator[tuple[int, int, object]]:
        """Yield (start, end, payload) in the folded text, whole words only, overlaps included."""
        if self._empty:
            return
        text = folded.text
        for last, (length, payload) in self._automaton.iter(text):
            start = last - length + 1
            if is_whole_word(text, start, last + 1):
                yield start, last + 1, payload


def drop_contained(matches: list[tuple[int, int, object]], rank=None) -> list:
    """Keep the longest of overlapping matches; a shorter match inside a longer one survives only
    when `rank(payload)` says it matters more than the longer one."""
    ordered = sorted(matches, key=lambda m: (m[0], -(m[1] - m[0])))
    kept: list[tuple[int, int, object]] = []
    for match in ordered:
        start, end, payload = match
        covered = any(
            k_start <= start and end <= k_end and (rank is None or rank(k_payload) >= rank(payload))
            for k_start, k_end, k_payload in kept
        )
        if not covered:
            kept.append(match)
    return kept
