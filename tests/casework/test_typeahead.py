"""The directory typeahead is need-to-know: at most 10 suggestions to 3 letters or more, with
only a name and a role or year group, rate-limited per person and audited; a pick links the
party through a signed token the server checks against the name shown."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from socialguard.audit.models import AuditEvent
from socialguard.casework import forms as casework_forms
from socialguard.casework import views
from socialguard.casework.models import Case
from tests.casework.test_report import form_data
from tests.conftest import sign_in


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def volunteer(make_user):
    return make_user("volunteer", username="volunteer")


def _options(response) -> list[dict]:
    return [
        {"label": label, "token": token}
        for label, token in re.findall(
            r'<option value="([^"]*)" data-pick="([^"]*)"', response.content.decode()
        )
    ]


def _search(client, query):
    return client.get(reverse("casework:people_search"), {"q": query})


def test_it_answers_at_most_ten_suggestions(client, volunteer, make_person):
    for _ in range(15):
        make_person("pupil", family_name="Fairweather", year_group="7")
    sign_in(client, volunteer)
    assert len(_options(_search(client, "Fairweather"))) == 10


def test_it_answers_nothing_to_fewer_than_three_letters(client, volunteer, make_person):
    make_person("staff", given_name="Jo", family_name="Ng")
    sign_in(client, volunteer)
    assert _options(_search(client, "Ng")) == []
    assert _options(_search(client, "N 1")) == []


def test_it_shows_only_a_name_and_a_role_or_year_group(client, volunteer, make_person):
    pupil = make_person(
        "pupil",
        given_name="Amara",
        family_name="Quist",
        year_group="9",
        upn="A123456789012",
        date_of_birth=date(2012, 4, 1),
        external_id="PUP-7781",
    )
    head = make_person(
        "headteacher", title="Mrs", given_name="Beatrice", family_name="Quist", external_id="ST-1"
    )
    sign_in(client, volunteer)
    response = _search(client, "quist")
    labels = sorted(o["label"] for o in _options(response))
    assert labels == ["Amara Quist, Year 9", "Mrs Beatrice Quist, Headteacher"]
    page = response.content.decode()
    for secret in (pupil.external_id, pupil.upn, "2012", head.external_id):
        assert secret not in page


def test_it_suggests_the_holders_of_a_role_typed_in_words(client, volunteer, make_person):
    make_person("headteacher", given_name="Beatrice", family_name="Thornbury")
    sign_in(client, volunteer)
    labels = [o["label"] for o in _options(_search(client, "the head"))]
    assert labels == ["Beatrice Thornbury, Headteacher"]


def test_it_rate_limits_look_ups_per_person(client, volunteer, make_user, settings):
    sign_in(client, volunteer)
    for _ in range(views.LOOKUPS_PER_MINUTE):
        assert _search(client, "abc").status_code == 200
    refused = _search(client, "abc")
    assert refused.status_code == 429 and "Too many directory look-ups" in refused.content.decode()
    sign_in(client, make_user("staff"))
    assert _search(client, "abc").status_code == 200


def test_it_audits_each_look_up_without_the_query_or_names(client, volunteer, make_person):
    make_person("pupil", given_name="Amara", family_name="Quist")
    sign_in(client, volunteer)
    _search(client, "Quist")
    event = AuditEvent.objects.filter(action="people.lookup").latest("id")
    assert event.detail == {"results": 1, "query_length": 5}
    assert event.actor_id == volunteer.pk
    assert "quist" not in str(event.detail).lower() and "amara" not in str(event.detail).lower()


@pytest.mark.clause("PRIN-a")
def test_it_links_a_pick_and_says_which_entry_was_picked(client, school, make_person):
    target = make_person("staff", given_name="Ottilie", family_name="Ravensworth")
    make_person("staff", given_name="Otto", family_name="Ravensworth")
    sign_in(client, school["teacher"])
    options = _options(_search(client, "Ottilie"))
    assert len(options) == 1
    label, token = options[0]["label"], options[0]["token"]
    page = client.post(
        reverse("casework:report"),
        form_data(involved_1_name=label, involved_1_pick=token, category=""),
    ).content.decode()
    assert f"Linked to: {label}" in page  # shown again after an error, link kept
    assert "casework/people_pick.js" in page and "<script>" not in page  # CSP: no inline script
    client.post(
        reverse("casework:report"),
        form_data(involved_1_name=label, involved_1_pick=token, involved_1_part="victim"),
    )
    case = Case.objects.get()
    assert case.parties.get().person == target
    assert not case.possible_matches.filter(party__isnull=False).exists()


@pytest.mark.clause("PRIN-a")
@pytest.mark.parametrize("tamper", ["forged", "other_name"])
def test_it_does_not_link_a_forged_or_edited_pick_and_checks_the_name(
    client, school, make_person, tamper
):
    target = make_person("staff", given_name="Ottilie", family_name="Ravensworth")
    other = make_person("staff", given_name="Cassius", family_name="Lindqvist")
    sign_in(client, school["teacher"])
    token = casework_forms.pick_token(target)
    if tamper == "forged":
        token = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    name = "Ottilie Ravensworth" if tamper == "forged" else "Cassius Lindqvist"
    page = client.post(
        reverse("casework:report"),
        form_data(involved_1_name=name, involved_1_pick=token, category=""),
    ).content.decode()
    assert "Not linked to the directory" in page
    client.post(
        reverse("casework:report"),
        form_data(involved_1_name=name, involved_1_pick=token, involved_1_part="witness"),
    )
    case = Case.objects.get()
    party = case.parties.get()
    assert party.person is None
    expected = target if tamper == "forged" else other
    assert set(case.possible_matches.values_list("person", flat=True)) == {expected.pk}
