import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from socialguard.audit.models import AuditEvent
from socialguard.consent import services
from socialguard.consent.models import PhotoCheck

ALL_YES = dict.fromkeys(services.PURPOSES, True)


def run(*args):
    try:
        call_command(*args)
    except SystemExit as exit:
        return exit.code
    return 0


@pytest.fixture
def school(family, make_person, enrolled):
    """amy: consented to everything; bob: no social media; chloe: restricted; teacher: consented."""
    amy, amy_mum, _ = family(given_name="Amy")
    bob, bob_mum, _ = family(given_name="Bob")
    chloe, chloe_mum, _ = family(given_name="Chloe")
    teacher = make_person("staff")
    services.consent_record(person=amy, answers=ALL_YES, given_by=amy_mum, method="paper_form")
    services.consent_record(
        person=bob, answers=ALL_YES | {"social_media": False}, given_by=bob_mum, method="paper_form"
    )
    services.consent_record(person=chloe, answers=ALL_YES, given_by=chloe_mum, method="paper_form")
    services.restricted_set(person=chloe, restricted=True, reason="court order")
    services.consent_record(person=teacher, answers=ALL_YES, given_by=teacher, method="in_person")
    enrolled(amy, "amy", amy_mum)
    enrolled(bob, "bob", bob_mum)
    enrolled(chloe, "chloe", chloe_mum)
    enrolled(teacher, "teacher")
    return {"amy": amy, "bob": bob, "chloe": chloe, "teacher": teacher}


@pytest.mark.clause("IMG-3", "OFF-3")
@pytest.mark.parametrize(
    "photo, purpose, verdict, statuses",
    [
        (b"photo:amy,teacher", "social_media", "pass", ["consented", "consented"]),
        (b"photo:amy,chloe", "internal", "block", ["consented", "restricted"]),
        (b"photo:bob", "social_media", "block", ["no_consent"]),
        (b"photo:bob", "website", "pass", ["consented"]),
        (b"photo:amy,stranger", "website", "review", ["consented", "unknown"]),
        (b"photo:", "press", "pass", []),
    ],
)
def test_it_decides_each_photo(school, photo, purpose, verdict, statuses):
    result = services.check_photo_for_purpose(data=photo, purpose=purpose)
    assert set(result) == {"verdict", "faces"}
    assert result["verdict"] == verdict
    assert [f["status"] for f in result["faces"]] == statuses
    for face in result["faces"]:
        assert set(face) == {"box", "external_id", "status", "distance"}
        assert len(face["box"]) == 4


@pytest.mark.clause("IMG-3", "PERS-7")
def test_it_answers_the_api_contract(client, signed_in, school):
    signed_in("social_media_officer")  # a teacher gets the boxes only: test_restricted_privacy
    upload = SimpleUploadedFile("p.jpg", b"photo:amy,chloe")
    response = client.post("/api/v1/checks/photo", {"file": upload, "purpose": "website"})
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "block"
    face = body["faces"][1]
    assert face["distance"] == pytest.approx(0.0, abs=0.01)
    assert {**face, "distance": 0} == {
        "box": [100, 10, 80, 80], "external_id": school["chloe"].external_id, "status": "restricted",
        "distance": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    "data, purpose, message",
    [
        (b"photo:amy", "billboard", "Unknown purpose"),
        (b"%PDF-1.4 not a photo", "website", "not a photo"),
        (b"", "website", "empty"),
    ],
)
def test_it_answers_bad_input_with_400(client, signed_in, school, data, purpose, message):
    signed_in("staff")
    response = client.post(
        "/api/v1/checks/photo", {"file": SimpleUploadedFile("x.jpg", data), "purpose": purpose}
    )
    assert response.status_code == 400 and message in response.json()["detail"]
    assert client.post("/api/v1/checks/photo", {"purpose": "website"}).status_code == 400
    assert not PhotoCheck.objects.exists()


def test_it_refuses_an_oversized_or_corrupt_photo(settings, db):
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(services.faces.PhotoError, match="larger than"):
        services.check_photo_for_purpose(data=b"x" * 2000, purpose="website")
    settings.UPLOAD_MAX_BYTES = 10_000_000
    out = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(out, format="JPEG")
    with pytest.raises(services.faces.PhotoError, match="damaged"):
        services.check_photo_for_purpose(data=out.getvalue()[:300], purpose="website")


