"""The "May I contact…?" rules of the St Martin's pack, table-tested (no database needed).

Each row of the table names the pack rule that must decide it and the clause it proves; a rule
added to the pack without a row here fails `test_it_exercises_every_rule_of_the_pack`.
"""

import copy
import itertools
import json
import tomllib
from pathlib import Path
from typing import NamedTuple

import pytest

from socialguard.contact.rules import (
    CONTEXT_FIELDS,
    ContactQuery,
    ContactRulesError,
    evaluate,
    load_rules,
    validate_contact_rules,
)

PACK_FILE = Path(__file__).resolve().parents[2] / "socialguard/policy/packs/st-martins.toml"
PACK = tomllib.loads(PACK_FILE.read_text(encoding="utf-8"))
RULES = load_rules(PACK)
WORKFORCE = PACK["contact_groups"]["workforce"]


def ask(sender: str, recipient: str, channel: str, **context) -> ContactQuery:
    """`ask("staff+parent", "pupil", "school_email", on_trip=True)`: "+" joins a person's roles."""
    return ContactQuery(
        frozenset(sender.split("+")), frozenset(recipient.split("+")), channel, **context
    )


class Expected(NamedTuple):
    rule: str | None  # the pack rule that decides; None = no rule matches (contact_default)
    effect: str
    clauses: list[str]
    ways: list[str]  # every channel allowed for these people and this context, best first


# Every channel allowed for a sender/recipient/context, ranked by the pack's `preference` (PRIN-i).
PUPIL = ["school_email", "face_to_face", "parent_email"]
PUPIL_CALL_ARRANGED = [*PUPIL, "video_call"]
PUPIL_FOR_OFFICER = [*PUPIL, "official_social_media"]
PUPIL_ON_TRIP = ["school_phone", "school_email", "face_to_face", "parent_email", "school_mobile"]
PARENT = [
    "school_phone", "school_email", "letter", "face_to_face",
    "parents_evening", "progress_report", "newsletter", "website",
]  # fmt: skip
PARENT_ON_TRIP = [*PARENT[:4], "school_mobile", *PARENT[4:]]
PARENT_ON_TRIP_WITH_PERMISSION = [*PARENT_ON_TRIP, "withheld_number"]
PARENT_FOR_OFFICER = [*PARENT, "official_social_media"]
PARENT_FROM_STAFF_PARENT_WITH_NEED = [
    *PARENT,
    "personal_email",
    "personal_mobile",
    "personal_social_media",
]
COLLEAGUE = [
    "school_phone", "school_email", "letter", "face_to_face", "school_mobile",
    "professional_network", "staff_whatsapp", "personal_email", "personal_mobile", "personal_social_media",
]  # fmt: skip
COLLEAGUE_WHO_IS_A_PARENT = [*PARENT, "staff_whatsapp"]
EX_PUPIL = ["professional_network"]
PUBLIC = ["school_phone", "school_email", "letter", "face_to_face"]
PUBLIC_FOR_OFFICER = [*PUBLIC, "official_social_media"]
NOTHING: list[str] = []
NO = "deny"
YES = "allow"
IF = "allow_with_conditions"


