"""The draft-post text check: one `PostChecker`, built once per directory, checks many posts.

    checker = PostChecker(directory, school_names=["St Martin’s"])
    result = checker.check("Well done to Amy Jones!", "official_social_media")
    result.verdict            # "review"
    result.to_dict()          # {"verdict": ..., "findings": [{"check", "clause", ...}]}

Pure Python, no Django: the caller turns people and the policy pack into plain arguments.
"""

from __future__ import annotations

from collections.abc import Iterable

from .abusive import AbusiveLanguageCheck, ProfanityModel, load_abusive_words
from .findings import CheckResult, Finding
from .names import DirectoryEntry, DirectoryNames
from .personal_data import PersonalDataCheck
from .plain_english import JargonCheck, ReadingEase, load_jargon, readability_findings
from .tone import OFFICIAL_CHANNELS, DisparagingCheck, opinion_findings
from .wordmatch import FoldedText

__all__ = ["CheckResult", "DirectoryEntry", "Finding", "OFFICIAL_CHANNELS", "PostChecker"]

_OUT_OF_YOUR_CONTROL = Finding(
    "out_of_your_control",
    "RESP-1",
    "info",
    0,
    0,
    "Once posted, a post is out of your control: it can be copied, shared and kept by anyone.",
    "Read it once more as a parent, a pupil and a journalist would before you publish.",
)


class PostChecker:
    """Every text check for a draft post. Building it compiles the directory and word lists into
    automata (about two seconds with 50,000 people); `check` is then cheap, post after post."""

    def __init__(
        self,
        directory: Iterable[DirectoryEntry],
        *,
        readability_target: float = 60.0,
        jargon: dict[str, str] | None = None,
        abusive_words: Iterable[str] | None = None,
        official_channels: Iterable[str] = OFFICIAL_CHANNELS,
        school_names: Iterable[str] = (),
        school_contacts: Iterable[str] = (),
    ):
        """`jargon` (phrase -> plain alternative) and `abusive_words` replace the shipped lists
        when given. `school_names` are the names disparaging remarks are looked for near (the
        policy pack's school name and short name); `school_contacts` are the school's own public
        phone numbers, email addresses, address and postcode, which are not personal data."""
        self.readability_target = readability_target
        self.official_channels = frozenset(official_channels)
        self._names = DirectoryNames(directory)
        self._personal_data = PersonalDataCheck(school_contacts)
        self._jargon = JargonCheck(load_jargon() if jargon is None else jargon)
        self._reading_ease = ReadingEase()
        words = load_abusive_words() if abusive_words is None else abusive_words
        self._abusive = AbusiveLanguageCheck(words, ProfanityModel())
        self._disparaging = DisparagingCheck(school_names)

    def check(self, text: str, channel: str) -> CheckResult:
        folded = FoldedText(text)
        findings = [_OUT_OF_YOUR_CONTROL]
        findings += self._names.findings(folded)
        findings += self._personal_data.findings(text)
        findings += self._jargon.findings(folded)
        findings += readability_findings(self._reading_ease, text, self.readability_target)
        findings += self._abusive.findings(folded)
        findings += self._disparaging.findings(text)
        findings += opinion_findings(text, channel, self.official_channels)
        return CheckResult.from_findings(findings)
