"""A report form a busy teacher gets right (issue 10, items 9 and 2): categories in plain words
with a hint, grouped; "Call 999" at the top; a screenshot kept across a validation error (only
for the session that sent it, never an indecent image); the public form takes a screenshot;
a picked pupil's brothers and sisters offered to the one who picked them; many people at once."""

import copy
import io
import re
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse
from PIL import Image

from socialguard import clock
from socialguard.casework import forms as casework_forms
from socialguard.casework import pending, services, vault
from socialguard.casework.models import Case, Evidence
from socialguard.people.models import ParentOf
from socialguard.policy import pack as pack_module
from socialguard.policy.pack import validate
from tests.casework.test_report import form_data
from tests.conftest import sign_in

PACKS = [
    Path(pack_module.__file__).parent / "packs" / "st-martins.toml",
    Path(__file__).resolve().parents[1] / "fixtures" / "oakfield-primary.toml",
]
TOKEN = re.compile(r'name="pending_upload" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _png(width=8, height=8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _file(name="shot.png", content=None):
    upload = io.BytesIO(_png() if content is None else content)
    upload.name = name
    return upload


def _vault_files() -> set[str]:
    return {p.name for p in vault.evidence_dir().iterdir() if vault.is_storage_name(p.name)}


# ---------------------------------------------------------------- categories in plain words


@pytest.mark.parametrize("path", PACKS, ids=lambda p: p.stem)
def test_every_category_has_a_plain_label_a_hint_and_a_listed_group(path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert validate(data) == []
    groups = data["report_form"]["groups"]
    for category in data["categories"]:
        assert category["plain_label"].strip() and category["hint"].strip(), category["id"]
        assert category["group"] in groups, category["id"]
    plain = [c["plain_label"] for c in data["categories"]]
    assert len(set(plain)) == len(plain)  # a teacher can tell every choice apart
    assert "999" in data["report_form"]["danger"]


@pytest.mark.parametrize("key", ["plain_label", "hint", "group"])
def test_validation_names_the_missing_key(key):
    data = tomllib.loads(PACKS[0].read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    del broken["categories"][3][key]
    assert f"categories[3].{key}: missing" in validate(broken)


def test_validation_names_an_unknown_group_and_a_missing_danger_line():
    data = tomllib.loads(PACKS[0].read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    broken["categories"][0]["group"] = "Something else"
    problems = validate(broken)
    assert any(p.startswith("categories[0].group:") for p in problems), problems
    del broken["report_form"]["danger"]
    broken["categories"][0]["group"] = data["categories"][0]["group"]
    assert any(p.startswith("report_form.danger:") for p in validate(broken))


def test_the_form_shows_plain_words_grouped_with_a_hint_and_keeps_the_ids(client, school):
    sign_in(client, school["teacher"])
    page = client.get(reverse("casework:report")).content.decode()
    assert "Call 999" in page
    assert "Social engineering" not in page and "Civil action relating" not in page
    assert "Someone tricked a member of staff into giving information" in page
    assert "For example a fake email or call asking for passwords" in page
    bullying = page.index("Bullying, harassment or threats")
    assert (
        bullying
        < page.index('value="pupil_cyberbullying"')
        < page.index("Harmful content or computer problems")
    )
    assert 'id="id_category_0"' in page  # the error summary's link target
    response = client.post(reverse("casework:report"), form_data(category="social_engineering"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.category == "social_engineering"  # routing by id is unchanged


def test_the_public_form_has_the_danger_line_and_plain_categories(client, school):
    page = client.get(reverse("casework:public_report")).content.decode()
    assert "Call 999" in page and "A pupil saw something harmful or inappropriate" in page


def test_fields_that_only_sometimes_apply_say_so_without_javascript(client, school):
    sign_in(client, school["teacher"])
    page = client.get(reverse("casework:report")).content.decode()
    assert "Only if it could be an indecent image: where is it now?" in page
    assert 'data-sg-show-if="indecent_image=yes"' in page
    assert "Only if you add a file: when was it captured?" in page
    assert "casework/report_form.js" in page and "<script>" not in page


# ---------------------------------------------------------------- a screenshot kept


def test_the_screenshot_survives_a_validation_error(client, school):
    sign_in(client, school["teacher"])
    response = client.post(
        reverse("casework:report"),
        form_data(what_happened="", file=_file(), captured_at="2026-03-14T16:30"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "File kept: <strong" in page and "shot.png" in page
    token = TOKEN.search(page).group(1)
    response = client.post(
        reverse("casework:report"),
        form_data(pending_upload=token, captured_at="2026-03-14T16:30"),
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name == "shot.png" and evidence.content_type == "image/png"
    # Used once: the same token attaches nothing more.
    client.post(reverse("casework:report"), form_data(pending_upload=token))
    assert Evidence.objects.count() == 1


def test_a_kept_file_can_be_removed(client, school):
    sign_in(client, school["teacher"])
    before = _vault_files()
    page = client.post(reverse("casework:report"), form_data(what_happened="", file=_file()))
    token = TOKEN.search(page.content.decode()).group(1)
    assert len(_vault_files() - before) == 1
    client.post(reverse("casework:report"), form_data(pending_upload=token, remove_pending="on"))
    assert Case.objects.count() == 1 and not Evidence.objects.exists()
    assert _vault_files() == before


def test_another_session_cannot_attach_a_kept_file(client, school, make_user):
    sign_in(client, school["teacher"])
    page = client.post(reverse("casework:report"), form_data(what_happened="", file=_file()))
    token = TOKEN.search(page.content.decode()).group(1)
    client.logout()
    sign_in(client, school["colleague"])
    response = client.post(
        reverse("casework:report"),
        form_data(pending_upload=token, captured_at="2026-03-14T16:30"),
    )
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    forged = pending.signing.dumps("guessed-id", salt=pending.SALT)
    client.post(reverse("casework:report"), form_data(pending_upload=forged))
    assert not Evidence.objects.exists()


@pytest.mark.clause("SLT-5")
@pytest.mark.parametrize("answer", ["yes", ""])
def test_nothing_is_kept_unless_the_answer_is_no(client, school, answer):
    sign_in(client, school["teacher"])
    before = _vault_files()
    response = client.post(
        reverse("casework:report"),
        form_data(what_happened="", indecent_image=answer, file=_file()),
    )
    assert response.status_code == 400
    assert TOKEN.search(response.content.decode()) is None
    assert _vault_files() == before
    if not answer:
        assert "Your file was not kept" in response.content.decode()


@pytest.mark.clause("SLT-5")
def test_a_kept_file_is_shredded_once_the_answer_becomes_yes(client, school):
    sign_in(client, school["teacher"])
    before = _vault_files()
    page = client.post(reverse("casework:report"), form_data(what_happened="", file=_file()))
    token = TOKEN.search(page.content.decode()).group(1)
    response = client.post(
        reverse("casework:report"),
        form_data(indecent_image="yes", pending_upload=token, physical_location="On my laptop"),
    )
    assert response.status_code == 302
    assert not Evidence.objects.filter(storage_name__gt="").exists()
    assert _vault_files() == before
    assert pending.SESSION_KEY not in client.session or not client.session[pending.SESSION_KEY]


def test_a_kept_file_not_used_is_swept_and_the_form_says_so(client, school):
    sign_in(client, school["teacher"])
    before = _vault_files()
    page = client.post(reverse("casework:report"), form_data(what_happened="", file=_file()))
    token = TOKEN.search(page.content.decode()).group(1)
    (kept,) = _vault_files() - before
    services.vault_orphans_sweep(clock.now())
    assert kept in _vault_files()  # a form still being filled in is left alone
    services.vault_orphans_sweep(clock.now() + timedelta(hours=2))
    assert kept not in _vault_files()
    response = client.post(
        reverse("casework:report"),
        form_data(pending_upload=token, captured_at="2026-03-14T16:30"),
    )
    assert response.status_code == 400
    assert "The file kept from before is no longer here: choose it again" in (
        response.content.decode()
    )
    assert not Case.objects.exists()


def test_a_file_that_would_be_refused_is_not_kept_and_the_field_says_why(client, school):
    sign_in(client, school["teacher"])
    response = client.post(
        reverse("casework:report"),
        form_data(what_happened="", file=_file("virus.exe", b"MZ\x00\x00binary")),
    )
    assert response.status_code == 400
    assert TOKEN.search(response.content.decode()) is None
    assert "This type of file is not accepted" in response.content.decode()


# ---------------------------------------------------------------- the public form


def _public(**overrides):
    data = {
        "what_happened": "A post about a teacher.",
        "category": "professional_reputation",
        "url_or_sender": "https://social.example/p/9",
        "illegal_or_threats": "no",
        "indecent_image": "no",
    }
    data.update(overrides)
    return data


def test_the_public_form_takes_a_screenshot(client, school):
    response = client.post(
        reverse("casework:public_report"),
        _public(file=_file(), captured_at="2026-03-14T16:30"),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.source == "public" and case.evidence.get().content_type == "image/png"


def test_the_public_form_asks_when_a_screenshot_was_taken_and_keeps_it(client, school):
    response = client.post(reverse("casework:public_report"), _public(file=_file()))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter the date and time the screenshot or file was captured" in page
    token = TOKEN.search(page).group(1)
    response = client.post(
        reverse("casework:public_report"),
        _public(pending_upload=token, captured_at="2026-03-14T16:30"),
    )
    assert response.status_code == 302 and Case.objects.get().evidence.count() == 1


@pytest.mark.clause("SLT-5")
def test_the_public_form_never_stores_an_indecent_image(client, school):
    before = _vault_files()
    response = client.post(
        reverse("casework:public_report"),
        _public(indecent_image="yes", file=_file(), captured_at="2026-03-14T16:30"),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.indecent_image
    assert not case.evidence.filter(storage_name__gt="").exists()
    assert _vault_files() == before


def test_the_public_form_refuses_an_image_over_the_pixel_limit(client, school, settings):
    settings.MAX_IMAGE_MEGAPIXELS = 0.001
    response = client.post(
        reverse("casework:public_report"),
        _public(file=_file(content=_png(100, 100)), captured_at="2026-03-14T16:30"),
    )
    assert response.status_code == 400
    assert "too large to check" in response.content.decode()
    assert not Case.objects.exists()


# ---------------------------------------------------------------- siblings and many people


@pytest.fixture
def family(make_person):
    parent = make_person("parent", family_name="Okoro")
    amy = make_person("pupil", given_name="Amy", family_name="Okoro", year_group="7")
    ben = make_person(
        "pupil",
        given_name="Ben",
        family_name="Okoro",
        year_group="9",
        upn="B123456789012",
        external_id="PUP-BEN",
    )
    other = make_person("pupil", given_name="Cal", family_name="Stone", year_group="8")
    for child in (amy, ben):
        ParentOf.objects.create(parent=parent, child=child)
    return {"parent": parent, "amy": amy, "ben": ben, "other": other}


def test_picking_a_pupil_offers_their_siblings_to_the_one_who_picked(client, school, family):
    sign_in(client, school["teacher"])
    options = client.get(reverse("casework:people_search"), {"q": "Amy Okoro"}).content.decode()
    token = re.search(r'data-siblings="([^"]+)"', options).group(1)
    page = client.get(reverse("casework:people_siblings"), {"t": token, "row": "1"})
    text = page.content.decode()
    assert "Ben Okoro, Year 9" in text
    assert "Amy Okoro" not in text and "Cal Stone" not in text
    for secret in ("PUP-BEN", "B123456789012", family["parent"].full_name):
        assert secret not in text
    pick = re.search(r'data-sg-sibling-pick="([^"]+)"', text).group(1)
    assert casework_forms.resolve_pick(pick, "Ben Okoro, Year 9") == family["ben"]
    # Someone else with the same token gets nothing.
    client.logout()
    sign_in(client, school["colleague"])
    text = client.get(reverse("casework:people_siblings"), {"t": token}).content.decode()
    assert "Ben Okoro" not in text


def test_only_a_pupil_suggestion_carries_a_siblings_token(client, school, family):
    sign_in(client, school["teacher"])
    options = client.get(reverse("casework:people_search"), {"q": "Okoro"}).content.decode()
    assert options.count("data-siblings=") == 2  # Amy and Ben, not their parent


def test_several_people_at_once_and_typed_names_still_matched(client, school, family):
    sign_in(client, school["teacher"])
    amy_pick = casework_forms.pick_token(family["amy"])
    ben_pick = casework_forms.pick_token(family["ben"])
    response = client.post(
        reverse("casework:report"),
        form_data(
            involved_1_name="Amy Okoro, Year 7",
            involved_1_pick=amy_pick,
            involved_1_part="victim",
            involved_4_name="Ben Okoro, Year 9",
            involved_4_pick=ben_pick,
            involved_4_part="witness",
            involved_6_name="Cal Stone",
            involved_6_part="alleged_perpetrator",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    assert {p.person for p in case.parties.exclude(person=None)} == {family["amy"], family["ben"]}
    typed = case.parties.get(person=None)
    assert typed.name == "Cal Stone"
    assert family["other"].pk in set(case.possible_matches.values_list("person_id", flat=True))