# fmt: off
@pytest.mark.parametrize("query, expected", [
    # -- official social media: designated officers only (OFF-1, PAR-6) --
    pytest.param(ask("social_media_officer", "pupil", "official_social_media"),
                 Expected("official-social-media-designated-officers", IF, ["OFF-1", "PAR-6"], PUPIL_FOR_OFFICER),
                 marks=pytest.mark.clause("OFF-1"), id="officer-pupil-official-social-media"),
    pytest.param(ask("staff+social_media_officer", "parent", "official_social_media"),
                 Expected("official-social-media-designated-officers", IF, ["OFF-1", "PAR-6"], PARENT_FOR_OFFICER),
                 marks=pytest.mark.clause("PAR-6"), id="officer-parent-official-social-media"),
    pytest.param(ask("social_media_officer", "public", "official_social_media"),
                 Expected("official-social-media-designated-officers", IF, ["OFF-1", "PAR-6"], PUBLIC_FOR_OFFICER),
                 marks=pytest.mark.clause("OFF-1"), id="officer-public-official-social-media"),
    pytest.param(ask("staff", "parent", "official_social_media"),
                 Expected("official-social-media-others", NO, ["OFF-1", "PAR-6"], PARENT),
                 marks=pytest.mark.clause("PAR-6"), id="teacher-parent-official-social-media"),
    pytest.param(ask("headteacher", "public", "official_social_media"),
                 Expected("official-social-media-others", NO, ["OFF-1", "PAR-6"], PUBLIC),
                 marks=pytest.mark.clause("OFF-1"), id="headteacher-public-official-social-media"),
    # -- no social media with a pupil of any school (PERS-3, PERS-5) --
    pytest.param(ask("staff", "pupil", "personal_social_media"),
                 Expected("no-social-media-with-pupils", NO, ["PERS-3", "PERS-5"], PUPIL),
                 marks=pytest.mark.clause("PERS-3"), id="pupil-personal-social-media"),
    pytest.param(ask("staff", "other_school_pupil", "personal_social_media"),
                 Expected("no-social-media-with-pupils", NO, ["PERS-3", "PERS-5"], NOTHING),
                 marks=pytest.mark.clause("PERS-3"), id="other-school-pupil-personal-social-media"),
    pytest.param(ask("social_media_officer", "other_school_pupil", "official_social_media"),
                 Expected("no-social-media-with-pupils", NO, ["PERS-3", "PERS-5"], NOTHING),
                 marks=pytest.mark.clause("PERS-3"), id="officer-other-school-pupil-official-social-media"),
    pytest.param(ask("staff", "pupil", "professional_network"),
                 Expected("no-social-media-with-pupils", NO, ["PERS-3", "PERS-5"], PUPIL),
                 marks=pytest.mark.clause("PERS-5"), id="pupil-professional-network"),
    pytest.param(ask("staff", "pupil", "official_social_media"),
                 Expected("no-social-media-with-pupils", NO, ["PERS-3", "PERS-5"], PUPIL),
                 marks=pytest.mark.clause("OFF-1"), id="teacher-pupil-official-social-media"),
    pytest.param(ask("contractor", "pupil", "staff_whatsapp"),
                 Expected("no-social-media-with-pupils", NO, ["PERS-3", "PERS-5"], PUPIL),
                 marks=pytest.mark.clause("COV-3"), id="contractor-pupil-whatsapp"),
    pytest.param(ask("staff", "pupil", "personal_social_media", sender_is_parent_at_school=True, genuine_need=True),
                 Expected("no-social-media-with-pupils", NO, ["PERS-3", "PERS-5"], PUPIL),
                 marks=pytest.mark.clause("PERS-3"), id="staff-parent-pupil-social-media"),
    # -- pupils: never a personal mobile or personal email (PUP-2, PAR-4, OFF-4) --
    pytest.param(ask("staff", "pupil", "personal_mobile"),
                 Expected("no-personal-contact-with-pupils", NO, ["PUP-2", "PAR-4", "OFF-4"], PUPIL),
                 marks=pytest.mark.clause("PUP-2"), id="pupil-personal-mobile"),
    pytest.param(ask("volunteer", "pupil", "personal_email"),
                 Expected("no-personal-contact-with-pupils", NO, ["PUP-2", "PAR-4", "OFF-4"], PUPIL),
                 marks=pytest.mark.clause("PUP-2"), id="volunteer-pupil-personal-email"),
    pytest.param(ask("staff", "pupil", "personal_mobile", on_trip=True),
                 Expected("no-personal-contact-with-pupils", NO, ["PUP-2", "PAR-4", "OFF-4"], PUPIL_ON_TRIP),
                 marks=pytest.mark.clause("OFF-4"), id="pupil-personal-mobile-on-trip"),
    # -- withheld number: only with a live permission (PAR-5, OFF-4) --
    pytest.param(ask("staff", "parent", "withheld_number", on_trip=True, has_live_withheld_permission=True),
                 Expected("withheld-number-with-permission", IF, ["PAR-5", "OFF-4"], PARENT_ON_TRIP_WITH_PERMISSION),
                 marks=pytest.mark.clause("PAR-5"), id="parent-withheld-with-permission"),
    pytest.param(ask("staff", "parent", "withheld_number", on_trip=True),
                 Expected("withheld-number-without-permission", NO, ["PAR-5", "OFF-4"], PARENT_ON_TRIP),
                 marks=pytest.mark.clause("PAR-5"), id="parent-withheld-without-permission"),
    pytest.param(ask("headteacher", "parent", "withheld_number"),
                 Expected("withheld-number-without-permission", NO, ["PAR-5", "OFF-4"], PARENT),
                 marks=pytest.mark.clause("PAR-5"), id="headteacher-parent-withheld-without-permission"),
    pytest.param(ask("staff", "pupil", "withheld_number", on_trip=True, has_live_withheld_permission=True),
                 Expected("pupil-other-channels", NO, ["PUP-1"], PUPIL_ON_TRIP),
                 marks=pytest.mark.clause("PUP-1"), id="pupil-withheld-even-with-permission"),
    # -- trips: the school office or a school mobile (PAR-5, OFF-4) --
    pytest.param(ask("staff", "parent", "school_mobile", on_trip=True),
                 Expected("trip-school-office-or-school-mobile", IF, ["PAR-5", "OFF-4"], PARENT_ON_TRIP),
                 marks=pytest.mark.clause("PAR-5"), id="parent-school-mobile-on-trip"),
    pytest.param(ask("trainee_teacher", "parent", "school_phone", on_trip=True),
                 Expected("trip-school-office-or-school-mobile", IF, ["PAR-5", "OFF-4"], PARENT_ON_TRIP),
                 marks=pytest.mark.clause("OFF-4"), id="parent-school-office-on-trip"),
    pytest.param(ask("staff", "pupil", "school_mobile", on_trip=True),
                 Expected("trip-school-office-or-school-mobile", IF, ["PAR-5", "OFF-4"], PUPIL_ON_TRIP),
                 marks=pytest.mark.clause("OFF-4"), id="pupil-school-mobile-on-trip"),
    pytest.param(ask("staff", "parent", "school_mobile"),
                 Expected("school-mobile-off-trip", NO, ["PAR-5", "OFF-4"], PARENT),
                 marks=pytest.mark.clause("PAR-5"), id="parent-school-mobile-off-trip"),
    pytest.param(ask("staff", "parent", "personal_mobile", on_trip=True),
                 Expected("no-personal-contact-with-parents", NO, ["PAR-4", "OFF-4"], PARENT_ON_TRIP),
                 marks=pytest.mark.clause("OFF-4"), id="parent-personal-mobile-on-trip"),
    # -- pupils: face to face, school email, parent email, supervised pre-arranged video (PUP-1, PUP-3) --
    pytest.param(ask("staff", "pupil", "face_to_face"),
                 Expected("pupil-face-to-face-or-school-email", YES, ["PUP-1", "PUP-3"], PUPIL),
                 marks=pytest.mark.clause("PUP-1"), id="pupil-face-to-face"),
    pytest.param(ask("trainee_teacher", "pupil", "school_email"),
                 Expected("pupil-face-to-face-or-school-email", YES, ["PUP-1", "PUP-3"], PUPIL),
                 marks=pytest.mark.clause("PUP-1"), id="trainee-pupil-school-email"),
    pytest.param(ask("staff", "pupil", "parent_email"),
                 Expected("pupil-through-parent-email", YES, ["PUP-3"], PUPIL),
                 marks=pytest.mark.clause("PUP-3"), id="pupil-parent-email"),
    pytest.param(ask("staff", "pupil", "video_call", pre_arranged=True, supervised=True),
                 Expected("pupil-video-call-arranged-and-supervised", IF, ["PUP-3"], PUPIL_CALL_ARRANGED),
                 marks=pytest.mark.clause("PUP-3"), id="pupil-video-call-arranged-supervised"),
    pytest.param(ask("staff", "pupil", "video_call", pre_arranged=True),
                 Expected("pupil-video-call-not-arranged", NO, ["PUP-3"], PUPIL),
                 marks=pytest.mark.clause("PUP-3"), id="pupil-video-call-unsupervised"),
    pytest.param(ask("staff", "pupil", "video_call", supervised=True),
                 Expected("pupil-video-call-not-arranged", NO, ["PUP-3"], PUPIL),
                 marks=pytest.mark.clause("PUP-3"), id="pupil-video-call-not-arranged"),
    pytest.param(ask("staff", "pupil", "school_phone"),
                 Expected("pupil-other-channels", NO, ["PUP-1"], PUPIL),
                 marks=pytest.mark.clause("PUP-1"), id="pupil-school-phone-off-trip"),
    pytest.param(ask("dsl", "pupil", "letter"),
                 Expected("pupil-other-channels", NO, ["PUP-1"], PUPIL),
                 marks=pytest.mark.clause("PUP-1"), id="pupil-letter"),
    # -- staff who are also parents (PERS-13) --
    pytest.param(ask("staff+parent", "parent", "personal_mobile", sender_is_parent_at_school=True, genuine_need=True),
                 Expected("staff-parent-with-genuine-need", IF, ["PERS-13"], PARENT_FROM_STAFF_PARENT_WITH_NEED),
                 marks=pytest.mark.clause("PERS-13"), id="staff-parent-personal-mobile-genuine-need"),
    pytest.param(ask("staff", "parent", "personal_social_media", sender_is_parent_at_school=True, genuine_need=True),
                 Expected("staff-parent-with-genuine-need", IF, ["PERS-13"], PARENT_FROM_STAFF_PARENT_WITH_NEED),
                 marks=pytest.mark.clause("PERS-13"), id="staff-parent-social-media-genuine-need"),
    pytest.param(ask("staff+parent", "parent", "personal_mobile", sender_is_parent_at_school=True),
                 Expected("staff-parent-without-genuine-need", NO, ["PERS-13", "PAR-4"], PARENT),
                 marks=pytest.mark.clause("PERS-13"), id="staff-parent-personal-mobile-no-need"),
    pytest.param(ask("staff", "parent", "personal_mobile", genuine_need=True),
                 Expected("no-personal-contact-with-parents", NO, ["PAR-4", "OFF-4"], PARENT),
                 marks=pytest.mark.clause("PAR-4"), id="not-a-parent-genuine-need-personal-mobile"),
    # -- parents and carers (PAR-1, PAR-3, PAR-4) --
    pytest.param(ask("staff", "parent", "personal_email"),
                 Expected("no-personal-contact-with-parents", NO, ["PAR-4", "OFF-4"], PARENT),
                 marks=pytest.mark.clause("PAR-4"), id="parent-personal-email"),
    pytest.param(ask("staff", "parent", "personal_social_media"),
                 Expected("no-personal-contact-with-parents", NO, ["PAR-4", "OFF-4"], PARENT),
                 marks=pytest.mark.clause("PAR-4"), id="parent-networking-site"),
    pytest.param(ask("staff", "parent", "professional_network"),
                 Expected("no-personal-contact-with-parents", NO, ["PAR-4", "OFF-4"], PARENT),
                 marks=pytest.mark.clause("PAR-4"), id="parent-professional-network"),
    pytest.param(ask("staff", "parent", "school_phone"),
                 Expected("parent-formal-channels", YES, ["PAR-3", "PAR-1"], PARENT),
                 marks=pytest.mark.clause("PAR-3"), id="parent-school-phone"),
    pytest.param(ask("staff", "parent", "school_email"),
                 Expected("parent-formal-channels", YES, ["PAR-3", "PAR-1"], PARENT),
                 marks=pytest.mark.clause("PAR-3"), id="parent-school-email"),
    pytest.param(ask("contractor", "parent", "letter"),
                 Expected("parent-formal-channels", YES, ["PAR-3", "PAR-1"], PARENT),
                 marks=pytest.mark.clause("PAR-3"), id="contractor-parent-letter"),
    pytest.param(ask("staff", "parent", "face_to_face"),
                 Expected("parent-meetings-and-reports", YES, ["PAR-1"], PARENT),
                 marks=pytest.mark.clause("PAR-1"), id="parent-face-to-face"),
    pytest.param(ask("staff", "parent", "parents_evening"),
                 Expected("parent-meetings-and-reports", YES, ["PAR-1"], PARENT),
                 marks=pytest.mark.clause("PAR-1"), id="parent-parents-evening"),
    pytest.param(ask("staff", "parent", "progress_report"),
                 Expected("parent-meetings-and-reports", YES, ["PAR-1"], PARENT),
                 marks=pytest.mark.clause("PAR-1"), id="parent-progress-report"),
    pytest.param(ask("staff", "parent", "newsletter"),
                 Expected("parent-school-publications", IF, ["PAR-1"], PARENT),
                 marks=pytest.mark.clause("PAR-1"), id="parent-st-martins-post"),
    pytest.param(ask("staff", "parent", "website"),
                 Expected("parent-school-publications", IF, ["PAR-1"], PARENT),
                 marks=pytest.mark.clause("PAR-1"), id="parent-website"),
    pytest.param(ask("staff", "parent", "video_call"),
                 Expected("parent-other-channels", NO, ["PAR-3"], PARENT),
                 marks=pytest.mark.clause("PAR-3"), id="parent-video-call"),
    pytest.param(ask("staff", "parent", "staff_whatsapp"),
                 Expected("parent-other-channels", NO, ["PAR-3"], PARENT),
                 marks=pytest.mark.clause("PAR-3"), id="parent-staff-whatsapp"),
    # -- ex-pupils: only via professional networking sites, for professional reasons (PERS-4) --
    pytest.param(ask("staff", "ex_pupil", "professional_network"),
                 Expected("ex-pupil-professional-network", IF, ["PERS-4"], EX_PUPIL),
                 marks=pytest.mark.clause("PERS-4"), id="ex-pupil-professional-network"),
    pytest.param(ask("staff", "ex_pupil", "personal_social_media"),
                 Expected("ex-pupil-other-channels", NO, ["PERS-4"], EX_PUPIL),
                 marks=pytest.mark.clause("PERS-4"), id="ex-pupil-personal-social-media"),
    pytest.param(ask("staff", "ex_pupil", "school_email"),
                 Expected("ex-pupil-other-channels", NO, ["PERS-4"], EX_PUPIL),
                 marks=pytest.mark.clause("PERS-4"), id="ex-pupil-school-email"),
    pytest.param(ask("staff", "ex_pupil", "personal_mobile"),
                 Expected("ex-pupil-other-channels", NO, ["PERS-4"], EX_PUPIL),
                 marks=pytest.mark.clause("PERS-4"), id="ex-pupil-personal-mobile"),
    pytest.param(ask("social_media_officer", "ex_pupil", "official_social_media"),
                 Expected("ex-pupil-other-channels", NO, ["PERS-4"], EX_PUPIL),
                 marks=pytest.mark.clause("PERS-4"), id="officer-ex-pupil-official-social-media"),
    pytest.param(ask("staff", "ex_pupil", "school_phone", on_trip=True),
                 Expected("ex-pupil-other-channels", NO, ["PERS-4"], EX_PUPIL),
                 marks=pytest.mark.clause("PERS-4"), id="ex-pupil-school-phone-on-trip"),
    # -- colleagues (PERS-11, PERS-9) --
    pytest.param(ask("staff", "staff", "school_email"),
                 Expected("colleague-school-channels", YES, ["PERS-11"], COLLEAGUE),
                 marks=pytest.mark.clause("PERS-11"), id="colleague-school-email"),
    pytest.param(ask("trainee_teacher", "headteacher", "staff_whatsapp"),
                 Expected("colleague-school-channels", YES, ["PERS-11"], COLLEAGUE),
                 marks=pytest.mark.clause("PERS-11"), id="trainee-headteacher-staff-whatsapp"),
    pytest.param(ask("contractor", "dsl", "face_to_face"),
                 Expected("colleague-school-channels", YES, ["PERS-11"], COLLEAGUE),
                 marks=pytest.mark.clause("COV-3"), id="contractor-dsl-face-to-face"),
    pytest.param(ask("staff", "staff", "personal_social_media"),
                 Expected("colleague-personal-channels", IF, ["PERS-11", "PERS-9"], COLLEAGUE),
                 marks=pytest.mark.clause("PERS-9"), id="colleague-personal-social-media"),
    pytest.param(ask("staff", "staff+parent", "staff_whatsapp"),
                 Expected("colleague-school-channels", YES, ["PERS-11"], COLLEAGUE_WHO_IS_A_PARENT),
                 marks=pytest.mark.clause("PERS-11"), id="colleague-who-is-a-parent-staff-whatsapp"),
    pytest.param(ask("staff", "staff+parent", "personal_mobile"),
                 Expected("no-personal-contact-with-parents", NO, ["PAR-4", "OFF-4"], COLLEAGUE_WHO_IS_A_PARENT),
                 marks=pytest.mark.clause("PAR-4"), id="colleague-who-is-a-parent-personal-mobile"),
    pytest.param(ask("staff", "staff", "video_call"),
                 Expected(None, NO, ["PRIN-i"], COLLEAGUE),
                 marks=pytest.mark.clause("PRIN-i"), id="colleague-video-call-not-listed"),
    # -- the public (LEGAL-2) and anything the policy does not list --
    pytest.param(ask("staff", "public", "school_phone"),
                 Expected("public-school-channels", IF, ["LEGAL-2", "PERS-11"], PUBLIC),
                 marks=pytest.mark.clause("LEGAL-2"), id="public-school-phone"),
    pytest.param(ask("staff", "public", "personal_social_media"),
                 Expected(None, NO, ["PRIN-i"], PUBLIC),
                 marks=pytest.mark.clause("PRIN-i"), id="public-personal-social-media-not-listed"),
    pytest.param(ask("staff", "other_school_pupil", "face_to_face"),
                 Expected(None, NO, ["PRIN-i"], NOTHING),
                 marks=pytest.mark.clause("PRIN-i"), id="other-school-pupil-face-to-face-not-listed"),
    pytest.param(ask("parent", "parent", "school_email"),
                 Expected(None, NO, ["PRIN-i"], NOTHING),
                 marks=pytest.mark.clause("COV-3"), id="sender-outside-the-workforce"),
])
# fmt: on
def test_it_answers_may_i_contact(query, expected):
    answer = evaluate(RULES, query)

    assert answer.rule_id == expected.rule
    assert answer.effect == expected.effect
    assert answer.allowed is (expected.effect != "deny")
    assert answer.clauses == expected.clauses
    assert answer.alternatives == [way for way in expected.ways if way != query.channel]
    assert (query.channel in expected.ways) is answer.allowed
    assert bool(answer.conditions) is (expected.effect == "allow_with_conditions")
    assert answer.reason and "{" not in answer.reason


