"""PRIN-b: nothing that brings the school into disrepute; PRIN-c: personal views never presented
as the school's."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .findings import Finding

# A negative word this close to a mention of the school or its people, in the same sentence,
# is worth a second pair of eyes. Negation ("not useless") is still sent for review: it is rare in
# official posts, and a reviewer reads it in a second.
_WINDOW_CHARS = 40
_NEGATIVE_WORDS = (
    "useless|incompetent|rubbish|awful|terrible|disgrace|disgraceful|disgusting|shambles|"
    "shambolic|pathetic|hopeless|a joke|clueless|lazy|stupid|idiots|idiotic|appalling|shocking|"
    "dreadful|inept|corrupt|liars?|lying|dishonest|crooks?|frauds?|hateful|sucks|crap|"
    "crappy|unprofessional|negligent|nasty|vile|horrible|abysmal|laughable|ridiculous|"
    "embarrassing|an embarrassment|a waste of|fools|dumb|spineless|cowards|bullies|toxic|"
    "joke of a|cover[- ]up|couldn't care less|don't care|do not care"
)
_NEGATIVE = re.compile(rf"(?<![\w'’])(?:{_NEGATIVE_WORDS})(?![\w'’])", re.IGNORECASE)
_PEOPLE = (
    r"school|academy|staff|teachers?|teaching staff|pupils?|students?|children|kids|"
    r"head|headteacher|head teacher|headmaster|headmistress|management|leadership(?: team)?|"
    r"senior leadership|governors?|office|SLT|senior team"
)
_GENERIC_TARGETS = (
    rf"(?:the|this|our|my|your|their|that|these|those)\s+(?:{_PEOPLE})"
    r"|management|headteacher|head teacher|SLT|senior leadership|governors"
)
_SENTENCE_BREAK = re.compile(r"[.!?\n]")

OFFICIAL_CHANNELS = frozenset({"official_social_media", "website", "newsletter"})
_OPINION = re.compile(
    r"(?<![\w'’])(?:I\s+(?:personally\s+|really\s+|honestly\s+)?(?:think|believe|feel|reckon|suppose)"
    r"|in\s+my\s+(?:personal\s+|own\s+|honest\s+)?(?:view|opinion)"
    r"|my\s+(?:personal\s+|own\s+|honest\s+)?(?:view|opinion)|personally|if\s+you\s+ask\s+me"
    r"|imo|imho)(?![\w'’])",
    re.IGNORECASE,
)


def school_name_variants(name: str) -> set[str]:
    """'St Martin’s' -> St Martin's, St Martins, St. Martin's, Saint Martin's, … (as regex parts)."""
    base = name.strip().replace("’", "'")
    if not base:
        return set()
    forms = {base}
    for saint in ("St ", "St. ", "Saint "):
        if base.startswith(saint):
            rest = base[len(saint) :]
            forms |= {f"{other}{rest}" for other in ("St ", "St. ", "Saint ", "St.")}
    forms |= {form.replace("'s", "s") for form in forms} | {f.replace("'s", "") for f in forms}
    return {re.escape(form).replace("'", "['’]?").replace(r"\ ", r"\s+") for form in forms}


class DisparagingCheck:
    def __init__(self, school_names: Iterable[str] = ()):
        names = set().union(*(school_name_variants(n) for n in school_names))
        alternatives = "|".join(sorted(names, key=len, reverse=True) + [_GENERIC_TARGETS])
        self._targets = re.compile(rf"(?<![\w'’])(?:{alternatives})(?![\w])", re.IGNORECASE)

    def findings(self, text: str) -> list[Finding]:
        targets = [m.span() for m in self._targets.finditer(text)]
        if not targets:
            return []
        found = []
        for negative in _NEGATIVE.finditer(text):
            target = _nearest_in_sentence(text, negative.span(), targets)
            if target is None:
                continue
            start, end = min(target[0], negative.start()), max(target[1], negative.end())
            found.append(_disparaging(start, end, text[target[0] : target[1]], negative.group()))
        return found


def _nearest_in_sentence(text: str, span: tuple[int, int], targets) -> tuple[int, int] | None:
    for target in targets:
        gap = (target[1], span[0]) if target[1] <= span[0] else (span[1], target[0])
        if gap[1] - gap[0] > _WINDOW_CHARS or gap[0] > gap[1]:
            continue
        if not _SENTENCE_BREAK.search(text, gap[0], gap[1]):
            return target
    return None


def _disparaging(start: int, end: int, target: str, word: str) -> Finding:
    return Finding(
        "disparaging",
        "PRIN-b",
        "review",
        start,
        end,
        f"“{word}” near “{target}” may read as disparaging the school or its people.",
        "Say what happened and what the school is doing, without judging the school or anyone in it.",
    )


def opinion_findings(text: str, channel: str, official_channels: frozenset[str]) -> list[Finding]:
    if channel not in official_channels:
        return []
    return [
        Finding(
            "personal_opinion",
            "PRIN-c",
            "review",
            m.start(),
            m.end(),
            f"“{m.group()}” presents a personal view on an official school channel.",
            "Speak for the school (“we”, “the school”) or keep personal views off official channels.",
        )
        for m in _OPINION.finditer(text)
    ]
