"""Who a typed name may mean (PRIN-a, REP-1), table by table, on names chosen for these tests and
not used to tune the matcher; plus the pack's role words and the speed on a large directory."""

import random
import string
import time
from pathlib import Path

import pytest

from socialguard.people.matching import (
    DirectoryEntry,
    DirectoryIndex,
    edit_distance,
    fold,
    role_words,
)
from socialguard.policy.pack import load_file, validate

ROOT = Path(__file__).resolve().parents[2]

DIRECTORY = [
    DirectoryEntry(1, "Bartholomew", "Fairweather-Lowe", "Bart", "Mr"),
    DirectoryEntry(2, "Ngozi", "Adebayo", "", "Dr"),
    DirectoryEntry(3, "Łukasz", "Wiśniewski", "", "Mr"),
    DirectoryEntry(4, "José", "Muñoz", "", "Mx"),
    DirectoryEntry(5, "Anh", "Vu", "", "Ms"),
    DirectoryEntry(6, "Siobhán", "O'Callaghan", "Shiv", "Mrs"),
    DirectoryEntry(7, "Rosalind", "Pemberton-Hythe", "", "Lady"),
    DirectoryEntry(8, "Kwabena", "Mensah", "Kobby", ""),
    DirectoryEntry(9, "Kwame", "Mensah", "", ""),
    DirectoryEntry(10, "Ingrid", "van der Berg", "", "Ms"),
]
ROLE_WORDS = {
    "headteacher": ["Headteacher", "the head", "head teacher"],
    "dsl": ["Designated Safeguarding Lead", "DSL", "safeguarding lead"],
    "deputy_dsl": ["Deputy Designated Safeguarding Lead", "deputy", "deputy DSL"],
    "dpl": ["Data Protection Lead", "DPL"],
    "proprietor": ["Proprietor", "chair of governors"],
}


@pytest.fixture(scope="module")
def index():
    return DirectoryIndex.build(DIRECTORY, ROLE_WORDS, titles=["Lady"])


NAME_FIELD = [
    # (typed, people, roles) — the way of naming in the comment
    ("Bartholomew Fairweather-Lowe", {1}, set()),  # full name
    ("Bart Fairweather-Lowe", {1}, set()),  # preferred name + surname
    ("Mr Fairweather-Lowe", {1}, set()),  # title + surname
    ("Mrs Fairweather Lowe", {1}, set()),  # wrong title, surname without the hyphen
    ("fairweather", {1}, set()),  # part of a double-barrelled surname alone
    ("Lowe's", {1}, set()),  # possessive
    ("B. Fairweather-Lowe", {1}, set()),  # initial + surname
    ("BFL", set(), set()),  # three letters, not written as initials
    ("Dr Adebayo", {2}, set()),
    ("NGOZI ADEBAYO", {2}, set()),  # any case
    ("ngozi", {2}, set()),  # a given name alone
    ("N.A.", {2}, set()),  # initials
    ("NA", {2}, set()),  # initials in capitals
    ("Lukasz Wisniewski", {3}, set()),  # accents and letters folded
    ("Łukasz Wiśniewski", {3}, set()),
    ("Wisniewsky", {3}, set()),  # one edit on a long name
    ("Wishniewski", {3}, set()),  # one letter added
    ("Wisnieswki", {3}, set()),  # two letters swapped
    ("Jose Munoz", {4}, set()),
    ("Munos", {4}, set()),  # one edit on a 5-letter name
    ("Vu", {5}, set()),  # a 2-letter surname, exactly
    ("Vo", set(), set()),  # ...but no misspelling of one that short
    ("Mrs O'Callaghan", {6}, set()),
    ("OCallaghan", {6}, set()),
    ("Shiv", {6}, set()),  # preferred name alone
    ("Ocalaghan", {6}, set()),  # one letter dropped
    ("Lady Pemberton-Hythe", {7}, set()),  # a directory title
    ("Pembertin", {7}, set()),
    ("Mensah", {8, 9}, set()),  # everyone with the surname
    ("Kobby", {8}, set()),
    ("Kwabena M.", {8}, set()),  # given name + the surname's initial
    ("Ingrid van der Berg", {10}, set()),
    ("van", set(), set()),  # a particle is not a surname
    ("the head", set(), {"headteacher"}),  # role words
    ("Head", set(), {"headteacher"}),
    ("our head teacher", set(), {"headteacher"}),
    ("HEADTEACHER", set(), {"headteacher"}),
    ("the DSL", set(), {"dsl"}),
    ("DSL's", set(), {"dsl"}),
    ("safeguarding lead", set(), {"dsl"}),
    ("deputy DSL", set(), {"deputy_dsl"}),  # the longest phrase wins
    ("Deputy Designated Safeguarding Lead", set(), {"deputy_dsl"}),
    ("data protection lead", set(), {"dpl"}),
    ("Chair of Governors", set(), {"proprietor"}),
    ("Dr Adebayo the DPL", {2}, {"dpl"}),
    ("Wiś\u200bniewski", {3}, set()),  # an invisible character does not hide a name
    ("W1sniewski", {3}, set()),  # nor a digit for a letter
    ("A parent", set(), set()),
    ("Unknown account", set(), set()),
    ("", set(), set()),
]