TABLE = test_it_answers_may_i_contact.pytestmark[-1].args[1]


def test_it_exercises_every_rule_of_the_pack():
    decided_by_rows = {row.values[1].rule for row in TABLE}
    rules_in_pack = {rule["id"] for rule in PACK["contact_rules"]}
    assert rules_in_pack - decided_by_rows == set(), "add a row for each new rule"
    assert None in decided_by_rows, "a row must reach contact_default"
    assert {rule.id for rule in RULES.rules} == rules_in_pack


def test_it_registers_every_clause_the_rules_cite_for_policy_trace():
    cited = {c for rule in PACK["contact_rules"] for c in rule["clauses"]} | set(PACK["contact_default"]["clauses"])
    assert cited <= set(evaluate.enforces_clauses)


@pytest.mark.clause("PAR-5")
def test_it_says_how_to_ask_for_a_withheld_number_permission():
    answer = evaluate(RULES, ask("staff", "parent", "withheld_number", on_trip=True))

    assert not answer.allowed
    assert "Headteacher" in answer.reason and "proprietor" in answer.reason
    assert "request a withheld-number permission" in answer.reason
    assert answer.alternatives[:2] == ["school_phone", "school_email"]


@pytest.mark.clause("PERS-13")
def test_it_shows_the_staff_parent_conditions():
    answer = evaluate(
        RULES,
        ask("staff", "parent", "personal_mobile", sender_is_parent_at_school=True, genuine_need=True),
    )

    text = " ".join(answer.conditions)
    assert "genuine need" in text
    assert "stand up to scrutiny" in text
    assert "Designated Safeguarding Lead" in text


