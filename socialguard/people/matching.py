"""Who in the directory a piece of free text may mean (PRIN-a, REP-1).

A reporter types "Mr Okafor", "david okafor's", "Okafr", "D. Okafor" or "the head" rather than
picking from the directory; each of those may be the Headteacher. This module answers *who may
be meant*, erring towards more people: a possible match only restricts (the person is treated as
named in the case) until a handler who is not named rules it out, so a false match costs a click
and a missed one leaks a case to the person it is about.

The core is pure (no database): `DirectoryIndex.build(entries, role_words, titles)` indexes the
directory by folded surname, given and preferred name and initials, with a deletion index for
small misspellings, and `match_name` / `match_text` return the people and roles a text may name.
`directory_index()` and `possible_people()` are the thin adapters to the database.

Misspellings: a typed name matches a directory name within an edit distance (Damerau: a swap of
two neighbouring letters counts as one edit) of 0 for names of up to 3 letters, 1 for 4 to 7
letters and 2 for 8 or more, measured on the shorter of the two. Most misspellings of names are
a single edit (one letter dropped, doubled, swapped or wrong), a long name can carry two, and one
edit on a 2- or 3-letter name ("Li", "Ng", "Roe") would match half the directory.
"""

import re
import unicodedata
from dataclasses import dataclass, field

# Honorifics recognised before a surname; the directory's and the pack's own titles are added.
TITLES = frozenset(
    "mr mrs ms miss mx dr doctor prof professor sir dame lady lord rev revd reverend fr".split()
)
# Words that may start a role phrase in a name field: "the head", "our DSL", "my line manager".
DETERMINERS = frozenset("the a an our my his her their your its".split())
# Parts of a surname too common to stand on their own ("van der Berg" is not matched by "van").
PARTICLES = frozenset("van von der den de la le du da di del della bin ibn al el ap st".split())
_LETTERS_ONLY = {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"}
_APOSTROPHES = re.compile(r"[’‘`´]")
_POSSESSIVE = re.compile(r"(?<=\w)'s\b|(?<=s)'(?=\W|$)", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")
LONGEST_NAME = 40  # longer "words" are looked up exactly: their misspellings cost too much to list


def _starts_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 40) : start].rstrip(" \t\"'“”‘’([-")
    return not before or before[-1] in ".!?:;\n"


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    # invisible characters (zero-width spaces and joiners) must not split or disguise a name
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return _POSSESSIVE.sub("", _APOSTROPHES.sub("'", text))


def fold(text: str) -> str:
    """Lower case without accents: "Zoë Ní Bhriain" → "zoe ni bhriain"."""
    text = unicodedata.normalize("NFKD", text or "").casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(_LETTERS_ONLY.get(c, c) for c in text)


def allowed_edits(length: int) -> int:
    if length >= 8:
        return 2
    if length >= 4:
        return 1
    return 0


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, or limit + 1 once it is sure to exceed the limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (
                previous2 is not None
                and i > 1
                and j > 1
                and a[i - 1] == b[j - 2]
                and a[i - 2] == b[j - 1]
            ):
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _deletions(word: str, depth: int) -> set[str]:
    """The word with up to `depth` letters deleted (the keys of the misspelling index)."""
    out, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier if len(w) > 1 for i in range(len(w))}
        out |= frontier
    return out


def _words(text: str) -> list[str]:
    return [fold(w) for w in _WORD.findall(_prepare(text))]


def name_keys(name: str) -> set[str]:
    """The keys a directory name is found by: the whole name run together, and each part of it
    that can stand alone ("Mbah-Okafor" → mbahokafor, mbah, okafor)."""
    parts = _words(name)
    if not parts:
        return set()
    keys = {"".join(parts)}
    if len(parts) > 1:
        keys |= {p for p in parts if len(p) >= 3 and p not in PARTICLES}
    return keys


@dataclass(frozen=True)
class DirectoryEntry:
    pk: int
    given_name: str
    family_name: str
    preferred_name: str = ""
    title: str = ""


@dataclass(frozen=True)
class Matches:
    people: frozenset = frozenset()
    roles: frozenset = frozenset()

    def __or__(self, other: "Matches") -> "Matches":
        return Matches(self.people | other.people, self.roles | other.roles)

    def __bool__(self) -> bool:
        return bool(self.people or self.roles)


