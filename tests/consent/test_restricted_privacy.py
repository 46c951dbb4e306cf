"""The restricted list stays with those who keep it (issue 9, item 6; IMG-3).

A person without access to the consent register who checks a photo (web page, API with a
session or a personal token, the CLI without --as, a batch and its contact sheet, a draft's
photo findings, the post check) learns the verdict and the boxes only: never who is in the
photo, nor a status or a distance that tells a restricted child from one without consent. The
officers, the DSL, the Headteacher, the deputy DSL and the DPL get the full DESIGN.md contract."""

import inspect
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from socialguard.consent import batch as batches
from socialguard.consent import faces, services
from socialguard.consent.faces import Face
from socialguard.consent.models import BatchCheck, PhotoCheck
from socialguard.consent.permissions import can_see_identities
from socialguard.people import services as people

from .conftest import embedding_for

ALL_YES = dict.fromkeys(services.PURPOSES, True)
IDENTITY_ROLES = ["social_media_officer", "headteacher", "dsl", "deputy_dsl", "dpl"]
NO_REGISTER_ROLES = ["staff", "line_manager", "trainee_teacher"]


def png(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, format="PNG")
    return out.getvalue()


# Real images; who is "in" each is decided by its colour (no dlib needed).
CHLOE_PHOTO = png((200, 10, 10))  # Chloe: on the restricted list (and consent to everything)
BOB_PHOTO = png((10, 200, 10))  # Bob: no consent for social media
AMY_CHLOE_PHOTO = png((10, 10, 200))
BOB_CHLOE_PHOTO = png((200, 200, 10))
PEOPLE_IN = {
    CHLOE_PHOTO: ["chloe"],
    BOB_PHOTO: ["bob"],
    AMY_CHLOE_PHOTO: ["amy", "chloe"],
    BOB_CHLOE_PHOTO: ["bob", "chloe"],
}


@pytest.fixture
def school(family, make_person, enrolled, fake_faces, monkeypatch):
    def embed(data):
        if data not in PEOPLE_IN:
            return fake_faces(data)
        return [
            Face(box=(20 + 100 * i, 20, 80, 80), embedding=embedding_for(n), score=1.0)
            for i, n in enumerate(PEOPLE_IN[data])
        ]

    monkeypatch.setattr(faces, "embed_photo", embed)
    amy, amy_mum, _ = family(given_name="Amy", family_name="Ash")
    bob, bob_mum, _ = family(given_name="Bob", family_name="Birch")
    chloe, chloe_mum, _ = family(given_name="Chloe", family_name="Cedar")
    services.consent_record(person=amy, answers=ALL_YES, given_by=amy_mum, method="paper_form")
    services.consent_record(
        person=bob, answers=ALL_YES | {"social_media": False}, given_by=bob_mum, method="paper_form"
    )
    services.consent_record(person=chloe, answers=ALL_YES, given_by=chloe_mum, method="paper_form")
    services.restricted_set(person=chloe, restricted=True, reason="court order")
    enrolled(amy, "amy", amy_mum)
    enrolled(bob, "bob", bob_mum)
    enrolled(chloe, "chloe", chloe_mum)
    return {"amy": amy, "bob": bob, "chloe": chloe}


def token_for(user) -> str:
    """A personal token that may use the photo check (keyword arguments only: the token
    service grows scope and expiry parameters)."""
    accepted = inspect.signature(people.api_token_create).parameters
    options = {"user": user, "name": "photo checks"}
    if "scope" in accepted and hasattr(people, "api_areas"):
        options["scope"] = {area: "write" for area in people.api_areas()}
    if "two_factor_verified" in accepted:
        options["two_factor_verified"] = True
    return people.api_token_create(**options)[1]


def api_check(client, photo, purpose="social_media", token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        "/api/v1/checks/photo",
        {"file": SimpleUploadedFile("p.png", photo), "purpose": purpose},
        **headers,
    )


def assert_no_identity(text: str, school) -> None:
    chloe = school["chloe"]
    for secret in (chloe.external_id, chloe.given_name, chloe.family_name, "restricted"):
        assert secret not in text


def run(*args):
    try:
        call_command(*args)
    except SystemExit as exit:
        return exit.code
    return 0