@pytest.mark.clause("PRIN-i")
def test_it_names_the_channel_and_person_when_the_policy_does_not_list_them():
    answer = evaluate(RULES, ask("staff", "public", "personal_social_media"))

    assert answer.reason == (
        "The policy does not list “Personal social media” as a way to contact this person "
        "(Member of the public), so it is not allowed."
    )


# -- the safety lines hold in every context ----------------------------------------------------

ALL_CONTEXTS = [
    dict(zip(CONTEXT_FIELDS, values, strict=True))
    for values in itertools.product((False, True), repeat=len(CONTEXT_FIELDS))
]


@pytest.mark.clause("PUP-2")
@pytest.mark.clause("PERS-3")
def test_it_never_allows_personal_channels_with_a_pupil_in_any_context():
    for sender, context in itertools.product(WORKFORCE, ALL_CONTEXTS):
        for recipient in ("pupil", "other_school_pupil", "pupil+ex_pupil"):
            for channel in ("personal_mobile", "personal_email", "personal_social_media", "professional_network"):
                answer = evaluate(RULES, ask(sender, recipient, channel, **context))
                assert not answer.allowed, (sender, recipient, channel, context)
                assert channel not in answer.alternatives


@pytest.mark.clause("OFF-1")
@pytest.mark.clause("PAR-6")
def test_it_allows_official_social_media_only_to_designated_officers():
    for sender, recipient in itertools.product(RULES.role_labels, RULES.role_labels):
        for context in ALL_CONTEXTS[:: len(ALL_CONTEXTS) - 1]:
            answer = evaluate(RULES, ask(sender, recipient, "official_social_media", **context))
            if answer.allowed:
                assert sender == "social_media_officer", (sender, recipient)