class _KeyIndex:
    """Exact and misspelt look-up of name keys → people."""

    def __init__(self):
        self.exact: dict[str, set[int]] = {}
        self.deleted: dict[str, set[str]] = {}

    def add(self, key: str, pk: int) -> None:
        if key not in self.exact:
            self.exact[key] = set()
            if len(key) > LONGEST_NAME:
                self.exact[key].add(pk)
                return
            for variant in _deletions(key, allowed_edits(len(key))):
                self.deleted.setdefault(variant, set()).add(key)
        self.exact[key].add(pk)

    def find(self, word: str, fuzzy: bool = True) -> set[int]:
        found = set(self.exact.get(word, ()))
        if not fuzzy or allowed_edits(len(word)) == 0 or len(word) > LONGEST_NAME:
            return found
        keys = set()
        for variant in _deletions(word, allowed_edits(len(word))):
            keys |= self.deleted.get(variant, set())
        for key in keys:
            limit = allowed_edits(min(len(key), len(word)))
            if limit and edit_distance(word, key, limit) <= limit:
                found |= self.exact[key]
        return found


@dataclass
class DirectoryIndex:
    surnames: _KeyIndex = field(default_factory=_KeyIndex)
    given: _KeyIndex = field(default_factory=_KeyIndex)
    initials: dict = field(default_factory=dict)  # "do" → people whose initials are D. O.
    first_letters: dict = field(default_factory=dict)  # pk → (given initials, surname initials)
    phrases: dict = field(default_factory=dict)  # first word → {words: {roles}}, as written
    bare_phrases: dict = field(default_factory=dict)  # the same without a leading "the"
    titles: frozenset = TITLES

    @classmethod
    def build(cls, entries, role_words: dict | None = None, titles=()) -> "DirectoryIndex":
        """`role_words`: role → phrases that name its holders ("the head", "DSL", the label);
        `titles`: honorifics used in the directory beyond the usual ones."""
        index = cls(titles=TITLES | {w for t in titles for w in _words(t)})
        for entry in entries:
            index._add(entry)
        for role, phrases in (role_words or {}).items():
            for phrase in phrases:
                words = tuple(_words(phrase))
                if not words:
                    continue
                index.phrases.setdefault(words[0], {}).setdefault(words, set()).add(role)
                bare = words[1:] if words[0] in DETERMINERS else words
                if bare:
                    index.bare_phrases.setdefault(bare[0], {}).setdefault(bare, set()).add(role)
        return index

    def _add(self, entry: DirectoryEntry) -> None:
        given_parts = {p for n in (entry.given_name, entry.preferred_name) for p in _words(n)}
        surname_parts = _words(entry.family_name)
        for name in (entry.given_name, entry.preferred_name):
            for key in name_keys(name) | set(_words(name)[:1]):
                self.given.add(key, entry.pk)
        for key in name_keys(entry.family_name):
            self.surnames.add(key, entry.pk)
        if surname_parts:
            self.first_letters[entry.pk] = (
                {p[0] for p in given_parts},
                {p[0] for p in surname_parts},
            )
            for given in given_parts:
                self.initials.setdefault(given[0] + surname_parts[0][0], set()).add(entry.pk)

    # ------------------------------------------------------------ look-ups

    @staticmethod
    def _roles_in(words: list[str], tables) -> set[str]:
        """Role phrases in the words, longest first: "deputy designated safeguarding lead" is the
        deputy, not also the DSL."""
        roles, i = set(), 0
        while i < len(words):
            best, best_roles = 0, set()
            for table in tables:
                for phrase, phrase_roles in table.get(words[i], {}).items():
                    if tuple(words[i : i + len(phrase)]) != phrase or len(phrase) < best:
                        continue
                    if len(phrase) > best:
                        best, best_roles = len(phrase), set()
                    best_roles |= phrase_roles
            roles |= best_roles
            i += best or 1
        return roles

    def _initial_fits(self, pk: int, letter: str, given: bool = True) -> bool:
        letters = self.first_letters.get(pk, (set(), set()))
        return letter in letters[0 if given else 1]

    def match_name(self, text: str) -> Matches:
        """Who a name field may mean: "David Okafor", "Mr Okafor", "Okafor", "Okafor's",
        "D. Okafor", "DO", "D.O.", "david", "okafr", "the head", "our DSL".

        Any word that is (or is close to) someone's surname names them; only when no word is a
        surname does a given name alone ("Helen") name everyone called that."""
        words = _words(text)
        roles = self._roles_in(words, (self.phrases, self.bare_phrases))
        names = [
            w for w in words if w not in self.titles and (w not in DETERMINERS or len(w) == 1)
        ]  # "A." stays: it may be an initial
        people: set[int] = set()
        for i, word in enumerate(names):
            people |= self.surnames.find(word)
            if i + 1 < len(names):  # a surname written in two parts: "Smith Jones", "Mc Donald"
                people |= self.surnames.find(word + names[i + 1], fuzzy=False)
        if not people:
            people = self._by_initials_or_given(text, names)
        return Matches(frozenset(people), frozenset(roles))

    def _by_initials_or_given(self, text: str, names: list[str]) -> set[int]:
        longer = [w for w in names if len(w) > 1]
        initials = [w for w in names if len(w) == 1]
        if not longer and 2 <= len(initials) <= 3:  # "D. O.", "D O"
            return set(self.initials.get(initials[0] + initials[-1], ()))
        if (
            len(longer) == 1
            and not initials
            and len(longer[0]) in (2, 3)
            and (text.strip().isupper() or "." in text)
        ):  # "DO", "D.J.O"
            return set(self.initials.get(longer[0][0] + longer[0][-1], ()))
        people = set()
        for word in longer:
            people |= self.given.find(word)
        if initials:  # "Helen C." — a given name and the surname's initial
            people = {p for p in people if self._initial_fits(p, initials[-1], given=False)}
        return people

    def match_text(self, text: str) -> Matches:
        """Who a passage of prose ("what happened") may mention: a full name either way round,
        title + surname, initial + surname, a capitalised surname mid-sentence, role words.
        A surname alone at the start of a sentence or in lower case is not taken as a name."""
        prepared = _prepare(text)
        spans = [(fold(m.group(0)), m.start()) for m in _WORD.finditer(prepared)]
        words = [w for w, _ in spans]
        roles = self._roles_in(words, (self.phrases,))
        people: set[int] = set()
        cache: dict[str, set[int]] = {}

        def surnames(word: str) -> set[int]:
            if word not in cache:
                cache[word] = self.surnames.find(word)
            return cache[word]

        for i, (word, start) in enumerate(spans):
            after = words[i + 1] if i + 1 < len(words) else ""
            if after and word in self.titles:  # "Mr Okafor", "Mrs Okafr"
                people |= surnames(after)
            elif after and len(word) == 1:  # "D. Okafor", "D Okafor"
                people |= {p for p in surnames(after) if self._initial_fits(p, word)}
            elif after:
                given = self.given.find(word)
                if given:  # "David Okafor", "Okafor, David"
                    people |= given & surnames(after)
                    if i:
                        people |= given & surnames(words[i - 1])
            capitalised = prepared[start : start + 1].isupper()
            if capitalised and len(word) >= 3 and not _starts_sentence(prepared, start):
                people |= self.surnames.find(word, fuzzy=False)  # "... told Okafor about it"
        return Matches(frozenset(people), frozenset(roles))


