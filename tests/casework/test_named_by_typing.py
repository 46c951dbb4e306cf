"""A person named by typing is named (PRIN-a, REP-1): "Mr Okafor", "the head" or "Helen Cartr"
keeps the Headteacher or the DSL away from a case as surely as picking them from the directory,
on the web form, the public form and the API, until a handler who is not named decides."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from socialguard.audit.models import AuditEvent
from socialguard.casework import services
from socialguard.casework.models import Case
from socialguard.casework.permissions import can_view_case, visible_cases
from socialguard.web.schedule import load_sweeps, run_sweeps
from tests.casework.test_report import form_data, png_bytes
from tests.conftest import sign_in


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(make_user, make_person):
    """Handlers with real names, a reporting teacher, and people with similar names."""
    people = {
        "head": make_user(
            "headteacher", username="head", title="Mr", given_name="David", family_name="Okafor"
        ),
        "dsl": make_user(
            "dsl",
            username="dsl",
            title="Ms",
            given_name="Helen",
            family_name="Carter",
            preferred_name="Nell",
        ),
        "deputy": make_user(
            "deputy_dsl", username="deputy", title="Mr", given_name="Samuel", family_name="Price"
        ),
        "dpl": make_user(
            "dpl", username="dpl", title="Mrs", given_name="Priya", family_name="Shah"
        ),
        "proprietor": make_user(
            "proprietor", username="chair", title="Dr", given_name="Margaret", family_name="Ellis"
        ),
        "teacher": make_user("staff", username="teacher", given_name="Tom", family_name="Baxter"),
    }
    make_person("pupil", given_name="Aisha", family_name="Bello", year_group="8")
    return people


def _emailed(user) -> bool:
    return any(user.email in message.to for message in mail.outbox)


def _report(channel, client, staff, name, part, category="cyberbullying_harassment", text=""):
    """Report a concern naming someone by typing, through one of the ways in; returns the case."""
    what = text or "Abusive comments posted about a pupil."
    if channel == "web":
        sign_in(client, staff["teacher"])
        response = client.post(
            reverse("casework:report"),
            form_data(
                category=category,
                what_happened=what,
                involved_1_name=name,
                involved_1_part=part,
                illegal_or_threats="yes",
            ),
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    elif channel == "api":
        sign_in(client, staff["teacher"])
        response = client.post(
            "/api/v1/cases",
            {
                "category": category,
                "what_happened": what,
                "illegal_or_threats": True,
                "indecent_image": False,
                "involved": [{"part": part, "name": name}] if name else [],
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    else:
        response = client.post(
            reverse("casework:public_report"),
            {
                "what_happened": what,
                "category": category,
                "about": name,
                "illegal_or_threats": "yes",
                "indecent_image": "no",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return Case.objects.latest("created_at")


def _add_evidence(case, user):
    return services.evidence_add_file(
        case=case,
        user=user,
        upload=services.Upload(
            content=png_bytes(),
            name="shot.png",
            captured_at=datetime(2026, 1, 5, tzinfo=UTC),
            site_address="https://example.org/post",
        ),
    )


def _cannot_see(client, user, case, evidence=None):
    sign_in(client, user)
    assert client.get(reverse("casework:case_detail", args=[case.reference])).status_code == 404
    assert case.reference not in client.get(reverse("casework:case_list")).content.decode()
    assert client.get(f"/api/v1/cases/{case.reference}").status_code == 404
    assert case.reference not in client.get("/api/v1/cases").content.decode()
    assert case.reference not in client.get(reverse("casework:my_actions")).content.decode()
    assert case not in visible_cases(user)
    if evidence is not None:
        url = reverse("casework:evidence_download", args=[case.reference, evidence.reference])
        assert client.get(url).status_code == 404
    client.logout()


HEAD_TYPED = [
    "David Okafor",
    "Mr Okafor",
    "mr okafor",
    "OKAFOR",
    "Okafor's",
    "D. Okafor",
    "DO",
    "Mr Okafór",
    "Mr Okafr",
    "Dvaid Okafro",
    "the headteacher",
    "The Head",
    "head teacher",
]
CHANNELS = ["web", "public", "api"]


@pytest.mark.clause("PRIN-a")
@pytest.mark.clause("REP-1")
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("typed", HEAD_TYPED)
def test_it_sends_a_concern_about_the_typed_headteacher_to_the_proprietor(
    client, staff, channel, typed
):
    mail.outbox.clear()
    case = _report(channel, client, staff, typed, "alleged_perpetrator")
    assert case.about_headteacher and case.route == ["proprietor"]
    assert case.lead_handler == staff["proprietor"].person
    assert can_view_case(staff["proprietor"], case)
    assert not can_view_case(staff["head"], case)
    assert not _emailed(staff["head"]) and _emailed(staff["proprietor"])
    assert case.actions.exclude(owner=None).exclude(owner=staff["head"].person).exists()
    assert not case.actions.filter(owner=staff["head"].person).exists()
    evidence = _add_evidence(case, staff["proprietor"])
    _cannot_see(client, staff["head"], case, evidence)
    sign_in(client, staff["head"])
    assert "Triage new concerns" not in client.get(reverse("home")).content.decode()


DSL_TYPED = [
    "Helen Carter",
    "Ms Carter",
    "carter",
    "Nell",
    "Nell Carter",
    "H. Carter",
    "Ms Cárter",
    "Helen Cartr",
    "the DSL",
    "our safeguarding lead",
    "Designated Safeguarding Lead",
]


@pytest.mark.clause("PRIN-a")
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("typed", DSL_TYPED)
def test_it_keeps_a_typed_dsl_victim_from_the_case_and_its_evidence(client, staff, channel, typed):
    mail.outbox.clear()
    case = _report(channel, client, staff, typed, "victim")
    assert staff["dsl"].person.pk in services._named_ids(case)
    assert not can_view_case(staff["dsl"], case)
    assert not _emailed(staff["dsl"])
    assert case.lead_handler not in (None, staff["dsl"].person)
    assert not case.actions.filter(owner=staff["dsl"].person).exists()
    handler = next(u for u in staff.values() if can_view_case(u, case))
    evidence = _add_evidence(case, handler)
    _cannot_see(client, staff["dsl"], case, evidence)


@pytest.mark.clause("PRIN-a")
@pytest.mark.parametrize("channel", CHANNELS)
def test_it_treats_a_name_in_what_happened_as_named(client, staff, channel):
    case = _report(
        channel,
        client,
        staff,
        "",
        "witness",
        text="A parent posted that Mr Okafr and Nell Carter ignored it.",
    )
    named = services._named_ids(case)
    assert {staff["head"].person.pk, staff["dsl"].person.pk} <= named
    assert not can_view_case(staff["head"], case) and not can_view_case(staff["dsl"], case)
    assert can_view_case(staff["deputy"], case)
    assert case.events.filter(kind="possible_match").exists()


@pytest.mark.clause("PRIN-a")
def test_it_does_not_name_anyone_for_ordinary_words(client, staff):
    case = _report(
        "web", client, staff, "A boy in year 8", "alleged_perpetrator", text="He hit his head."
    )
    assert not case.possible_matches.exists()
    assert not case.about_headteacher
    assert can_view_case(staff["head"], case) and can_view_case(staff["dsl"], case)


@pytest.mark.clause("PRIN-a")
def test_it_lets_a_handler_who_is_not_named_rule_out_a_match_and_restores_the_route(client, staff):
    case = _report("web", client, staff, "Mr Okafor", "alleged_perpetrator")
    match = case.possible_matches.get(person=staff["head"].person)
    sign_in(client, staff["proprietor"])
    page = client.get(reverse("casework:case_detail", args=[case.reference])).content.decode()
    assert "Who the typed names may mean" in page and "Mr David Okafor, Headteacher" in page
    mail.outbox.clear()
    response = client.post(
        reverse("casework:case_match", args=[case.reference, match.pk]), {"decision": "reject"}
    )
    assert response.status_code == 302
    match.refresh_from_db()
    case.refresh_from_db()
    assert match.state == "rejected" and match.decided_by == staff["proprietor"]
    assert not case.about_headteacher and "headteacher" in case.route
    assert can_view_case(staff["head"], case)
    assert case.events.filter(kind="match_rejected").exists()
    assert case.events.filter(kind="rerouted").exists()
    assert AuditEvent.objects.filter(action="case.match_rejected", object_id=str(case.pk)).exists()
    assert _emailed(staff["dsl"])  # the usual route is told


@pytest.mark.clause("PRIN-a")
def test_it_lets_a_handler_confirm_a_match_which_links_the_party(client, staff, make_person):
    make_person("parent", given_name="Daniel", family_name="Okafor")
    case = _report("api", client, staff, "Mr Okafor", "alleged_perpetrator")
    assert case.possible_matches.count() == 2
    match = case.possible_matches.get(person=staff["head"].person)
    sign_in(client, staff["proprietor"])
    response = client.post(
        reverse("casework:case_match", args=[case.reference, match.pk]), {"decision": "confirm"}
    )
    assert response.status_code == 302
    party = case.parties.get()
    assert party.person == staff["head"].person and party.kind == "staff"
    assert set(case.possible_matches.values_list("state", flat=True)) == {"confirmed", "rejected"}
    case.refresh_from_db()
    assert case.about_headteacher and not can_view_case(staff["head"], case)
    assert case.events.filter(kind="match_confirmed").exists()
    assert AuditEvent.objects.filter(action="case.match_confirmed").exists()
    again = client.post(
        reverse("casework:case_match", args=[case.reference, match.pk]), {"decision": "reject"}
    )
    assert again.status_code == 400 and "already been decided" in again.content.decode()


@pytest.mark.clause("PRIN-a")
def test_it_refuses_a_decision_from_someone_who_may_be_named(client, staff):
    case = _report("web", client, staff, "the DSL", "victim")
    match = case.possible_matches.get(person=staff["dsl"].person)
    sign_in(client, staff["dsl"])
    response = client.post(
        reverse("casework:case_match", args=[case.reference, match.pk]), {"decision": "reject"}
    )
    assert response.status_code == 404
    with pytest.raises(services.CaseworkError, match="named in this case"):
        services.case_match_decide(match=match, user=staff["dsl"], decision="reject")
    match.refresh_from_db()
    assert match.state == "possible"
    sign_in(client, staff["deputy"])
    bad = client.post(
        reverse("casework:case_match", args=[case.reference, match.pk]), {"decision": "maybe"}
    )
    assert bad.status_code == 400 and "confirm the match or rule it out" in bad.content.decode()
    done = client.post(
        reverse("casework:case_match", args=[case.reference, match.pk]), {"decision": "reject"}
    )
    assert done.status_code == 302 and can_view_case(staff["dsl"], case)


@pytest.mark.clause("PRIN-a")
def test_it_matches_a_name_a_handler_types_later_and_moves_the_case_on(client, staff):
    case = _report("web", client, staff, "", "victim", category="cyberbullying_harassment")
    assert case.lead_handler == staff["dsl"].person
    sign_in(client, staff["deputy"])
    response = client.post(
        reverse("casework:case_party", args=[case.reference]),
        {"name": "Ms Carter", "part": "witness", "kind": "staff"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.lead_handler != staff["dsl"].person
    assert not can_view_case(staff["dsl"], case)
    assert not case.actions.filter(owner=staff["dsl"].person, status="open").exists()
    response = client.post(
        reverse("casework:case_party", args=[case.reference]),
        {"name": "the head", "part": "alleged_perpetrator", "kind": "staff"},
    )
    case.refresh_from_db()
    assert case.about_headteacher and case.route == ["proprietor"]
    assert not can_view_case(staff["head"], case) and can_view_case(staff["proprietor"], case)


@pytest.mark.clause("PRIN-a")
def test_it_sends_no_reminder_to_someone_who_may_be_named(staff, client):
    case = _report("web", client, staff, "", "victim")
    assert case.recipients.filter(person=staff["dsl"].person).exists()
    services.case_party_add(case=case, user=staff["deputy"], part="witness", name="Helen C.")
    load_sweeps()
    mail.outbox.clear()
    run_sweeps(case.triage_due - services._hours("reminder_before") / 2)
    about_case = [m for m in mail.outbox if case.reference in m.subject]
    assert any("Reminder" in m.subject for m in about_case)
    assert not any(staff["dsl"].email in m.to for m in about_case)


@pytest.mark.clause("PRIN-a")
def test_it_shows_and_decides_matches_through_the_api(client, staff):
    case = _report("api", client, staff, "Nell", "victim")
    match = case.possible_matches.get(person=staff["dsl"].person)
    url = f"/api/v1/cases/{case.reference}/matches/{match.pk}"
    sign_in(client, staff["dsl"])
    assert (
        client.post(url, {"decision": "reject"}, content_type="application/json").status_code == 404
    )
    sign_in(client, staff["deputy"])
    listed = client.get(f"/api/v1/cases/{case.reference}").json()["possible_matches"]
    assert listed == [
        {
            "id": match.pk,
            "typed": "Nell",
            "part": "victim",
            "source": "party",
            "person": "Ms Nell Carter, Designated Safeguarding Lead",
            "state": "possible",
        }
    ]
    bad = client.post(url, {"decision": "perhaps"}, content_type="application/json")
    assert bad.status_code == 400 and "decision" in bad.json()["detail"]
    done = client.post(url, {"decision": "reject"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "rejected"
    assert can_view_case(staff["dsl"], case)
