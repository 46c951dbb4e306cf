"""A person at the centre (issue 10 item 2): one page with every case a person is in and a single
chronology, family links, flags from the pack, and a search by name, reference and year group.
Need-to-know throughout: only cases the viewer may open appear or are counted (PRIN-a, SLT-5)."""

import tomllib
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from socialguard.audit.models import AuditEvent
from socialguard.casework import personflags, services
from socialguard.casework.models import CaseEvent
from socialguard.people.models import PersonFlag
from socialguard.policy.pack import PackError, get_pack
from tests.conftest import sign_in

OAKFIELD = Path(__file__).parents[1] / "fixtures" / "oakfield-primary.toml"


def _page(person):
    return reverse("casework:person_history", kwargs={"external_id": person.external_id})


def _flags_url(person):
    return reverse("casework:person_flag", kwargs={"external_id": person.external_id})


@pytest.fixture
def family(make_person, parent_of):
    """John Smith (Year 8), his sister Amy, and their mother."""
    john = make_person("pupil", given_name="John", family_name="Smith", year_group="8")
    amy = make_person("pupil", given_name="Amy", family_name="Smith", year_group="6")
    mother = make_person("parent", given_name="Sarah", family_name="Smith")
    parent_of(mother, john)
    parent_of(mother, amy)
    return {"john": john, "amy": amy, "mother": mother}


@pytest.fixture
def history(school, report, family):
    """Two cases about John (victim, then witness), a restricted one (SLT-5) and a case he is not in."""
    john = family["john"]
    first = report(
        what_happened="HIST-ONE: mean messages on a group chat.",
        parties=[{"part": "victim", "person": john}],
    )
    second = report(
        what_happened="HIST-TWO: a fight filmed and shared.",
        parties=[{"part": "witness", "person": john}],
    )
    services.case_note_add(case=first, user=school["dsl"], text="Spoke to John's mother.")
    restricted = report(
        what_happened="HIST-RESTRICTED: an image was shared.",
        indecent_image=True,
        physical_location="On the pupil's phone, with the DSL",
        parties=[{"part": "victim", "person": john}],
    )
    other = report(what_happened="HIST-OTHER: nothing to do with him.")
    return {"first": first, "second": second, "restricted": restricted, "other": other}


@pytest.mark.django_db
@pytest.mark.clause("PRIN-a")
def test_it_shows_every_case_a_child_is_in_with_one_chronology(client, school, family, history):
    sign_in(client, school["dsl"])
    response = client.get(_page(family["john"]))
    assert response.status_code == 200
    body = response.content.decode()
    for key in ("first", "second", "restricted"):
        assert history[key].reference in body
    assert history["other"].reference not in body
    assert "Person affected (victim)" in body and "Witness" in body
    # One chronology: every event of the three cases, each linking to its case.
    events = CaseEvent.objects.filter(
        case__in=[history["first"], history["second"], history["restricted"]]
    )
    assert f"{events.count()} entries" in body
    assert "Spoke to John&#x27;s mother." in body
    chronology = body.split('id="chronology"')[1]
    assert reverse("casework:case_detail", kwargs={"reference": history["second"].reference}) in (
        chronology
    )


@pytest.mark.django_db
def test_it_links_parents_and_siblings(client, school, family, history):
    sign_in(client, school["dsl"])
    body = client.get(_page(family["john"])).content.decode()
    assert _page(family["mother"]) in body and _page(family["amy"]) in body
    body = client.get(_page(family["amy"])).content.decode()
    assert _page(family["john"]) in body  # brother, through the shared parent


@pytest.mark.django_db
@pytest.mark.clause("SLT-5")
def test_it_never_shows_or_counts_a_restricted_case_to_a_deputy(client, school, family, history):
    sign_in(client, school["deputy_dsl"])
    body = client.get(_page(family["john"])).content.decode()
    assert history["first"].reference in body
    assert history["restricted"].reference not in body
    assert "HIST-RESTRICTED" not in body
    assert "Concerns and cases (2)" in body
    search = client.get(reverse("casework:person_search"), {"q": "John Smith"}).content.decode()
    assert "2 cases" in search


