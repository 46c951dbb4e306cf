"""The trust issue's done-when: every role, and the people a concern is about, walk every URL pattern
and API path with real object ids; no one named in a case (however the reporter typed the name)
sees it, a role imported onto oneself opens nothing, and nobody learns from a response the content
of a case they may not see.

The URL list and the world come from the access matrix (tests/<app>/access.py); here each case-like
URL is also asked with the ids of the cases the walker may not see."""

import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from PIL import Image

from socialguard.casework import services as casework
from socialguard.people.csvimport import CsvImportError
from socialguard.people.services import api_token_create, people_import
from socialguard.policy.pack import get_pack
from tests.conftest import sign_in
from tests.test_access_matrix import BUILDERS, ENTRIES

ACCOUNT_ROLES = sorted(get_pack().account_roles())


def _screenshot() -> casework.Upload:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), "blue").save(buffer, "PNG")
    return casework.Upload(
        content=buffer.getvalue(),
        name="shot.png",
        captured_at=datetime(2026, 1, 5, tzinfo=UTC),
        site_address="https://example.org/post/1",
    )


# (marker, category, part, the name as the reporter typed it, who it is)
TYPED_CASES = [
    ("NTK-HEAD-TITLE", "staff_misuse", "alleged_perpetrator", "Mr Okafor", "head"),
    ("NTK-HEAD-FULL", "cyberbullying_harassment", "alleged_perpetrator", "David Okafor", "head"),
    ("NTK-HEAD-ROLE", "school_reputation", "alleged_perpetrator", "the headteacher", "head"),
    ("NTK-DSL-VICTIM", "cyberbullying_harassment", "victim", "ms carter", "dsl"),
]


@pytest.fixture
def secret_world(make_person, make_user):
    """The matrix world, plus the Headteacher and the DSL by name, four concerns naming them only
    as typed text, and a low-level concern about the DSL (Headteacher only)."""
    world = {}
    for build in BUILDERS:
        world.update(build(make_person, make_user) or {})
    head = make_user("headteacher", title="Mr", given_name="David", family_name="Okafor")
    dsl = make_user("dsl", title="Ms", given_name="Helen", family_name="Carter")
    make_user("proprietor", title="Dr", given_name="Margaret", family_name="Ellis")
    reporter = make_user("staff", given_name="Rita", family_name="Reporter")
    cases = {}
    for marker, category, part, typed, _who in TYPED_CASES:
        cases[marker] = casework.case_report(
            reporter=reporter.person,
            category=category,
            what_happened=f"{marker}: hurtful posts about a colleague.",
            illegal_or_threats=True,
            parties=[{"part": part, "name": typed}],
            upload=_screenshot(),
            user=reporter,
        )
    low_level = casework.case_report(
        reporter=reporter.person,
        category="staff_misuse",
        what_happened="NTK-LOW-LEVEL: a comment by the DSL in the staff room.",
        parties=[{"part": "alleged_perpetrator", "person": dsl.person}],
        upload=_screenshot(),
        user=reporter,
    )
    casework.case_triage(case=low_level, user=head, staff_concern_level="low_level")
    cases["NTK-LOW-LEVEL"] = low_level
    return {"world": world, "cases": cases, "head": head, "dsl": dsl}


def _variants(world, case):
    """The matrix world with its case, evidence and action swapped for `case`'s."""
    swapped = dict(world)
    swapped["case"] = case
    swapped["evidence"] = case.evidence.first() or world["evidence"]
    swapped["action"] = case.actions.first() or world["action"]
    return swapped


def _urls(secret):
    """Every URL of the matrix once, and each case-shaped URL again with every secret case's ids."""
    urls = set()
    worlds = [secret["world"]] + [_variants(secret["world"], c) for c in secret["cases"].values()]
    for name, (_allowed, kwargs, *method) in ENTRIES.items():
        for world in worlds if callable(kwargs) else worlds[:1]:
            try:
                url = reverse(name, kwargs=kwargs(world) if callable(kwargs) else kwargs)
            except (KeyError, AttributeError):
                continue
            urls.add((name, url, tuple(method)))
    return sorted(urls)