@pytest.mark.clause("PRIN-a")
@pytest.mark.parametrize("typed,people,roles", NAME_FIELD)
def test_it_finds_who_a_name_field_may_mean(index, typed, people, roles):
    found = index.match_name(typed)
    assert set(found.people) == people
    assert set(found.roles) == roles


PROSE = [
    ("Then Bartholomew Fairweather-Lowe replied.", {1}, set()),
    ("It was sent to Dr Adebayo yesterday.", {2}, set()),
    ("mr wisniewsky saw it", {3}, set()),  # title + misspelt surname, any case
    ("I spoke to J. Munoz about it.", {4}, set()),  # initial + surname
    ("Adebayo, Ngozi was copied in.", {2}, set()),  # surname, given name
    ("We told Mensah at break.", {8, 9}, set()),  # a capitalised surname mid-sentence
    ("Mensah said nothing.", set(), set()),  # ...not at the start of a sentence
    ("He told the head and the DSL.", set(), {"headteacher", "dsl"}),
    ("He banged his head.", set(), set()),
    ("She said vu was there", set(), set()),  # a lower-case short word is not a surname
    ("Ask Kobby Mensah's brother", {8, 9}, set()),  # full name, and Mensah mid-sentence
]


@pytest.mark.clause("PRIN-a")
@pytest.mark.parametrize("text,people,roles", PROSE)
def test_it_finds_who_a_passage_may_mention(index, text, people, roles):
    found = index.match_text(text)
    assert set(found.people) == people
    assert set(found.roles) == roles


@pytest.mark.parametrize(
    "a,b,distance",
    [("okafor", "okafor", 0), ("okafor", "okfaor", 1), ("carter", "cartr", 1), ("ab", "ba", 1)],
)
def test_it_measures_edits_with_swaps_as_one(a, b, distance):
    assert edit_distance(a, b, 2) == distance


def test_it_folds_accents_and_special_letters():
    assert fold("Zoë Ní Bhriain Øster Łódź ß") == "zoe ni bhriain oster lodz ss"


def _random_name(rng, length):
    return rng.choice(string.ascii_uppercase) + "".join(
        rng.choice(string.ascii_lowercase) for _ in range(length - 1)
    )


def test_it_is_fast_on_a_directory_of_thousands():
    rng = random.Random(7)
    entries = [
        DirectoryEntry(
            i, _random_name(rng, rng.randint(3, 9)), _random_name(rng, rng.randint(2, 12))
        )
        for i in range(6000)
    ]
    entries.append(DirectoryEntry(99999, "Ottoline", "Quennell-Ashby", "", "Ms"))
    index = DirectoryIndex.build(entries, ROLE_WORDS)
    prose = " ".join(_random_name(rng, rng.randint(2, 9)) for _ in range(1500))
    started = time.perf_counter()
    for _ in range(10):
        assert 99999 in index.match_name("Ms Quenell-Ashby").people
        index.match_text(prose + " then Ms Quennel spoke")
    per_report = (time.perf_counter() - started) / 10
    assert per_report < 0.5, f"{per_report:.3f} s per report"


def test_it_reads_role_words_from_both_schools_packs():
    for path in (
        "socialguard/policy/packs/st-martins.toml",
        "tests/fixtures/oakfield-primary.toml",
    ):
        words = role_words(load_file(ROOT / path))
        assert {"headteacher", "dsl", "deputy_dsl", "dpl", "proprietor"} <= set(words)
        index = DirectoryIndex.build([], words)
        assert index.match_name("the head").roles == {"headteacher"}
        assert index.match_name("the DSL").roles == {"dsl"}
        assert "dpl" in index.match_name("data protection lead").roles


def test_it_refuses_a_pack_whose_role_words_are_not_a_list():
    pack = load_file(ROOT / "socialguard/policy/packs/st-martins.toml")
    data = {**pack.data, "roles": {**pack.data["roles"]}}
    data["roles"]["dsl"] = {**data["roles"]["dsl"], "also_called": "DSL"}
    assert "roles.dsl.also_called: must be a list of words or phrases" in validate(data)
    data["roles"]["dsl"] = {**data["roles"]["dsl"], "also_called": ["DSL", ""]}
    assert "roles.dsl.also_called: must be a list of words or phrases" in validate(data)