@pytest.mark.django_db
@pytest.mark.clause("PRIN-a")
def test_it_never_shows_a_viewer_a_case_she_is_named_in(client, school, family, report):
    dsl = school["dsl"]
    about_her = report(
        what_happened="HIST-NAMED: the DSL and John argued online.",
        parties=[
            {"part": "victim", "person": family["john"]},
            {"part": "alleged_perpetrator", "person": dsl.person},
        ],
    )
    sign_in(client, dsl)
    body = client.get(_page(family["john"])).content.decode()
    assert about_her.reference not in body and "Concerns and cases (0)" in body
    # Her own page is refused outright (404, audited), whoever searches for her.
    assert client.get(_page(dsl.person)).status_code == 404
    assert AuditEvent.objects.filter(action="access.refused", object_id=str(dsl.person.pk)).exists()
    name = f"{dsl.person.given_name} {dsl.person.family_name}"
    search = client.get(reverse("casework:person_search"), {"q": name}).content.decode()
    assert _page(dsl.person) not in search
    # The Headteacher, not named, sees it.
    sign_in(client, school["headteacher"])
    assert about_her.reference in client.get(_page(family["john"])).content.decode()


@pytest.mark.django_db
@pytest.mark.clause("PRIN-a")
def test_it_shows_a_low_level_concern_to_the_headteacher_only(client, school, report):
    teacher = school["colleague"].person
    concern = report(
        category="staff_misuse",
        what_happened="HIST-LOW: a comment in the staff room.",
        parties=[{"part": "alleged_perpetrator", "person": teacher}],
    )
    services.case_triage(case=concern, user=school["headteacher"], staff_concern_level="low_level")
    for role in ("dsl", "deputy_dsl", "dpl", "proprietor"):
        sign_in(client, school[role])
        body = client.get(_page(teacher)).content.decode()
        assert concern.reference not in body and "Concerns and cases (0)" in body, role
        search = client.get(reverse("casework:person_search"), {"q": teacher.family_name})
        assert "0 cases" in search.content.decode(), role
    sign_in(client, school["headteacher"])
    assert concern.reference in client.get(_page(teacher)).content.decode()


@pytest.mark.django_db
def test_it_refuses_the_page_to_staff_and_to_a_parent_viewer(client, school, family, parent_of):
    sign_in(client, school["teacher"])
    assert client.get(_page(family["john"])).status_code == 403
    assert client.get(reverse("casework:person_search"), {"q": "Smith"}).status_code == 403
    parent_of(school["deputy_dsl"].person, family["amy"])
    sign_in(client, school["deputy_dsl"])
    assert client.get(_page(family["amy"])).status_code == 404  # her own child
    assert client.get(_page(family["john"])).status_code == 200


@pytest.mark.django_db
def test_it_audits_each_page_view_with_the_cases_shown(client, school, family, history):
    sign_in(client, school["dsl"])
    client.get(_page(family["john"]))
    event = AuditEvent.objects.filter(action="view", object_type="people.person").last()
    assert event.object_id == str(family["john"].pk)
    assert set(event.detail["cases"]) == {
        history[k].reference for k in ("first", "second", "restricted")
    }


@pytest.mark.django_db
def test_it_reads_the_page_in_the_same_number_of_queries_however_many_cases(
    client, school, family, report
):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_page(family["john"])).status_code == 200
        return len(queries)

    sign_in(client, school["dsl"])
    report(parties=[{"part": "victim", "person": family["john"]}])
    few = count()
    for _ in range(4):
        report(parties=[{"part": "victim", "person": family["john"]}])
    assert count() == few


@pytest.mark.django_db
def test_it_pages_a_long_chronology(client, school, family, history):
    for n in range(60):
        services.case_note_add(case=history["first"], user=school["dsl"], text=f"Note {n}")
    sign_in(client, school["dsl"])
    body = client.get(_page(family["john"])).content.decode()
    assert "Note 59" in body and "Note 0<" not in body
    body = client.get(_page(family["john"]), {"page": 2}).content.decode()
    assert "Note 0 " in body or "Note 0<" in body or "Note 0\n" in body