def _may_see(user, case) -> bool:
    """What the policy allows, written out here rather than asked of the code under test."""
    from socialguard.people.permissions import user_roles

    marker = case.what_happened.split(":")[0]
    roles = set(user_roles(user))
    named = (
        {"NTK-HEAD-TITLE", "NTK-HEAD-FULL", "NTK-HEAD-ROLE"} if "headteacher" in roles else set()
    )
    if "dsl" in roles:
        named |= {"NTK-DSL-VICTIM", "NTK-LOW-LEVEL"}
    if marker in named and user.person.family_name in ("Okafor", "Carter"):
        return False
    allowed = {
        # allegations that may be about the Headteacher go to the proprietor (KCSIE)
        "NTK-HEAD-TITLE": {"proprietor"},
        "NTK-HEAD-FULL": {"proprietor"},
        "NTK-HEAD-ROLE": {"proprietor"},
        "NTK-DSL-VICTIM": set(get_pack().categories["cyberbullying_harassment"].route),
        "NTK-LOW-LEVEL": {"headteacher"},
    }[marker]
    return bool(roles & allowed)


def _walk(client, user, secret, headers=None, api_only=False):
    leaks = []
    cases = secret["cases"]
    for name, url, method in _urls(secret):
        if api_only and not name.startswith("api:"):
            continue
        if method == ("post",):
            response = client.post(
                url, data="{}", content_type="application/json", **(headers or {})
            )
        else:
            response = client.get(url, **(headers or {}))
        assert response.status_code != 500, f"{name} {url} gave a server error"
        body = response.content.decode(errors="replace")
        for marker, case in cases.items():
            shown = marker in body or case.reference in body or f"casework.case #{case.pk}<" in body
            if shown and not _may_see(user, case):
                leaks.append(f"{name} {url} shows {marker}")
    return leaks


@pytest.mark.django_db
@pytest.mark.clause("PRIN-a")
@pytest.mark.parametrize("role", ACCOUNT_ROLES + ["named_head", "named_dsl"])
def test_it_shows_no_one_a_case_they_are_named_in_or_not_routed(
    client, make_user, secret_world, role
):
    if role == "named_head":
        user = secret_world["head"]
    elif role == "named_dsl":
        user = secret_world["dsl"]
    else:
        user = make_user(role)
    sign_in(client, user)
    leaks = _walk(client, user, secret_world)
    assert not leaks, f"{role}: " + "; ".join(leaks)


@pytest.mark.django_db
@pytest.mark.clause("PRIN-a")
@pytest.mark.parametrize("who", ["head", "dsl"])
def test_it_shows_a_named_person_nothing_through_their_api_token(client, secret_world, who):
    user = secret_world[who]
    sign_in(client, user)  # a token is made from a session verified by the second factor
    raw = api_token_create(user=user, name="script", two_factor_verified=True)[1]
    client.logout()
    leaks = _walk(client, user, secret_world, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}, True)
    assert not leaks, "; ".join(leaks)


@pytest.mark.django_db
@pytest.mark.clause("PRIN-a")
def test_it_lets_no_import_make_the_data_protection_lead_headteacher(
    client, make_user, secret_world
):
    dpl = make_user("dpl")
    person = dpl.person
    row = (
        f"{person.external_id},dpl;headteacher;dsl,{person.given_name},{person.family_name},"
        f",,,,{dpl.email},\n"
    )
    header = "external_id,role,given_name,family_name,preferred_name,date_of_birth,upn,year_group,email,parent_of\n"
    with pytest.raises(CsvImportError) as refused:
        people_import(content=header + row, actor=dpl)
    assert "headteacher" in str(refused.value)
    person.refresh_from_db()
    assert person.role_ids == ["dpl"]
    dpl = type(dpl).objects.get(pk=dpl.pk)  # roles are cached on the user object
    sign_in(client, dpl)
    leaks = _walk(client, dpl, secret_world)
    assert not leaks, "; ".join(leaks)