@pytest.mark.clause("PAR-5")
def test_it_never_allows_a_withheld_number_without_a_live_permission():
    for sender, recipient, context in itertools.product(WORKFORCE, RULES.role_labels, ALL_CONTEXTS):
        if context["has_live_withheld_permission"]:
            continue
        assert not evaluate(RULES, ask(sender, recipient, "withheld_number", **context)).allowed


@pytest.mark.clause("PERS-4")
def test_it_allows_an_ex_pupil_only_through_a_professional_network_in_any_context():
    for sender, context in itertools.product(WORKFORCE, ALL_CONTEXTS[:: len(ALL_CONTEXTS) - 1]):
        for channel in RULES.channel_labels:
            answer = evaluate(RULES, ask(sender, "ex_pupil", channel, **context))
            assert answer.allowed is (channel == "professional_network"), (sender, channel, context)
            if not answer.allowed:
                assert answer.clauses == ["PERS-4"]
            else:
                assert "For professional reasons only." in answer.conditions


def test_it_gives_a_consistent_answer_for_every_role_and_channel():
    for sender, recipient, channel in itertools.product(WORKFORCE, RULES.role_labels, RULES.channel_labels):
        answer = evaluate(RULES, ask(sender, recipient, channel))
        assert answer.clauses and answer.reason and "{" not in answer.reason
        assert answer.allowed is (answer.effect != "deny")
        assert bool(answer.conditions) is (answer.effect == "allow_with_conditions")
        assert channel not in answer.alternatives


