"""PRIN-g: jargon-free plain English — a jargon list with plain alternatives, and readability."""

from __future__ import annotations

import re
from importlib import resources

from textstat.backend.utils import constants as textstat_constants
from textstat.backend.utils import get_cmudict, get_lang_cfg, get_pyphen

from .findings import Finding
from .wordmatch import FoldedText, PhraseMatcher, drop_contained

MIN_WORDS_FOR_READABILITY = 30


def load_jargon() -> dict[str, str]:
    """The shipped list, `data/jargon.tsv`: phrase -> plain alternative (sources in the file)."""
    jargon = {}
    text = resources.files(__package__).joinpath("data/jargon.tsv").read_text(encoding="utf-8")
    rows = (line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    header = next(rows).split("\t")
    if header[:2] != ["phrase", "alternative"]:
        raise ValueError(f"jargon.tsv: unexpected header {header}")
    for row in rows:
        phrase, alternative, *_source = row.split("\t")
        jargon[phrase.strip()] = alternative.strip()
    return jargon


class JargonCheck:
    def __init__(self, jargon: dict[str, str]):
        self._matcher = PhraseMatcher(jargon.items())

    def findings(self, folded: FoldedText) -> list[Finding]:
        found = []
        for start, end, alternative in drop_contained(list(self._matcher.iter_folded(folded))):
            start, end = folded.span(start, end)
            phrase = folded.original[start:end]
            found.append(
                Finding(
                    "jargon",
                    "PRIN-g",
                    "info",
                    start,
                    end,
                    f"“{phrase}” is jargon; a plainer word is easier for every reader.",
                    alternative,
                )
            )
        return found


# textstat 0.7.8's own tokenisation (textstat.backend: remove_punctuation, list_words,
# count_sentences), repeated here so each word's syllable count can be cached across posts.
_NONCONTRACTION_APOSTROPHE = re.compile(textstat_constants.RE_NONCONTRACTION_APOSTROPHE)
_PUNCTUATION = re.compile(r"[^\w\s\']")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)
_LANG = "en_US"  # textstat's default language


def _words(text: str) -> list[str]:
    return _PUNCTUATION.sub("", _NONCONTRACTION_APOSTROPHE.sub("", text)).split()


class ReadingEase:
    """Flesch reading ease exactly as `textstat.flesch_reading_ease` (0.7.8, en_US) computes it,
    about ten times faster on a stream of posts: textstat caches whole texts, this caches words.
    tests/publishing/test_text_checks.py holds the two to the same numbers."""

    _MAX_CACHED_WORDS = 200_000

    def __init__(self):
        self._cmudict = get_cmudict(_LANG)  # loads once (~1 s), here rather than on a first post
        self._pyphen = get_pyphen(_LANG)
        self._syllables: dict[str, int] = {}
        self._base = get_lang_cfg("en", "fre_base")
        self._per_sentence_length = get_lang_cfg("en", "fre_sentence_length")
        self._per_syllable = get_lang_cfg("en", "fre_syll_per_word")

    def word_count(self, text: str) -> int:
        return len(_words(text))

    def score(self, text: str) -> float:
        words = _words(text)
        if not words:
            return 0.0
        sentences = _SENTENCE.findall(text)
        ignored = sum(1 for sentence in sentences if len(_words(sentence)) <= 2)
        words_per_sentence = len(words) / max(1, len(sentences) - ignored)
        syllables = sum(self._syllables_in(word.lower()) for word in words)
        syllables_per_word = syllables / len(words)
        if words_per_sentence == 0 or syllables_per_word == 0:
            return 0.0
        return (
            self._base
            - self._per_sentence_length * words_per_sentence
            - self._per_syllable * syllables_per_word
        )

    def _syllables_in(self, word: str) -> int:
        count = self._syllables.get(word)
        if count is None:
            try:
                count = sum(1 for phone in self._cmudict[word][0] if phone[-1].isdigit())
            except (TypeError, IndexError, KeyError):
                count = len(self._pyphen.positions(word)) + 1
            if len(self._syllables) >= self._MAX_CACHED_WORDS:
                self._syllables.clear()
            self._syllables[word] = count
        return count


def readability_findings(reading_ease: ReadingEase, text: str, target: float) -> list[Finding]:
    if reading_ease.word_count(text) < MIN_WORDS_FOR_READABILITY:
        return []  # the formula means little on a few words
    score = reading_ease.score(text)
    if score >= target:
        return []
    return [
        Finding(
            "readability",
            "PRIN-g",
            "review",
            0,
            len(text),
            f"Reading ease is {score:.0f}, below the target of {target:.0f} "
            "(Flesch reading ease: higher is easier to read).",
            "Use shorter sentences and everyday words.",
        )
    ]