@pytest.mark.clause("IMG-3")
@pytest.mark.parametrize("role", NO_REGISTER_ROLES)
def test_it_gives_a_teachers_token_the_verdict_and_the_boxes_only(client, make_user, school, role):
    token = token_for(make_user(role))
    restricted = api_check(client, CHLOE_PHOTO, token=token)
    no_consent = api_check(client, BOB_PHOTO, token=token)
    assert restricted.status_code == no_consent.status_code == 200
    assert_no_identity(restricted.content.decode(), school)
    # A restricted child and one without consent answer exactly alike: same status, no id,
    # no distance (one near the restricted threshold would tell).
    assert (
        restricted.json()
        == no_consent.json()
        == {
            "verdict": "block",
            "faces": [
                {
                    "box": [20, 20, 80, 80],
                    "external_id": None,
                    "status": "not_allowed",
                    "distance": None,
                }
            ],
        }
    )
    consented = api_check(client, AMY_CHLOE_PHOTO, token=token).json()
    assert [f["status"] for f in consented["faces"]] == ["consented", "not_allowed"]
    assert all(f["external_id"] is None and f["distance"] is None for f in consented["faces"])


@pytest.mark.clause("IMG-3")
def test_it_gives_a_signed_in_teacher_the_same_redacted_answer(client, signed_in, school):
    signed_in("staff")
    response = api_check(client, BOB_CHLOE_PHOTO)
    assert response.status_code == 200
    assert_no_identity(response.content.decode(), school)
    assert [f["status"] for f in response.json()["faces"]] == ["not_allowed", "not_allowed"]


@pytest.mark.clause("IMG-3")
@pytest.mark.parametrize("role", IDENTITY_ROLES)
def test_it_keeps_the_full_contract_for_those_who_keep_the_register(
    client, make_user, school, role
):
    response = api_check(
        client, AMY_CHLOE_PHOTO, purpose="internal", token=token_for(make_user(role))
    )
    assert response.status_code == 200
    amy_face, chloe_face = response.json()["faces"]
    assert amy_face["external_id"] == school["amy"].external_id
    assert amy_face["status"] == "consented"
    assert chloe_face["external_id"] == school["chloe"].external_id
    assert chloe_face["status"] == "restricted" and chloe_face["distance"] is not None


def test_it_counts_the_five_safeguarding_roles_and_the_officers_as_seeing_identities(make_user):
    for role in [*IDENTITY_ROLES, "proprietor"]:
        assert can_see_identities(make_user(role)), role
    for role in [*NO_REGISTER_ROLES, "volunteer", "governor", "contractor", "website_admin"]:
        assert not can_see_identities(make_user(role)), role
    assert not can_see_identities(None)


@pytest.mark.clause("IMG-3")
def test_it_answers_the_cli_redacted_unless_run_as_a_register_keeper(
    school, make_user, tmp_path, capsys
):
    photo = tmp_path / "trip.png"
    photo.write_bytes(BOB_CHLOE_PHOTO)
    teacher = make_user("staff", username="teacher1")
    make_user("social_media_officer", username="officer1")
    for extra in ([], ["--as", teacher.username]):
        assert run("check-photo", str(photo), "--format", "json", *extra) == 1
        out = capsys.readouterr().out
        assert_no_identity(out, school)
        assert [f["status"] for f in json.loads(out)["faces"]] == ["not_allowed", "not_allowed"]
    assert run("check-photo", str(photo), *[]) == 1  # the text form too
    assert_no_identity(capsys.readouterr().out, school)
    assert run("check-photo", str(photo), "--format", "json", "--as", "officer1") == 1
    faces_found = json.loads(capsys.readouterr().out)["faces"]
    assert [f["status"] for f in faces_found] == ["no_consent", "restricted"]
    assert faces_found[1]["external_id"] == school["chloe"].external_id
    # The check is audited as the account it ran as.
    assert PhotoCheck.objects.filter(checked_by__username="officer1", via="cli").exists()
    assert run("check-photo", str(photo), "--as", "nobody-at-all") == 2
    assert "nobody-at-all" in capsys.readouterr().err


@pytest.mark.clause("IMG-3")
def test_it_redacts_every_photo_of_a_folder_or_zip_on_the_cli(school, tmp_path, capsys):
    archive = tmp_path / "trip.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.png", CHLOE_PHOTO)
        z.writestr("b.png", BOB_PHOTO)
    assert run("check-photo", str(archive), "--format", "json") == 1
    out = capsys.readouterr().out
    assert_no_identity(out, school)
    rows = json.loads(out)["photos"]
    assert rows[0]["faces"] == rows[1]["faces"]


@pytest.mark.clause("IMG-3")
def test_it_shows_a_teacher_a_restricted_face_like_one_without_consent_on_the_web(
    client, signed_in, school
):
    teacher = signed_in("staff")
    pages = []
    for photo in (CHLOE_PHOTO, BOB_PHOTO):
        response = client.post(
            "/consent/check/",
            {"photo": SimpleUploadedFile("p.png", photo), "purpose": "social_media"},
        )
        assert response.status_code == 302
        page = client.get(response["Location"])
        pages.append(page)
        assert_no_identity(page.content.decode(), school)
    assert [f["status"] for f in pages[0].context["faces"]] == ["not_allowed"]
    assert [f["status"] for f in pages[1].context["faces"]] == ["not_allowed"]
    assert PhotoCheck.objects.filter(checked_by=teacher).count() == 2