# -- alternatives (PRIN-i) ---------------------------------------------------------------------


@pytest.mark.clause("PRIN-i")
def test_it_ranks_alternatives_by_the_pack_preference():
    preference = {c["id"]: c["preference"] for c in PACK["channels"]}
    answer = evaluate(RULES, ask("staff", "parent", "personal_mobile", on_trip=True))

    assert answer.alternatives == sorted(answer.alternatives, key=preference.__getitem__)
    assert answer.alternatives[0] == "school_phone"


@pytest.mark.clause("PRIN-i")
def test_it_follows_the_preference_when_a_school_changes_it():
    data = copy.deepcopy(PACK)
    for channel in data["channels"]:
        if channel["id"] == "letter":
            channel["preference"] = 0

    answer = evaluate(load_rules(data), ask("staff", "parent", "personal_email"))

    assert answer.alternatives[:3] == ["letter", "school_phone", "school_email"]


# -- the DESIGN.md contract --------------------------------------------------------------------


def test_it_gives_the_contract_shape_from_to_dict():
    answer = evaluate(RULES, ask("staff", "pupil", "video_call", pre_arranged=True, supervised=True))

    data = answer.to_dict()

    assert list(data) == ["allowed", "clauses", "reason", "conditions", "alternatives"]
    assert data["allowed"] is True
    assert data["clauses"] == ["PUP-3"]
    assert all(isinstance(c, str) for c in data["conditions"]) and data["conditions"]
    assert data["alternatives"] == ["school_email", "face_to_face", "parent_email"]
    assert json.loads(json.dumps(data)) == data


