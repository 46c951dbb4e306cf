"""Batch photo checks: a zip or several photos checked in the background, a contact sheet, and
zip safety (bombs, corrupt and empty zips, non-images) with nothing stored for bad input."""

import io
import zipfile

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from socialguard.consent import batch as batches
from socialguard.consent import crypto, faces, services
from socialguard.consent.faces import Face
from socialguard.consent.models import BatchCheck, PhotoCheck, PhotoMatch

from .conftest import embedding_for

ALL_YES = dict.fromkeys(services.PURPOSES, True)


def png(colour, size=(320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


# Real image bytes; the face "found" in each is decided by its colour (no dlib needed).
AMY, STRANGER, NOBODY = png((200, 10, 10)), png((10, 200, 10)), png((10, 10, 200))
FACES = {AMY: ["amy"], STRANGER: ["stranger"], NOBODY: []}


@pytest.fixture
def photos(monkeypatch, fake_faces):
    def embed(data):
        if data not in FACES:
            return fake_faces(data)
        return [
            Face(box=(20 + 100 * i, 20, 80, 80), embedding=embedding_for(n), score=1.0)
            for i, n in enumerate(FACES[data])
        ]

    monkeypatch.setattr(faces, "embed_photo", embed)


@pytest.fixture
def amy(family, enrolled, photos):
    child, mum, _ = family(given_name="Amy", family_name="Zed")
    services.consent_record(person=child, answers=ALL_YES, given_by=mum, method="paper_form")
    return enrolled(child, "amy", mum)


def make_zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def stored_files() -> set:
    found = set()
    for kind in (batches.UPLOADS, batches.THUMBS, "checks"):
        found |= {(kind, p.name) for p in crypto.photo_dir(kind).iterdir()}
    return found


@pytest.mark.clause("IMG-3")
def test_it_checks_a_zip_in_the_background_and_gives_a_contact_sheet(client, signed_in, amy):
    signed_in("social_media_officer")
    data = make_zip(
        {
            "event/amy.png": AMY,
            "event/stranger.png": STRANGER,
            "event/notes.txt": b"not a photo",
            "__MACOSX/event/._amy.png": b"junk",
            "event/empty-room.png": NOBODY,
        }
    )
    response = client.post(
        "/consent/check/batch/",
        {"files": SimpleUploadedFile("sports-day.zip", data), "purpose": "website"},
    )
    batch = BatchCheck.objects.get()
    assert response.status_code == 302 and response.url == f"/consent/check/batch/{batch.pk}/"
    assert batch.state == "done" and batch.total == batch.processed == 5
    assert batch.staged == [] and not list(crypto.photo_dir(batches.UPLOADS).iterdir())
    verdicts = {r["name"].split(": ")[1]: (r["verdict"], r["message"]) for r in batch.results}
    assert verdicts["event/amy.png"] == ("pass", "")
    assert verdicts["event/stranger.png"][0] == "review"
    assert verdicts["event/empty-room.png"][0] == "pass"
    assert (
        verdicts["event/notes.txt"][0] is None and "not a photo" in verdicts["event/notes.txt"][1]
    )
    assert "system file" in verdicts["__MACOSX/event/._amy.png"][1]
    assert PhotoMatch.objects.filter(person=amy).count() == 1  # a withdrawal finds it
    page = client.get(f"/consent/check/batch/{batch.pk}/").content.decode()
    assert "Amy Zed" in page and "Must not be used" not in page and "contact-sheet.png" in page
    partial = client.get(f"/consent/check/batch/{batch.pk}/", HTTP_HX_REQUEST="true")
    assert b"hx-trigger" not in partial.content  # finished: no more polling
    sheet = client.get(f"/consent/check/batch/{batch.pk}/contact-sheet.png")
    assert sheet.status_code == 200 and sheet["Content-Type"] == "image/png"
    assert sheet["Content-Disposition"].startswith("attachment;")
    image = Image.open(io.BytesIO(sheet.content))
    assert image.width == batches.COLUMNS * batches.CELL
    # the green box of Amy's consented face is drawn on her thumbnail
    # (a 320 px photo is not enlarged; its face box starts at 20, 20 and is 80 px wide)
    x, y = 10 + 20, batches.HEADER + 20
    assert image.convert("RGB").getpixel((x + 40, y + 80)) == (0, 112, 60)


def test_it_names_people_on_the_sheet_only_for_those_allowed(amy, client, signed_in):
    teacher_client = client
    teacher = signed_in("staff").pk
    data = make_zip({"amy.png": AMY})
    teacher_client.post(
        "/consent/check/batch/", {"files": SimpleUploadedFile("a.zip", data), "purpose": "website"}
    )
    batch = BatchCheck.objects.get(started_by_id=teacher)
    page = teacher_client.get(f"/consent/check/batch/{batch.pk}/").content.decode()
    assert "Amy Zed" not in page and "Can be used" in page
    assert (
        teacher_client.get(f"/consent/check/batch/{batch.pk}/contact-sheet.png").status_code == 200
    )
    signed_in("staff")
    assert client.get(f"/consent/check/batch/{batch.pk}/").status_code == 404


def test_it_checks_several_photos_uploaded_together(client, signed_in, amy):
    signed_in("social_media_officer")
    response = client.post(
        "/consent/check/batch/",
        {
            "files": [SimpleUploadedFile("a.png", AMY), SimpleUploadedFile("b.png", STRANGER)],
            "purpose": "press",
        },
    )
    assert response.status_code == 302
    batch = BatchCheck.objects.get()
    assert batch.label == "2 files"
    assert [r["verdict"] for r in batch.results] == ["pass", "review"]


@pytest.mark.clause("IMG-3")
def test_it_checks_a_whole_folder_and_lists_other_files_as_skipped(client, signed_in, amy):
    signed_in("social_media_officer")
    page = client.get("/consent/check/batch/").content.decode()
    assert 'name="folder"' in page and "webkitdirectory" in page
    response = client.post(
        "/consent/check/batch/",
        {
            "folder": [
                SimpleUploadedFile("IMG_0001.png", AMY),
                SimpleUploadedFile("IMG_0002.png", STRANGER),
                SimpleUploadedFile("notes.txt", b"Sports day running order"),
            ],
            "purpose": "website",
        },
    )
    assert response.status_code == 302
    batch = BatchCheck.objects.get()
    assert batch.total == 3 and batch.state == "done"
    assert [r["verdict"] for r in batch.results] == ["pass", "review", None]
    assert batch.results[2]["message"].startswith("Skipped:")


def test_it_asks_for_a_zip_photos_or_a_folder_when_nothing_is_chosen(client, signed_in, photos):
    signed_in("social_media_officer")
    response = client.post("/consent/check/batch/", {"purpose": "website"})
    assert response.status_code == 200
    assert "Choose a zip file, photos or a folder to check" in response.content.decode()
    assert not BatchCheck.objects.exists()


@pytest.mark.parametrize(
    "upload, message",
    [
        (
            ("broken.zip", b"PK\x03\x04 this is not really a zip"),
            "not a zip file that can be opened",
        ),
        (("empty.zip", make_zip({})), "has no files in it"),
        (("nothing.png", b""), "empty"),
    ],
)
def test_it_refuses_bad_zips_and_stores_nothing(client, signed_in, photos, upload, message):
    signed_in("social_media_officer")
    before = stored_files()
    response = client.post(
        "/consent/check/batch/",
        {"files": SimpleUploadedFile(*upload), "purpose": "website"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BatchCheck.objects.exists() and stored_files() == before


def test_it_refuses_a_zip_bomb_by_its_declared_size_and_count(
    client, signed_in, photos, monkeypatch
):
    signed_in("social_media_officer")
    bomb = make_zip({"zeros.png": b"\0" * (3 * 1024 * 1024)})
    assert len(bomb) < 10_000
    monkeypatch.setattr(batches, "MAX_UNZIPPED_BYTES", 2 * 1024 * 1024)
    response = client.post(
        "/consent/check/batch/",
        {"files": SimpleUploadedFile("bomb.zip", bomb), "purpose": "website"},
    )
    assert "when unzipped" in response.content.decode() and not BatchCheck.objects.exists()
    monkeypatch.setattr(batches, "MAX_FILES", 2)
    many = make_zip({f"{n}.png": AMY for n in range(3)})
    response = client.post(
        "/consent/check/batch/",
        {"files": SimpleUploadedFile("many.zip", many), "purpose": "website"},
    )
    assert "more than 2 files" in response.content.decode() and not BatchCheck.objects.exists()


def test_it_never_reads_more_than_a_zip_declares(make_user, photos, settings):
    """A forged listing (a big file declared tiny) yields at most the declared bytes, which then
    fail the CRC: the file is skipped as damaged and nothing of the upload is kept."""
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    data = bytearray(make_zip({"a.png": AMY, "big.png": b"\0" * (2 * 1024 * 1024)}))
    central = bytes(data).rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    user = make_user("social_media_officer")
    batch = batches.batch_start(
        uploads=[batches.Upload("lie.zip", bytes(data))], purpose="website", actor=user
    )
    batches.batch_run(batch)
    batch.refresh_from_db()
    assert batch.state == "done" and batch.staged == []
    rows = {r["name"]: r for r in batch.results}  # (a.png, unknown, is kept for review)
    assert rows["lie.zip: a.png"]["verdict"] == "review"
    assert "damaged" in rows["lie.zip: big.png"]["message"]
    assert not list(crypto.photo_dir(batches.UPLOADS).iterdir())


def test_it_keeps_only_thumbnails_after_the_run(make_user, amy):
    user = make_user("social_media_officer")
    big = png((200, 10, 10), size=(1600, 1200))
    FACES[big] = ["amy"]
    try:
        batch = batches.batch_start(
            uploads=[batches.Upload("big.png", big)], purpose="website", actor=user
        )
        batches.batch_run(batch)
    finally:
        del FACES[big]
    batch.refresh_from_db()
    thumb = crypto.photo_read(batch.results[0]["thumb"], batches.THUMBS)
    assert max(Image.open(io.BytesIO(thumb)).size) == batches.THUMB_SIDE
    assert batch.results[0]["faces"][0]["box"] == [5, 5, 20, 20]
    assert not PhotoCheck.objects.exclude(stored_name="").exists()  # a pass keeps no photo
    assert np.isfinite(batch.percent)


def test_it_stops_when_the_bytes_read_pass_the_limit_and_keeps_nothing(make_user, amy, monkeypatch):
    user = make_user("social_media_officer")
    before = stored_files()
    batch = batches.batch_start(
        uploads=[batches.Upload("e.zip", make_zip({"1.png": AMY, "2.png": STRANGER}))],
        purpose="website",
        actor=user,
    )
    monkeypatch.setattr(batches, "MAX_UNZIPPED_BYTES", len(AMY) + 10)
    batches.batch_run(batch)
    batch.refresh_from_db()
    assert batch.state == "failed" and "nothing of it was kept" in batch.error
    assert batch.results == [] and stored_files() == before


def test_it_shows_no_green_all_clear_panel_when_a_photo_needs_a_person(client, signed_in, amy):
    signed_in("social_media_officer")
    data = make_zip({"amy.png": AMY, "stranger.png": STRANGER, "notes.txt": b"not a photo"})
    client.post(
        "/consent/check/batch/", {"files": SimpleUploadedFile("a.zip", data), "purpose": "website"}
    )
    batch = BatchCheck.objects.get()
    page = client.get(f"/consent/check/batch/{batch.pk}/").content.decode()
    assert "govuk-panel--confirmation" not in page
    assert "1 to check by eye. Do not publish them as they are." in page
    assert "Skipped: " not in page  # the tag says it once
    client.post(
        "/consent/check/batch/",
        {"files": SimpleUploadedFile("b.zip", make_zip({"amy.png": AMY})), "purpose": "website"},
    )
    batch = BatchCheck.objects.latest("pk")
    assert (
        "govuk-panel--confirmation"
        in client.get(f"/consent/check/batch/{batch.pk}/").content.decode()
    )
