"""Issue 5's bad-input list, through the web pages and the API rather than the engine alone:
corrupt images, decompression bombs (Pillow's limit), photos with no faces, huge photos
(downscaled safely), non-image uploads and unknown external ids. Each gets a clear message and
nothing is stored. These use the real decoder and detector (no fake faces)."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from socialguard.consent import crypto, faces, services
from socialguard.consent.models import ConsentChange, FaceEmbedding, PhotoCheck, ReferencePhoto
from socialguard.people.models import ParentOf


def jpeg(width: int, height: int, colour="grey") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="JPEG", quality=70)
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1)))
        + _chunk(b"IEND", b"")
    )


def stored() -> set:
    return {
        (kind, p.name) for kind in ("checks", "reference") for p in crypto.photo_dir(kind).iterdir()
    }


BOMB_OVER_TWICE = png_claiming(20_000, 20_000)  # Pillow itself raises DecompressionBombError
BOMB_OVER_LIMIT = png_claiming(10_000, 10_000)  # 100 MP: past the limit, where Pillow only warns
TRUNCATED = jpeg(400, 300, "white")[:300]

BAD_PHOTOS = [
    pytest.param(TRUNCATED, "damaged or incomplete", id="corrupt"),
    pytest.param(b"\xff\xd8\xff\xe0garbage" * 10, "damaged or incomplete", id="corrupt-header"),
    pytest.param(BOMB_OVER_TWICE, "too large to check", id="bomb"),
    pytest.param(BOMB_OVER_LIMIT, "(100 megapixels)", id="bomb-over-limit"),
    pytest.param(b"%PDF-1.4\n%%EOF\n", "not a photo we can read", id="pdf"),
    pytest.param(b"name,given\nA,B\n", "not a photo we can read", id="csv"),
    pytest.param(b"GIF89a" + b"\x00" * 40, "not a photo we can read", id="gif"),
]


@pytest.fixture(autouse=True)
def _no_gallery_cache():
    services._gallery_cache.clear()
    yield
    services._gallery_cache.clear()


@pytest.fixture
def pupil(make_person):
    child = make_person("pupil")
    parent = make_person("parent", email="parent@example.org")
    ParentOf.objects.create(parent=parent, child=child)
    services.biometric_record(person=child, consent=True, key=parent.external_id, given_by=parent)
    return child


def test_it_enforces_pillows_own_decompression_bomb_limit():
    assert faces.MAX_IMAGE_PIXELS == Image.MAX_IMAGE_PIXELS  # Pillow's limit, not a looser one
    assert faces.MAX_IMAGE_PIXELS < 10_000 * 10_000


@pytest.mark.clause("IMG-3")
@pytest.mark.parametrize("data, message", BAD_PHOTOS)
def test_it_explains_a_bad_photo_on_the_check_page_and_stores_nothing(
    client, signed_in, data, message
):
    signed_in("social_media_officer")
    before = stored()
    response = client.post(
        "/consent/check/",
        {"photo": SimpleUploadedFile("photo.jpg", data), "purpose": "website"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "govuk-error-summary" in page
    assert not PhotoCheck.objects.exists() and stored() == before


@pytest.mark.clause("IMG-3")
@pytest.mark.parametrize("data, message", BAD_PHOTOS)
def test_it_answers_a_bad_photo_with_400_from_the_api_and_stores_nothing(
    client, signed_in, data, message
):
    signed_in("staff")
    before = stored()
    response = client.post(
        "/api/v1/checks/photo",
        {"file": SimpleUploadedFile("photo.jpg", data), "purpose": "website"},
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not PhotoCheck.objects.exists() and stored() == before


@pytest.mark.clause("IMG-3")
@pytest.mark.parametrize("data, message", BAD_PHOTOS[:5])
def test_it_refuses_a_bad_photo_for_enrolment_and_as_a_reference_photo(
    client, signed_in, pupil, data, message
):
    signed_in("dsl")
    before = stored()
    response = client.post(
        f"/consent/people/{pupil.external_id}/enrol/",
        {"photo": SimpleUploadedFile("face.jpg", data)},
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not FaceEmbedding.objects.exists()
    services.restricted_set(person=pupil, restricted=True, reason="court order")
    response = client.post(
        f"/consent/restricted/{pupil.external_id}/photo/",
        {"photo": SimpleUploadedFile("face.jpg", data)},
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not ReferencePhoto.objects.exists() and stored() == before


@pytest.mark.clause("IMG-3")
def test_it_passes_a_photo_with_no_faces_on_the_web_and_the_api(client, signed_in):
    signed_in("social_media_officer")
    response = client.post(
        "/consent/check/",
        {"photo": SimpleUploadedFile("sky.jpg", jpeg(640, 480)), "purpose": "website"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "No faces were found in this photo." in page
    assert PhotoCheck.objects.get().verdict == "pass"
    response = client.post(
        "/api/v1/checks/photo",
        {"file": SimpleUploadedFile("sky.jpg", jpeg(640, 480)), "purpose": "press"},
    )
    assert response.status_code == 200 and response.json() == {"verdict": "pass", "faces": []}


@pytest.mark.clause("IMG-3")
def test_it_refuses_to_enrol_a_photo_with_no_face_on_the_web(client, signed_in, pupil):
    signed_in("dsl")
    response = client.post(
        f"/consent/people/{pupil.external_id}/enrol/",
        {"photo": SimpleUploadedFile("wall.jpg", jpeg(640, 480))},
    )
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert not FaceEmbedding.objects.exists()


@pytest.mark.clause("IMG-3")
def test_it_checks_a_huge_photo_scaled_down_and_shows_it_scaled_down(client, signed_in):
    """A 40-megapixel photo (under Pillow's limit) is checked at about 5 MP and shown at most
    2,000 px wide; the box image is a bounded PNG, not the full-size photo."""
    signed_in("social_media_officer")
    width, height = 8000, 5000
    assert faces.detection_scale(width, height) < 0.4
    response = client.post(
        "/consent/check/",
        {"photo": SimpleUploadedFile("big.jpg", jpeg(width, height)), "purpose": "website"},
    )
    assert response.status_code == 302
    check = PhotoCheck.objects.get()
    assert check.verdict == "pass" and check.stored_name
    image = client.get(f"/consent/checks/{check.pk}/image.png")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    shown = Image.open(io.BytesIO(image.content))
    assert max(shown.size) == 2000 and shown.size == (2000, 1250)


def test_it_refuses_a_photo_over_the_upload_limit_on_the_web_and_the_api(
    client, signed_in, settings
):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    big = b"\xff\xd8" + b"\x00" * (settings.UPLOAD_MAX_BYTES + 10)
    signed_in("social_media_officer")
    response = client.post(
        "/consent/check/", {"photo": SimpleUploadedFile("big.jpg", big), "purpose": "website"}
    )
    assert response.status_code == 200 and "larger than 1 MB" in response.content.decode()
    response = client.post(
        "/api/v1/checks/photo", {"file": SimpleUploadedFile("big.jpg", big), "purpose": "website"}
    )
    assert response.status_code == 400 and "larger than" in response.json()["detail"]
    assert not PhotoCheck.objects.exists()


@pytest.mark.clause("IMG-1")
@pytest.mark.parametrize(
    "url",
    [
        "/consent/people/NOBODY-1/",
        "/consent/people/NOBODY-1/record/",
        "/consent/people/NOBODY-1/face-matching/",
        "/consent/people/NOBODY-1/send-link/",
        "/consent/people/NOBODY-1/enrol/",
        "/consent/restricted/NOBODY-1/photo/",
        "/consent/restricted/NOBODY-1/remove/",
    ],
)
def test_it_answers_an_unknown_external_id_on_the_web_with_a_clear_not_found(
    client, signed_in, url
):
    signed_in("dsl")
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()
    assert not ConsentChange.objects.exists()


@pytest.mark.clause("IMG-1")
def test_it_answers_an_unknown_external_id_from_the_api_and_the_forms(
    client, signed_in, make_person
):
    signed_in("dsl")
    response = client.get("/api/v1/consent/people/NOBODY-1")
    assert response.status_code == 404 and response.json()["detail"] == "No such person"
    # A pupil id that is not offered (unknown, or not a pupil) is a form error, not a 500.
    response = client.post(
        "/consent/restricted/add/", {"pupil": "NOBODY-1", "reason": "court order"}
    )
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert not services.restricted_external_ids() and not ConsentChange.objects.exists()


@pytest.mark.clause("IMG-3")
def test_it_skips_bad_photos_in_a_batch_with_a_reason_each_and_keeps_none_of_them(
    client, signed_in
):
    import zipfile

    from socialguard.consent.models import BatchCheck

    signed_in("social_media_officer")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.png", BOMB_OVER_TWICE)
        archive.writestr("cut.jpg", TRUNCATED)
        archive.writestr("letter.pdf", b"%PDF-1.4\n%%EOF\n")
        archive.writestr("sky.jpg", jpeg(640, 480))
    response = client.post(
        "/consent/check/batch/",
        {"files": SimpleUploadedFile("event.zip", out.getvalue()), "purpose": "website"},
    )
    batch = BatchCheck.objects.get()
    assert response.status_code == 302 and batch.state == "done"
    rows = {r["name"].split(": ")[1]: r for r in batch.results}
    assert rows["bomb.png"]["verdict"] is None and "too large" in rows["bomb.png"]["message"]
    assert rows["cut.jpg"]["verdict"] is None and "damaged" in rows["cut.jpg"]["message"]
    assert rows["letter.pdf"]["verdict"] is None and "not a photo" in rows["letter.pdf"]["message"]
    assert rows["sky.jpg"]["verdict"] == "pass"
    assert PhotoCheck.objects.count() == 1  # only the good photo was checked
    page = client.get(f"/consent/check/batch/{batch.pk}/").content.decode()
    assert "too large" in page and "damaged" in page
