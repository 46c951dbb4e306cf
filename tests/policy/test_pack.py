import copy
import tomllib
from pathlib import Path

import pytest
from django.test import override_settings

from socialguard.policy import pack as pack_module
from socialguard.policy.models import PolicyVersion
from socialguard.policy.pack import PackError, get_pack, parse, validate
from socialguard.policy.services import policy_version_current

PACK_FILE = Path(pack_module.__file__).parent / "packs" / "st-martins.toml"
CLAUSES_MD = Path(__file__).resolve().parents[2].parent / "shared" / "CLAUSES.md"


def _data():
    return tomllib.loads(PACK_FILE.read_text(encoding="utf-8"))


def test_it_loads_the_st_martins_pack():
    pack = get_pack()
    assert pack.school["motto"] == "ex parvis magna fiunt"
    officers = {h.family_name for h in pack.holders_of("social_media_officer")}
    assert officers == {"Wilson", "Mbah"}
    for role in ("headteacher", "dsl", "deputy_dsl", "dpl", "proprietor", "website_admin"):
        assert pack.holders_of(role), role


@pytest.mark.clause("PAR-1")
def test_it_lists_every_channel_of_the_policy_for_parents():
    pack = get_pack()
    parent_channels = {c.id for c in pack.channels.values() if c.parents}
    assert {
        "letter",
        "school_phone",
        "school_email",
        "face_to_face",
        "website",
        "official_social_media",
        "newsletter",
        "progress_report",
        "parents_evening",
    } <= parent_channels


def test_it_has_a_category_with_a_route_for_every_risk():
    pack = get_pack()
    risks = [c for c in pack.clauses if c.startswith("RISK-")]
    assert len(risks) == 14
    covered = {cat.clause for cat in pack.categories.values()}
    assert set(risks) <= covered
    assert (
        "cyberbullying_harassment" in pack.categories and "breach_of_principles" in pack.categories
    )
    assert all(cat.route for cat in pack.categories.values())


def test_it_carries_every_clause_of_the_register(shared_data):
    text = CLAUSES_MD.read_text()
    import re

    ids = set()
    for cid in re.findall(r"^\| ([A-Z]+-[0-9a-z.]+) \|", text, re.M):
        if ".." in cid:
            prefix, span = cid.split("-")
            a, b = span.split("..")
            ids |= {f"{prefix}-{k}" for k in range(int(a), int(b) + 1)}
        else:
            ids.add(cid)
    assert ids <= set(get_pack().clauses)


@pytest.mark.clause("COV-1")
def test_it_covers_an_unknown_platform():
    pack = get_pack()
    assert "Bluesky" not in pack.platforms
    assert pack.platform_is_covered("Bluesky")
    assert pack.platform_is_covered("Some app invented next year")


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda d: d["categories"][2]["route"].__setitem__(0, "dls"),
            "categories[2].route[0]: unknown role 'dls'",
        ),
        (
            lambda d: d["deadlines"].__setitem__("triage", -3),
            "deadlines.triage: must be a positive number of hours",
        ),
        (lambda d: d["deadlines"].pop("approval"), "deadlines.approval: missing"),
        (
            lambda d: d["channels"][0].__setitem__("id", "fax"),
            "channels[0].id: unknown channel 'fax'",
        ),
        (
            lambda d: d["clauses"][5].__setitem__("kind", "X"),
            "clauses[5].kind: must be one of E, W, I",
        ),
        (lambda d: d["school"].pop("motto"), "school.motto: missing"),
        (
            lambda d: d["role_holders"][0].__setitem__("email", "nobody"),
            "role_holders[0].email: 'nobody' is not an email address",
        ),
        (lambda d: d["categories"].pop(0), "categories: no category covers the risk RISK-1"),
    ],
)
def test_it_names_the_exact_key_and_problem_of_a_bad_pack(mutate, expected):
    data = copy.deepcopy(_data())
    mutate(data)
    problems = validate(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_it_rejects_a_file_that_is_not_toml():
    with pytest.raises(PackError) as err:
        parse(b"school = [unclosed", source="broken.toml")
    assert "not valid TOML" in str(err.value)


@pytest.mark.django_db
def test_it_stores_a_new_version_when_the_pack_changes(tmp_path):
    first = policy_version_current()
    assert policy_version_current().pk == first.pk
    changed = tmp_path / "pack.toml"
    changed.write_text(
        PACK_FILE.read_text(encoding="utf-8").replace("triage = 24", "triage = 12"),
        encoding="utf-8",
    )
    with override_settings(POLICY_PACK=str(changed)):
        second = policy_version_current()
    assert second.pk != first.pk and second.content_hash != first.content_hash
    assert PolicyVersion.objects.count() == 2
