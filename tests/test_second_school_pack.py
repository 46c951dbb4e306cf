"""Another school swaps the pack: Oakfield Primary (tests/fixtures/oakfield-primary.toml) differs from
St Martin's in its name, motto, role holders, officers (three), deadlines, newsletter, a route, a
category label and a clause text. Every page, route and due time must follow it, and no page may
still say St Martin's or name one of St Martin's role holders."""

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from socialguard import clock
from socialguard.policy import pack as pack_module
from socialguard.policy.pack import PackError, get_pack, parse, validate
from tests.conftest import sign_in

OAKFIELD = Path(__file__).parent / "fixtures" / "oakfield-primary.toml"
ST_MARTINS = Path(pack_module.__file__).parent / "packs" / "st-martins.toml"
MOMENT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
# Imported lazily: test_access_matrix imports `tests.<module>.access` for every module here.
ACCOUNT_ROLES = sorted(get_pack().account_roles())


def _st_martins_facts() -> list[str]:
    """What must never show once Oakfield's pack is in use: St Martin's name, newsletter, motto,
    and every role holder's name and email, all read from St Martin's own pack."""
    data = tomllib.loads(ST_MARTINS.read_text(encoding="utf-8"))
    facts = ["St Martin", "St. Martin", "stmartins", data["school"]["motto"]]
    for h in data["role_holders"]:
        facts += [f"{h['title']} {h['family_name']}", f"{h['given_name']} {h['family_name']}"]
        facts.append(h["email"])
    return facts


def _leaks(text: str) -> list[str]:
    return [fact for fact in _st_martins_facts() if fact.lower() in text.lower()]


@pytest.fixture
def oakfield(settings):
    """Use Oakfield's pack for the test; pytest-django puts St Martin's back afterwards, and
    get_pack() is cached per path, so the swap needs no cache clearing."""
    settings.POLICY_PACK = str(OAKFIELD)
    pack = get_pack()
    assert pack.school["id"] == "oakfield-primary"
    yield pack
    settings.POLICY_PACK = str(ST_MARTINS)


@pytest.fixture
def oak_people(make_user):
    """Oakfield's role holders in the directory, under the pack's own external ids and emails."""
    people = {}
    for h in get_pack().role_holders:
        people.setdefault(h.role, []).append(
            make_user(
                h.role,
                username=h.external_id.lower(),
                external_id=h.external_id,
                given_name=h.given_name,
                family_name=h.family_name,
                email=h.email,
            )
        )
    people["teacher"] = [make_user("staff", username="oak-teacher")]
    return people


def test_it_loads_and_validates_the_second_school_pack(oakfield):
    from socialguard.casework.packdata import casework_config
    from socialguard.consent.packdata import consent_settings
    from socialguard.contact.packdata import office_settings
    from socialguard.declarations.packdata import declarations_pack
    from socialguard.publishing.packdata import publishing_pack

    assert validate(tomllib.loads(OAKFIELD.read_text(encoding="utf-8"))) == []
    assert oakfield.school_name == "Oakfield Primary School"
    assert [h.display_name for h in oakfield.holders_of("social_media_officer")] == [
        "Miss Quigley",
        "Mr Oyelaran",
        "Mrs Kowalczyk",
    ]
    assert oakfield.deadline_hours("triage") == 4 and oakfield.deadline_hours("approval") == 12
    assert oakfield.categories["school_reputation"].route == ("deputy_dsl", "headteacher")
    assert publishing_pack().newsletter_name == "Oakfield Acorn"
    assert publishing_pack().approval_hours == 12
    assert office_settings().phone == "01632 960 777"
    assert casework_config() and declarations_pack() and consent_settings()
    assert not _leaks(OAKFIELD.read_text(encoding="utf-8"))


def test_it_routes_a_concern_by_the_second_schools_route_and_holders(oakfield, oak_people):
    from socialguard.casework import services

    reporter = oak_people["teacher"][0]
    with clock.frozen(MOMENT):
        case = services.case_report(
            reporter=reporter.person,
            category="school_reputation",
            what_happened="A parent posted that the school is failing.",
            platform="Facebook",
            user=reporter,
        )
    deputy = oak_people["deputy_dsl"][0]
    assert list(case.route) == ["deputy_dsl", "headteacher"]
    assert [(r.person_id, r.role) for r in case.recipients.all()] == [
        (deputy.person.pk, "deputy_dsl")
    ]
    assert case.lead_handler == deputy.person
    assert {m.to[0] for m in mail.outbox} == {"i.halvorsen@oakfield.example.org"}
    assert not [m.subject for m in mail.outbox if _leaks(m.subject + m.body)]
    assert case.triage_due == MOMENT + timedelta(hours=4)


