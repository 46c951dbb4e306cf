"""PRIN-d: personal data in a post — phone numbers, email addresses, street addresses, postcodes,
dates of birth and Unique Pupil Numbers (UPNs).

The school's own published contact details (office phone, office email, the school's address and
postcode) can be passed as `school_contacts` and are then not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers
from phonenumbers import Leniency
from stdnum.gb import upn as stdnum_upn

from .findings import Finding
from .wordmatch import fold_phrase

# --- UK postcodes -------------------------------------------------------------------------------
# Royal Mail's format rules: 1st letter not Q V X; 2nd letter not I J Z; a letter in 3rd place is
# one of A B C D E F G H J K P S T U W; in 4th place one of A B E H M N P R V W X Y; the inward
# code's letters never C I K M O V. GIR 0AA is the one historic exception.
_OUTWARD = r"[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRVWXY])"
_INWARD = r"\d[ABD-HJLNP-UW-Z]{2}"
_POSTCODE_COMPACT = re.compile(rf"(?:GIR0AA|(?P<outward>{_OUTWARD})(?P<inward>{_INWARD}))")
# In running text only upper-case postcodes are taken: lower-case look-alikes ("m6 2nd") are words.
_POSTCODE_IN_TEXT = re.compile(
    rf"(?<![A-Za-z0-9])(?:GIR ?0AA|{_OUTWARD} ?{_INWARD})(?![A-Za-z0-9])"
)


def normalise_uk_postcode(value: str) -> str | None:
    """'sw1a1aa' -> 'SW1A 1AA'; None when the value is not a well-formed UK postcode."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not _POSTCODE_COMPACT.fullmatch(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def is_uk_postcode(value: str) -> bool:
    return normalise_uk_postcode(value) is not None


# --- Phone numbers ------------------------------------------------------------------------------
# Cheap gate: nine digits close together. Shorter runs are prices, years and times, not numbers.
_PHONE_GATE = re.compile(r"\d(?:[\s().\-]{0,3}\d){8}")
# "Number-shaped": 10 to 13 digits in phone-like groups, whatever phonenumbers thinks of them.
_NUMBER_SHAPED = re.compile(r"(?<![\w+])(?:\+\s?)?\(?\d(?:[\s().\-]{0,2}\d){9,12}(?![\w])")
_MIN_PHONE_DIGITS = 9


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _phone_key(text: str) -> str:
    digits = _digits(text)
    for prefix in ("0044", "44"):
        if digits.startswith(prefix) and len(digits) > 10:
            return "0" + digits[len(prefix) :].removeprefix("0")
    return digits


def find_phone_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of phone numbers, UK or international, including Ofcom drama numbers (07700 900xxx)
    that libphonenumber's default matcher skips as unallocated."""
    if not _PHONE_GATE.search(text):
        return []
    spans = [
        (m.start, m.end)
        for m in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=Leniency.POSSIBLE)
        if len(_digits(m.raw_string)) >= _MIN_PHONE_DIGITS
    ]
    spans += [m.span() for m in _NUMBER_SHAPED.finditer(text)]
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# --- Email addresses ----------------------------------------------------------------------------
_EMAIL = re.compile(
    r"(?<![\w.+%-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{2,59})(?![\w-])"
)

# --- Street addresses ---------------------------------------------------------------------------
_STREET_TYPES = (
    "Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Cres|Court|Ct|Place|Pl|"
    "Gardens|Gdns|Grove|Terrace|Tce|Hill|Square|Sq|Walk|Row|Mews|Rise|View|Parade|Green|Vale|"
    "Park|Wharf|Chase|Croft|Fields|Meadows?|Boulevard|Yard|Gate|Wynd|Brae|Loke"
)
_ADDRESS = re.compile(
    r"(?<![\w£$€.,:/-])(?P<number>\d{1,4}[A-Za-z]?)(?:\s?[-–]\s?\d{1,4}[A-Za-z]?)?,?\s+"
    r"(?:[A-Z][A-Za-z'’-]+\s+){1,3}"
    rf"(?:{_STREET_TYPES})(?![\w'’])\.?"
)
# "Year 5 Oak Court" or "Room 12 Long Hill" are not addresses.
_NOT_HOUSE_NUMBER_AFTER = frozenset(
    "year years class classes room rooms stage page group set team form table lesson week day term "
    "level grade key chapter section platform bus route no number aged age under top ks".split()
)
_ADDRESS_TO_POSTCODE_GAP = 60

# --- Dates of birth -----------------------------------------------------------------------------
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})(?!\d)|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
    rf"|{_ORDINAL}(?:\s+of)?\s+{_MONTH}(?:,?\s+\d{{4}})?|{_MONTH}\s+{_ORDINAL}(?:,?\s+\d{{4}})?)"
)
_DATE_OF_BIRTH = re.compile(
    r"(?<!\w)(?P<trigger>born(?:\s+on)?|d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s?date|birthday)"
    rf"(?!\w)\s*(?:[:\-–]\s*)?(?:(?:is|was|on)\s+)?(?:the\s+)?(?P<date>{_DATE})(?!\w)",
    re.IGNORECASE,
)
_HAS_YEAR = re.compile(r"\d{4}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}")

# --- Unique Pupil Numbers -----------------------------------------------------------------------
_UPN_SHAPED = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]\d{11}[0-9A-Za-z](?![A-Za-z0-9])")
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # no I, O or S