def test_it_keeps_the_answer_separate_from_the_rule_set():
    answer = evaluate(RULES, ask("staff", "parent", "website"))
    answer.conditions.append("changed")

    assert "changed" not in evaluate(RULES, ask("staff", "parent", "website")).conditions


# -- LEGAL-2 audience ---------------------------------------------------------------------------


@pytest.mark.clause("LEGAL-2")
@pytest.mark.parametrize("role, audience", [
    ("parent", "public"), ("ex_pupil", "public"), ("public", "public"), ("other_school_pupil", "public"),
    ("staff", "community"), ("contractor", "community"), ("trainee_teacher", "community"),
    ("pupil", "community"), ("headteacher", "community"),
])  # fmt: skip
def test_it_classifies_the_audience(role, audience):
    assert RULES.audience_of(role) == audience


@pytest.mark.clause("LEGAL-2")
def test_it_treats_a_colleague_who_is_also_a_parent_as_community():
    assert RULES.audience_of_roles({"parent"}) == "public"
    assert RULES.audience_of_roles({"staff", "parent"}) == "community"
    assert evaluate(RULES, ask("staff", "parent", "letter")).audience == "public"


# -- bad questions ------------------------------------------------------------------------------


@pytest.mark.parametrize("make, expected", [
    (lambda: ask("staff", "pupil", "fax"), "channel: unknown channel 'fax'"),
    (lambda: ask("staff", "pupils", "school_email"), "recipient_roles: unknown role 'pupils'"),
    (lambda: ask("teacher", "pupil", "school_email"), "sender_roles: unknown role 'teacher'"),
    (lambda: ContactQuery(frozenset(), frozenset({"pupil"}), "school_email"), "sender_roles: give at least one role"),
    (lambda: ContactQuery("staff", frozenset({"pupil"}), "school_email"), "sender_roles: expected a set of role IDs"),
    (lambda: ask("staff", "pupil", "video_call", supervised="yes"), "supervised: must be true or false"),
])  # fmt: skip
def test_it_names_the_field_of_a_bad_question(make, expected):
    with pytest.raises(ValueError) as error:
        evaluate(RULES, make())
    assert str(error.value).startswith(expected)