def test_it_gives_a_draft_the_second_schools_approval_deadline_and_officers(oakfield, oak_people):
    from socialguard.declarations.services import training_record
    from socialguard.publishing import services

    head = oak_people["headteacher"][0]
    for officer in oak_people["social_media_officer"]:
        training_record(
            person=officer.person,
            kind="social_media_officer",
            course="Officer course",
            completed_on=MOMENT.date() - timedelta(days=5),
            expires_on=MOMENT.date() + timedelta(days=300),
            recorded_by=head,
        )
    author = oak_people["teacher"][0]
    website = services.account_save(
        user=None, platform="website", name="Oakfield website", connector="website"
    )
    with clock.frozen(MOMENT):
        draft = services.draft_save(
            author=author.person,
            text="The choir sings at the town hall on Friday. Everyone is welcome.",
            account_ids=[website.pk],
        )
        draft = services.draft_submit(draft=draft, author=author.person)
    assert draft.due_at == MOMENT + timedelta(hours=12)
    officers = {o.person.pk for o in oak_people["social_media_officer"]}
    assert draft.approver_id in officers
    refused = services.officer_gate(author.person)
    assert not refused.allowed
    assert "Miss Quigley, Mr Oyelaran, Mrs Kowalczyk" in refused.message
    assert not _leaks(refused.message)
    assert not [m.subject for m in mail.outbox if _leaks(m.subject + m.body)]


@pytest.mark.django_db
def test_it_shows_the_second_schools_name_newsletter_and_clause_text(client, oakfield, make_user):
    sign_in(client, make_user("staff"))
    policy = client.get(reverse("policy")).content.decode()
    assert "Oakfield Primary School" in policy and "Grow, learn, belong" in policy
    assert "plain English a Year 3 child could read aloud" in policy
    assert "Jargon-free plain English in professional communication" not in policy
    assert "Miss Quigley, Mr Oyelaran and Mrs Kowalczyk" in policy
    home = client.get("/").content.decode()
    assert "Oakfield Primary School" in home
    report = client.get(reverse("casework:report")).content.decode()
    assert "Harm to Oakfield’s good name" in report or "Harm to Oakfield&#x27;s" in report
    news = client.get(reverse("publishing:news")).content.decode()
    assert "Oakfield Acorn" in news
    newsletters = client.get(reverse("publishing:newsletter_index")).content.decode()
    assert "Oakfield Acorn" in newsletters
    for page in (policy, home, report, news, newsletters):
        assert not _leaks(page)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous"] + ACCOUNT_ROLES)
def test_it_never_shows_st_martins_on_any_page_with_the_second_pack(
    client, oakfield, make_person, make_user, role
):
    """Every page of the access matrix that the role may open, under Oakfield's pack."""
    from tests.test_access_matrix import BUILDERS, ENTRIES

    world = {}
    for build in BUILDERS:
        world.update(build(make_person, make_user) or {})
    if role != "anonymous":
        sign_in(client, make_user(role))
    leaks = []
    for name, (allowed, kwargs, *method) in sorted(ENTRIES.items()):
        if method == ["post"] or not (
            allowed == "public" or (role != "anonymous" and (allowed == "*" or role in allowed))
        ):
            continue
        url = reverse(name, kwargs=kwargs(world) if callable(kwargs) else kwargs)
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(
            ("text/", "application/json", "application/rss", "application/xml")
        ):
            continue
        found = _leaks(response.content.decode("utf-8", "replace"))
        if found:
            leaks.append(f"{url}: {found}")
    assert not leaks, "\n".join(leaks)


def _broken(old: str, new: str) -> bytes:
    text = OAKFIELD.read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new, 1).encode("utf-8")


@pytest.mark.parametrize(
    "old, new, key",
    [
        ("triage = 4\n", "", "deadlines.triage: missing"),
        ("approval = 12\n", 'approval = "12"\n', "deadlines.approval: must be a positive number"),
        ('motto = "Grow, learn, belong"\n', "", "school.motto: missing"),
        ('family_name = "Quigley"', "family_name = 7", "role_holders[4].family_name"),
        (
            'route = ["deputy_dsl", "headteacher"]',
            'route = ["deputy_dls", "headteacher"]',
            "categories[4].route[0]: unknown role 'deputy_dls'",
        ),
        ('newsletter_name = "Oakfield Acorn"\n', "", "school.newsletter_name: missing"),
        ('policy_title = "Social Media Policy"\n', "", "school.policy_title: missing"),
        ('newsletter_name = "Oakfield Acorn"', "newsletter_name = 3", "school.newsletter_name"),
    ],
)
def test_it_refuses_a_broken_copy_naming_the_exact_key(old, new, key):
    with pytest.raises(PackError) as err:
        parse(_broken(old, new), source="oakfield-primary.toml")
    assert key in str(err.value), str(err.value)


@pytest.mark.django_db
def test_it_refuses_the_st_martins_demo_in_words_under_another_pack(oakfield):
    from django.core.management import CommandError, call_command

    from socialguard.people.models import Person

    with pytest.raises(CommandError) as err:
        call_command("load-demo")
    assert err.value.returncode == 2
    assert "STAFF-001" in str(err.value) and "Oakfield Primary School" in str(err.value)
    assert not Person.objects.exists()
