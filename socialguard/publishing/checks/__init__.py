"""Text checks for draft posts (PRIN-b, PRIN-c, PRIN-d, PRIN-f, PRIN-g, CB-2, RESP-1)."""

from .engine import OFFICIAL_CHANNELS, PostChecker
from .findings import CheckResult, Finding
from .names import DirectoryEntry
from .personal_data import is_uk_postcode, is_upn, normalise_uk_postcode

__all__ = [
    "OFFICIAL_CHANNELS",
    "CheckResult",
    "DirectoryEntry",
    "Finding",
    "PostChecker",
    "is_uk_postcode",
    "is_upn",
    "normalise_uk_postcode",
]