# ---------------------------------------------------------------- flags


@pytest.mark.django_db
def test_it_sets_and_clears_a_flag_recording_who_and_when(client, school, family, history):
    john = family["john"]
    sign_in(client, school["dsl"])
    response = client.post(
        _flags_url(john), {"action": "set", "flag": "looked_after", "note": "Since May"}
    )
    assert response.status_code == 302
    flag = PersonFlag.objects.get(person=john, flag="looked_after")
    assert flag.set_by == school["dsl"] and flag.cleared_at is None
    body = client.get(_page(john)).content.decode()
    assert "Looked after child" in body and "Since May" in body
    case_page = client.get(
        reverse("casework:case_detail", kwargs={"reference": history["first"].reference})
    ).content.decode()
    assert "sg-flag-badge" in case_page and "Looked after child" in case_page
    assert (
        client.post(_flags_url(john), {"action": "clear", "flag": "looked_after"}).status_code
        == 302
    )
    flag.refresh_from_db()
    assert flag.cleared_by == school["dsl"] and flag.cleared_at is not None
    actions = list(
        AuditEvent.objects.filter(object_id=str(john.pk), action__startswith="person.flag")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["person.flag_set", "person.flag_cleared"]
    assert "Flags cleared" in client.get(_page(john)).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"action": "set", "flag": "not_a_flag"}, "Choose one of this school"),
        ({"action": "set", "flag": ""}, "Choose a flag"),
        ({"action": "set", "flag": "send", "note": "x" * 301}, "300 characters"),
        ({"action": "dance", "flag": "send"}, "set or clear"),
    ],
)
def test_it_refuses_a_bad_flag_naming_the_field(client, school, family, data, field_message):
    sign_in(client, school["dsl"])
    response = client.post(_flags_url(family["john"]), data)
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert not PersonFlag.objects.exists()


@pytest.mark.django_db
def test_it_refuses_setting_a_flag_twice_and_clearing_one_not_set(client, school, family):
    john = family["john"]
    personflags.person_flag_set(person=john, flag="send", note="", user=school["dsl"])
    with pytest.raises(personflags.FlagRefused) as refused:
        personflags.person_flag_set(person=john, flag="send", note="", user=school["dsl"])
    assert refused.value.field == "flag"
    sign_in(client, school["dsl"])
    response = client.post(_flags_url(john), {"action": "clear", "flag": "early_help"}, follow=True)
    assert "not set on this person" in response.content.decode()
    assert PersonFlag.objects.filter(person=john).count() == 1


@pytest.mark.django_db
def test_it_lets_only_handlers_set_flags(client, school, family):
    sign_in(client, school["teacher"])
    response = client.post(_flags_url(family["john"]), {"action": "set", "flag": "send"})
    assert response.status_code == 403
    assert not PersonFlag.objects.exists()


def test_it_reads_each_schools_own_list_of_flags():
    ours = personflags.parse_person_flags(get_pack().data)
    assert [c.id for c in ours][:2] == ["child_protection_plan", "child_in_need"]
    assert "young_carer" in {c.id for c in ours}
    oakfield = personflags.parse_person_flags(tomllib.loads(OAKFIELD.read_text()))
    assert {c.id for c in oakfield} != {c.id for c in ours}
    assert "ehcp" in {c.id for c in oakfield}


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({}, "casework.person_flags: missing"),
        ({"person_flags": {"Bad Id": "x"}}, "casework.person_flags.Bad Id"),
        ({"person_flags": {"send": ""}}, "casework.person_flags.send"),
    ],
)
def test_it_refuses_a_broken_flag_list_naming_the_key(table, key):
    with pytest.raises(PackError) as refused:
        personflags.parse_person_flags({"casework": table})
    assert key in str(refused.value)