@pytest.mark.clause("IMG-3")
def test_it_exits_0_1_or_2_from_the_command_line(school, tmp_path, capsys):
    paths = {}
    for name, data in {
        "pass": b"photo:amy",
        "block": b"photo:chloe",
        "review": b"photo:zed",
        "bad": b"GIF89a",
    }.items():
        paths[name] = tmp_path / f"{name}.jpg"
        paths[name].write_bytes(data)
    assert run("check-photo", str(paths["pass"]), "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "pass"
    assert run("check-photo", str(paths["block"]), "--purpose", "internal", "--format", "json") == 1
    assert json.loads(capsys.readouterr().out)["faces"][0]["status"] == "not_allowed"  # no --as
    assert run("check-photo", str(paths["review"]), "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "review"
    assert run("check-photo", str(paths["bad"])) == 2
    assert run("check-photo", str(paths["pass"]), "--purpose", "billboard") == 2
    assert run("check-photo", str(tmp_path / "missing.jpg")) == 2


@pytest.mark.clause("IMG-3")
def test_it_lets_an_officer_confirm_an_unknown_face_audited(client, signed_in, school):
    result, check = services.photo_check_run(data=b"photo:amy,zed", purpose="website")
    assert result["verdict"] == "review" and check.stored_name
    officer = signed_in("social_media_officer")
    assert client.get("/consent/reviews/").status_code == 200
    page = client.get(f"/consent/checks/{check.pk}/faces/1/").content.decode()
    assert school["chloe"].full_name in page  # the restricted-list reference sheet
    response = client.post(
        f"/consent/checks/{check.pk}/faces/1/",
        {"decision": "restricted", "person": school["chloe"].external_id},
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.verdict == "block"
    assert AuditEvent.objects.filter(action="consent.face_reviewed", actor_id=officer.pk).exists()
    # the same photo checked again keeps the reviewer's decision
    assert (
        services.check_photo_for_purpose(data=b"photo:amy,zed", purpose="website")["verdict"]
        == "block"
    )


def test_it_clears_a_face_confirmed_as_not_a_pupil(school, make_user):
    _, check = services.photo_check_run(data=b"photo:amy,visitor", purpose="website")
    services.face_review_record(
        check=check, face_index=1, decision="not_pupil", actor=make_user("dsl")
    )
    assert (
        services.check_photo_for_purpose(data=b"photo:amy,visitor", purpose="website")["verdict"]
        == "pass"
    )


@pytest.mark.clause("IMG-3")
def test_it_shows_the_photo_with_boxes_and_names_only_to_those_allowed(
    client, signed_in, school, monkeypatch
):
    from socialguard.consent import views

    drawn = {}

    def fake_render(data, faces, labels, names=None):
        drawn.update(labels=labels, names=names)
        return b"\x89PNG\r\n\x1a\nfake"

    monkeypatch.setattr(views, "render_boxes", fake_render)
    teacher = signed_in("staff")
    response = client.post(
        "/consent/check/",
        {"photo": SimpleUploadedFile("p.jpg", b"photo:amy,chloe"), "purpose": "social_media"},
    )
    check = PhotoCheck.objects.get(checked_by=teacher)
    assert response.status_code == 302 and response["Location"] == f"/consent/checks/{check.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "must not be used" in page and school["chloe"].full_name not in page
    image = client.get(f"/consent/checks/{check.pk}/image.png")
    assert image["Content-Type"] == "image/png" and "attachment" not in image.get(
        "Content-Disposition", ""
    )
    assert drawn == {"labels": False, "names": None}
    response = client.post(
        "/consent/check/", {"photo": SimpleUploadedFile("p.pdf", b"%PDF"), "purpose": "website"}
    )
    assert "not a photo" in response.content.decode()


@pytest.mark.clause("IMG-3")
def test_it_checks_a_real_photo_end_to_end(make_person):
    skimage_data = pytest.importorskip(
        "skimage.data", reason="scikit-image ships the astronaut photo"
    )
    out = io.BytesIO()
    Image.fromarray(skimage_data.astronaut()).save(out, format="JPEG")
    photo = out.getvalue()
    services._gallery_cache.clear()
    assert services.check_photo_for_purpose(data=photo, purpose="website")["verdict"] == "review"
    teacher = make_person("staff")
    services.consent_record(
        person=teacher, answers={"website": True}, given_by=teacher, method="in_person"
    )
    services.biometric_record(person=teacher, consent=True, key="self", given_by=teacher)
    services.face_enrol(person=teacher, photos=[photo])
    result = services.check_photo_for_purpose(data=photo, purpose="website")
    assert result["verdict"] == "pass" and result["faces"][0]["external_id"] == teacher.external_id
    assert services.check_photo_for_purpose(data=photo, purpose="press")["verdict"] == "block"


def test_it_refuses_a_truncated_photo_even_after_weasyprint_is_imported(db):
    from PIL import ImageFile

    out = io.BytesIO()
    Image.new("RGB", (400, 400), "white").save(out, format="JPEG")
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # what importing WeasyPrint does to the process
    try:
        with pytest.raises(services.faces.PhotoError, match="damaged"):
            services.check_photo_for_purpose(data=out.getvalue()[:-200], purpose="website")
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


@pytest.mark.clause("IMG-3")
def test_it_checks_a_folder_or_a_zip_from_the_command_line(school, tmp_path, capsys):
    import zipfile

    folder = tmp_path / "sports-day"
    (folder / "races").mkdir(parents=True)
    (folder / "IMG_1.jpg").write_bytes(b"photo:amy")
    (folder / "races" / "IMG_2.jpg").write_bytes(b"photo:amy,zed")
    (folder / "running-order.txt").write_bytes(b"Egg and spoon at 10:00")
    (folder / ".DS_Store").write_bytes(b"\0\0")
    assert run("check-photo", str(folder), "--purpose", "website", "--format", "json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "review"
    assert [(p["name"], p["verdict"]) for p in result["photos"]] == [
        ("IMG_1.jpg", "pass"),
        ("races/IMG_2.jpg", "review"),
        ("running-order.txt", None),
    ]
    assert result["photos"][2]["message"].startswith("Skipped:")

    archive = tmp_path / "trip.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.jpg", b"photo:amy")
        z.writestr("b.jpg", b"photo:chloe")
        z.writestr("__MACOSX/._a.jpg", b"junk")
    assert run("check-photo", str(archive), "--purpose", "internal") == 1
    out = capsys.readouterr().out
    assert "Verdict: block (2 photo(s) checked, 1 skipped)" in out
    assert "trip.zip: b.jpg: block (1 face(s))" in out

    (tmp_path / "empty").mkdir()
    assert run("check-photo", str(tmp_path / "empty")) == 2
    assert "No photo in" in capsys.readouterr().err
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    assert run("check-photo", str(tmp_path / "broken.zip"), "--format", "json") == 2
    assert "not a zip file" in json.loads(capsys.readouterr().out)["error"]
    assert run("check-photo", str(folder), "--purpose", "billboard") == 2