@pytest.mark.clause("IMG-3")
def test_it_keeps_the_batch_results_and_contact_sheet_anonymous_for_a_teacher(
    client, signed_in, school, monkeypatch
):
    drawn = []
    real = batches.photo_check.render_boxes

    def spy(data, found, labels, names=None, **kwargs):
        drawn.append((labels, names, [f["status"] for f in found]))
        return real(data, found, labels, names, **kwargs)

    monkeypatch.setattr(batches.photo_check, "render_boxes", spy)
    teacher = signed_in("staff")
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("chloe.png", CHLOE_PHOTO)
        z.writestr("bob.png", BOB_PHOTO)
    client.post(
        "/consent/check/batch/",
        {"files": SimpleUploadedFile("trip.zip", data.getvalue()), "purpose": "social_media"},
    )
    batch = BatchCheck.objects.get(started_by=teacher)
    assert batch.state == "done"
    page = client.get(f"/consent/check/batch/{batch.pk}/").content.decode()
    assert_no_identity(page, school)
    sheet = client.get(f"/consent/check/batch/{batch.pk}/contact-sheet.png")
    assert sheet.status_code == 200
    assert drawn and all(labels is False and names is None for labels, names, _ in drawn)


@pytest.fixture
def draft_author(make_user):
    return make_user("staff", given_name="Laura", family_name="Bennett")


@pytest.mark.clause("IMG-3")
def test_it_never_tells_a_drafts_author_that_a_child_is_restricted(
    client, school, draft_author, monkeypatch
):
    from socialguard.publishing import services as publishing
    from tests.conftest import sign_in

    website = publishing.account_save(
        user=None, platform="website", name="School website news", connector="website"
    )
    monkeypatch.setattr(publishing, "purposes_for_channels", lambda channels: {"social_media"})
    findings, stored = [], []
    for photo in (CHLOE_PHOTO, BOB_PHOTO):
        draft = publishing.draft_save(
            author=draft_author.person,
            text="Our choir at the town hall.",
            account_ids=[website.pk],
            new_images=[publishing.NewImage("choir.png", photo)],
        )
        findings.append([f for f in draft.findings if f["check"] == "photo"])
        stored.append(draft.images.get().photo_check)
        sign_in(client, draft_author)
        page = client.get(f"/publishing/drafts/{draft.pk}/").content.decode()
        assert_no_identity(page, school)
    assert findings[0] == findings[1] and findings[0][0]["severity"] == "block"
    assert_no_identity(json.dumps(findings), school)
    # What the draft keeps of the check is the redacted answer too.
    assert stored[0] == stored[1]
    assert stored[0]["faces"][0]["external_id"] is None


@pytest.mark.clause("IMG-3")
def test_it_never_tells_the_post_check_api_that_a_child_is_restricted(client, make_user, school):
    import base64

    token = token_for(make_user("staff"))
    answers = []
    for photo in (CHLOE_PHOTO, BOB_PHOTO):
        response = client.post(
            "/api/v1/checks/post",
            data=json.dumps(
                {
                    "channel": "official_social_media",
                    "text": "Our choir at the town hall.",
                    "images": [base64.b64encode(photo).decode()],
                }
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200, response.content
        assert_no_identity(response.content.decode(), school)
        answers.append([f for f in response.json()["findings"] if f["check"] == "photo"])
    assert answers[0] == answers[1] and answers[0][0]["severity"] == "block"


@pytest.mark.clause("IMG-3")
def test_it_tells_no_role_but_the_registers_keepers_who_is_restricted(client, make_user, school):
    """Every role of the pack, with a token: whoever may check photos without keeping the register
    gets the redacted answer, whoever may not check is refused, and neither learns who it is."""
    from socialguard.people.permissions import has_capability
    from socialguard.policy.pack import get_pack

    for role in sorted(get_pack().account_roles()):
        user = make_user(role)
        response = api_check(client, CHLOE_PHOTO, token=token_for(user))
        if not has_capability(user, "consent.check_photo"):
            assert response.status_code in (403, 404), role
            assert_no_identity(response.content.decode(), school)
        elif can_see_identities(user):
            assert response.json()["faces"][0]["status"] == "restricted", role
        else:
            assert response.status_code == 200, role
            assert_no_identity(response.content.decode(), school)
            assert response.json()["faces"][0]["status"] == "not_allowed", role