@pytest.mark.django_db
def test_it_offers_the_second_schools_flags_on_the_page(client, settings, school, family):
    settings.POLICY_PACK = str(OAKFIELD)
    sign_in(client, school["dsl"])
    body = client.get(_page(family["john"])).content.decode()
    assert "Education, health and care plan" in body and "Young carer" not in body


# ---------------------------------------------------------------- search


def _search(client, **params):
    return client.get(reverse("casework:person_search"), params)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["John Smith", "Jon Smith", "Smith", "Smiht", "john smith"])
def test_it_finds_a_child_by_name_or_a_misspelling(client, school, family, history, typed):
    sign_in(client, school["dsl"])
    body = _search(client, q=typed).content.decode()
    assert _page(family["john"]) in body
    assert "3 cases" in body  # his three cases, all open to the DSL


@pytest.mark.django_db
def test_it_puts_the_closest_name_first(client, school, family, history):
    sign_in(client, school["dsl"])
    body = _search(client, q="Jon Smith").content.decode()
    assert body.index(_page(family["john"])) < body.index(_page(family["amy"]))


@pytest.mark.django_db
def test_it_goes_straight_to_a_case_from_its_reference(client, school, history):
    sign_in(client, school["dsl"])
    reference = history["first"].reference
    response = _search(client, q=reference.lower())
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:case_detail", kwargs={"reference": reference})
    prefix = _search(client, q=reference[:9]).content.decode()
    assert reference in prefix


@pytest.mark.django_db
@pytest.mark.clause("SLT-5")
def test_it_never_finds_a_case_by_reference_the_viewer_may_not_open(client, school, history):
    sign_in(client, school["deputy_dsl"])
    reference = history["restricted"].reference
    link = reverse("casework:case_detail", kwargs={"reference": reference})
    response = _search(client, q=reference)
    assert response.status_code == 200
    body = response.content.decode()
    assert link not in body and "Cases with that reference (0)" in body
    assert link not in _search(client, q=reference[:-1]).content.decode()


@pytest.mark.django_db
def test_it_lists_a_year_group(client, school, family, history):
    sign_in(client, school["dsl"])
    body = _search(client, year="8").content.decode()
    assert _page(family["john"]) in body and _page(family["amy"]) not in body
    body = _search(client, q="Smith", year="6").content.decode()
    assert _page(family["amy"]) in body and _page(family["john"]) not in body
    bad = _search(client, year="99")
    assert bad.status_code == 400 and "Choose a year group from the list" in bad.content.decode()


@pytest.mark.django_db
def test_it_audits_a_name_search_without_the_name(client, school, family, history):
    sign_in(client, school["dsl"])
    _search(client, q="Jon Smith")
    event = AuditEvent.objects.filter(action="cases.search").last()
    assert event.detail["query_length"] == len("Jon Smith")
    assert event.detail["kind"] == "name" and event.detail["people"] >= 1
    assert "Smith" not in str(event.detail) and "Jon" not in str(event.detail)
    (shown,) = AuditEvent.objects.filter(action="view_list", object_id="person search")
    assert family["john"].external_id in shown.detail["ids"]


@pytest.mark.django_db
def test_it_searches_in_the_same_number_of_queries_however_many_are_found(
    client, school, family, history, make_person
):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert _search(client, q="Smith").status_code == 200
        return len(queries)

    sign_in(client, school["dsl"])
    count()  # the directory's name index is built once, then reused until the directory changes
    few = count()
    for n in range(5):
        make_person("pupil", given_name=f"Pupil{n}", family_name="Smith", year_group="7")
    count()
    assert count() == few


@pytest.mark.django_db
def test_it_links_the_directory_page_to_the_safeguarding_page(client, school, family):
    sign_in(client, school["dsl"])
    detail = reverse("person_detail", kwargs={"external_id": family["john"].external_id})
    assert _page(family["john"]) in client.get(detail).content.decode()
    own = reverse("person_detail", kwargs={"external_id": school["dsl"].person.external_id})
    assert _page(school["dsl"].person) not in client.get(own).content.decode()