# -- a broken pack names the key ------------------------------------------------------------------


def _position(rule_id: str) -> int:
    return next(i for i, rule in enumerate(PACK["contact_rules"]) if rule["id"] == rule_id)


def _set(path, value):
    def mutate(data):
        *parents, last = path
        target = data
        for part in parents:
            target = target[part]
        target[last] = value

    return mutate


def _append_copy_of(rule_id: str, new_id: str):
    def mutate(data):
        data["contact_rules"].append({**copy.deepcopy(data["contact_rules"][_position(rule_id)]), "id": new_id})

    return mutate


LETTER_RULE = _position("parent-formal-channels")
HIDDEN = len(PACK["contact_rules"])


@pytest.mark.parametrize("mutate, expected", [
    (_set(("contact_rules", 3, "channels", 1), "fax"), "contact_rules[3].channels[1]: unknown channel 'fax'"),
    (_set(("contact_rules", 0, "sender_roles", 0), "teacher"), "contact_rules[0].sender_roles[0]: unknown role or group 'teacher'"),
    (_set(("contact_rules", 2, "effect"), "maybe"), "contact_rules[2].effect: must be one of allow, allow_with_conditions, deny"),
    (_set(("contact_rules", 4, "when", "on_tirp"), True), "contact_rules[4].when.on_tirp: unknown context"),
    (_set(("contact_rules", 4, "when", "has_live_withheld_permission"), "yes"), "contact_rules[4].when.has_live_withheld_permission: must be true or false"),
    (_set(("contact_rules", 1, "clauses", 0), "PUP-9"), "contact_rules[1].clauses[0]: unknown clause 'PUP-9'"),
    (_set(("contact_rules", 0, "conditions"), []), "contact_rules[0].conditions: required when the effect is allow_with_conditions"),
    (_set(("contact_rules", 1, "conditions"), ["Be nice."]), "contact_rules[1].conditions: must be empty when the effect is deny"),
    (_set(("contact_rules", 1, "reason"), "Not {teacher}."), "contact_rules[1].reason: unknown placeholder {teacher}"),
    (lambda d: d["contact_rules"][3].pop("reason"), "contact_rules[3].reason: missing"),
    (lambda d: d["contact_rules"][3].pop("recipient_roles"), "contact_rules[3].recipient_roles: missing"),
    (_set(("contact_rules", 1, "recipient_role"), ["pupil"]), "contact_rules[1].recipient_role: unknown key"),
    (_set(("contact_rules", 5, "id"), PACK["contact_rules"][4]["id"]), "contact_rules[5].id: duplicate rule id"),
    (_set(("contact_rules", 12, "channels"), ["*", "letter"]), 'contact_rules[12].channels: "*" (any channel) must be the only entry'),
    (_append_copy_of("parent-formal-channels", "copy"), f"contact_rules[{HIDDEN}]: never applies: contact_rules[{LETTER_RULE}]"),
    (lambda d: d.__setitem__("channels", [c for c in d["channels"] if c["id"] != "letter"]),
     f"contact_rules[{LETTER_RULE}].channels[2]: unknown channel 'letter'"),
    (_set(("contact_groups", "staff"), ["staff"]), "contact_groups.staff: a group cannot have the name of a role"),
    (_set(("contact_groups", "workforce", 1), "dls"), "contact_groups.workforce[1]: unknown role 'dls'"),
    (lambda d: d["contact_audience"]["public"].remove("parent"), "contact_audience: role 'parent' is in neither community nor public"),
    (lambda d: d["contact_default"].pop("reason"), "contact_default.reason: missing"),
    (lambda d: d.pop("contact_rules"), "contact_rules: missing"),
])  # fmt: skip
def test_it_names_the_exact_key_and_problem_of_a_broken_rule(mutate, expected):
    data = copy.deepcopy(PACK)
    mutate(data)

    problems = validate_contact_rules(data)

    assert any(p.startswith(expected) for p in problems), problems
    with pytest.raises(ContactRulesError) as error:
        load_rules(data)
    assert isinstance(error.value, ValueError) and expected in str(error.value)


def test_it_finds_no_problem_in_the_st_martins_rules():
    assert validate_contact_rules(PACK) == []