# ---------------------------------------------------------------- the database adapters


_cache: dict = {}


def role_words(pack) -> dict[str, list[str]]:
    """role → the words that name its holders: the pack's `also_called` and the role's label,
    for every role whose pack entry has `also_called`."""
    words = {}
    for role, spec in pack.roles.items():
        if isinstance(spec, dict) and "also_called" in spec:
            words[role] = [spec.get("label", ""), *spec.get("also_called", [])]
    return words


def directory_index() -> DirectoryIndex:
    """The index of everyone active in the directory, rebuilt when the directory or pack changes."""
    from django.db.models import Count, Max, Sum
    from django.db.models.functions import Length

    from socialguard.policy.pack import get_pack

    from .models import Person

    pack = get_pack()
    people = Person.objects.filter(is_active=True)
    signature = (
        pack.content_hash,
        tuple(
            people.aggregate(
                n=Count("pk"),
                top=Max("pk"),
                changed=Max("updated_at"),
                letters=Sum(
                    Length("given_name") + Length("family_name") + Length("preferred_name")
                ),
            ).values()
        ),
    )
    cached = _cache.get("index")
    if cached is not None and cached[0] == signature:
        return cached[1]
    entries = [
        DirectoryEntry(*row)
        for row in people.values_list("pk", "given_name", "family_name", "preferred_name", "title")
    ]
    titles = {e.title for e in entries if e.title} | {h.title for h in pack.role_holders if h.title}
    index = DirectoryIndex.build(entries, role_words(pack), titles)
    _cache["index"] = (signature, index)
    return index


def role_holders(roles) -> set[int]:
    """Everyone active who holds one of the roles now (read fresh: role changes apply at once)."""
    from .models import Person

    if not roles:
        return set()
    return set(
        Person.objects.filter(is_active=True, roles__role__in=list(roles)).values_list(
            "pk", flat=True
        )
    )


def possible_people(text: str, *, prose: bool = False) -> set[int]:
    """The pks of every active person the text may name (a name field, or prose)."""
    if not (text or "").strip():
        return set()
    index = directory_index()
    found = index.match_text(text) if prose else index.match_name(text)
    return set(found.people) | role_holders(found.roles)