def is_upn(value: str) -> bool:
    """A 13-character UPN whose check letter is right (DfE mod-23 via python-stdnum).

    The local-authority code is not checked against stdnum's list on purpose: that list misses
    newer authorities (e.g. 940/941, Northamptonshire 2021), and a right check letter on a
    13-character code is already a strong sign."""
    number = value.upper()
    if len(number) != 13 or not number[1:12].isdigit():
        return False
    if number[0] not in _UPN_LETTERS or not (number[-1].isdigit() or number[-1] in _UPN_LETTERS):
        return False
    return stdnum_upn.calc_check_digit(number[1:]) == number[0]


class PersonalDataCheck:
    def __init__(self, school_contacts: Iterable[str] = ()):
        self._allowed_emails: set[str] = set()
        self._allowed_postcodes: set[str] = set()
        self._allowed_phones: set[str] = set()
        self._allowed_phrases: set[str] = set()
        for contact in school_contacts:
            self._allow(contact)

    def _allow(self, contact: str) -> None:
        contact = contact.strip()
        if "@" in contact:
            self._allowed_emails.add(contact.lower())
        elif postcode := normalise_uk_postcode(contact):
            self._allowed_postcodes.add(postcode)
        elif len(_digits(contact)) >= _MIN_PHONE_DIGITS and not re.search("[A-Za-z]", contact):
            self._allowed_phones.add(_phone_key(contact))
        else:
            self._allowed_phrases.add(fold_phrase(contact))

    def findings(self, text: str) -> list[Finding]:
        found = self._phones(text) + self._emails(text) + self._dates_of_birth(text)
        found += self._upns(text)
        addresses = self._addresses(text)
        return found + addresses + self._postcodes(text, addresses)

    def _phones(self, text: str) -> list[Finding]:
        return [
            Finding(
                "phone_number",
                "PRIN-d",
                "block",
                start,
                end,
                "This looks like a phone number. A person's phone number must not be published.",
                "Remove it; give the school office number if people need to call.",
            )
            for start, end in find_phone_numbers(text)
            if _phone_key(text[start:end]) not in self._allowed_phones
        ]

    def _emails(self, text: str) -> list[Finding]:
        if "@" not in text:
            return []
        return [
            Finding(
                "email_address",
                "PRIN-d",
                "block",
                m.start(),
                m.end(),
                "This is an email address. A person's email address must not be published.",
                "Remove it; give the school office email if people need to write.",
            )
            for m in _EMAIL.finditer(text)
            if m.group().lower() not in self._allowed_emails
        ]

    def _dates_of_birth(self, text: str) -> list[Finding]:
        found = []
        for m in _DATE_OF_BIRTH.finditer(text):
            if m["trigger"].lower().startswith("birthday") and not _HAS_YEAR.search(m["date"]):
                continue  # "Happy birthday on 3 May" is a celebration, not a date of birth
            found.append(
                Finding(
                    "date_of_birth",
                    "PRIN-d",
                    "block",
                    m.start(),
                    m.end(),
                    "This gives a date of birth.",
                    "Remove the date of birth; a year group says enough.",
                )
            )
        return found

    def _upns(self, text: str) -> list[Finding]:
        return [
            Finding(
                "pupil_number",
                "PRIN-d",
                "block",
                m.start(),
                m.end(),
                "This is a Unique Pupil Number (UPN). Pupil numbers are never published.",
                "Remove the pupil number.",
            )
            for m in _UPN_SHAPED.finditer(text)
            if is_upn(m.group())
        ]

    def _addresses(self, text: str) -> list[Finding]:
        found = []
        for m in _ADDRESS.finditer(text):
            before = text[: m.start()].split()
            if before and before[-1].lower().strip(".,:;(") in _NOT_HOUSE_NUMBER_AFTER:
                continue
            if fold_phrase(m.group()) in self._allowed_phrases:
                continue
            found.append(
                Finding(
                    "postal_address",
                    "PRIN-d",
                    "block",
                    m.start(),
                    m.end(),
                    "This looks like a street address. A person's address must not be published.",
                    "Remove the address; name the venue or the area instead.",
                )
            )
        return found

    def _postcodes(self, text: str, addresses: list[Finding]) -> list[Finding]:
        found = []
        for m in _POSTCODE_IN_TEXT.finditer(text):
            if normalise_uk_postcode(m.group()) in self._allowed_postcodes:
                continue
            if _follows_an_address(text, m.start(), addresses):
                severity, message = "block", "This postcode completes a street address."
            else:
                severity, message = "review", "This is a postcode, which can point to a home."
            found.append(
                Finding(
                    "postcode",
                    "PRIN-d",
                    severity,
                    m.start(),
                    m.end(),
                    message,
                    "Remove it unless it is the school's or a public venue's postcode.",
                )
            )
        return found


# Between a street and its postcode: only a town or county, commas and line breaks.
_TOWN_LINES = re.compile(r"[\s,]*(?:[A-Za-z'’-]+[\s,]+){0,4}")


def _follows_an_address(text: str, start: int, addresses: list[Finding]) -> bool:
    for address in addresses:
        if 0 <= start - address.end <= _ADDRESS_TO_POSTCODE_GAP:
            if _TOWN_LINES.fullmatch(text, address.end, start):
                return True
    return False
