"""Bounded images (issue 9, item 9): every path that takes an image refuses one over the pixel
limit (settings.MAX_IMAGE_MEGAPIXELS, default 50) from its header, before decoding it, with a
message naming the limit; and the photo check finds faces in a reduced copy, giving boxes in the
photo's own pixels."""

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from socialguard.consent import batch as batches
from socialguard.consent import faces, services
from socialguard.consent.models import BatchCheck, FaceEmbedding, PhotoCheck
from socialguard.people.models import ParentOf
from socialguard.web import images
from tests.conftest import sign_in

from .test_bad_input import png_claiming  # a few bytes whose header claims the size

LIMIT_TEXT = "the most SocialGuard takes is 50 megapixels"


PHOTO_144_MP = png_claiming(12_000, 12_000)  # Pillow itself would only warn (under 2x its limit)
PHOTO_60_MP = png_claiming(10_000, 6_000)  # under Pillow's own limit: refused by ours alone


def jpeg(image: Image.Image, quality=90) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def run(*args):
    try:
        call_command(*args)
    except SystemExit as exit:
        return exit.code
    return 0


def test_it_refuses_a_144_megapixel_image_from_its_header_naming_the_limit():
    with pytest.raises(images.ImageTooLarge) as error:
        images.refuse_oversized(PHOTO_144_MP)
    assert "(144 megapixels)" in str(error.value) and LIMIT_TEXT in str(error.value)
    assert "save a smaller copy" in str(error.value).lower()
    images.refuse_oversized(png_claiming(5000, 4000))  # 20 MP: fine
    images.refuse_oversized(b"not an image")  # left to the caller's own checks


def test_it_takes_the_limit_from_the_setting(settings):
    settings.MAX_IMAGE_MEGAPIXELS = 10
    with pytest.raises(images.ImageTooLarge, match="most SocialGuard takes is 10 megapixels"):
        images.refuse_oversized(png_claiming(4000, 3000))
    with pytest.raises(faces.PhotoError, match="10 megapixels"):
        faces.load_image(png_claiming(4000, 3000))
    settings.MAX_IMAGE_MEGAPIXELS = 0
    with pytest.raises(Exception, match="SOCIALGUARD_MAX_IMAGE_MEGAPIXELS"):
        images.max_image_pixels()


@pytest.mark.clause("IMG-3")
@pytest.mark.parametrize(
    "photo, size",
    [pytest.param(PHOTO_144_MP, "144", id="144-MP"), pytest.param(PHOTO_60_MP, "60", id="60-MP")],
)
def test_it_refuses_a_huge_photo_on_the_check_page_the_api_and_the_cli(
    client, signed_in, tmp_path, capsys, photo, size
):
    signed_in("social_media_officer")
    page = client.post(
        "/consent/check/", {"photo": SimpleUploadedFile("big.png", photo), "purpose": "website"}
    ).content.decode()
    assert f"({size} megapixels)" in page and LIMIT_TEXT in page
    response = client.post(
        "/api/v1/checks/photo", {"file": SimpleUploadedFile("big.png", photo), "purpose": "website"}
    )
    assert response.status_code == 400 and LIMIT_TEXT in response.json()["detail"]
    path = tmp_path / "big.png"
    path.write_bytes(photo)
    assert run("check-photo", str(path), "--format", "json") == 2
    assert LIMIT_TEXT in json.loads(capsys.readouterr().out)["error"]
    assert not PhotoCheck.objects.exists()


@pytest.mark.clause("IMG-3")
def test_it_skips_a_huge_photo_in_a_batch_naming_the_limit(client, signed_in):
    user = signed_in("social_media_officer")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("huge.png", PHOTO_144_MP)
    client.post(
        "/consent/check/batch/",
        {"files": SimpleUploadedFile("trip.zip", archive.getvalue()), "purpose": "website"},
    )
    batch = BatchCheck.objects.get(started_by=user)
    (row,) = batch.results
    assert row["verdict"] is None and LIMIT_TEXT in row["message"]


@pytest.fixture
def pupil(make_person):
    child = make_person("pupil")
    parent = make_person("parent", email="parent@example.org")
    ParentOf.objects.create(parent=parent, child=child)
    services.biometric_record(person=child, consent=True, key=parent.external_id, given_by=parent)
    return child


@pytest.mark.clause("IMG-3")
def test_it_refuses_a_huge_photo_for_face_enrolment_on_the_web_and_the_cli(
    client, signed_in, pupil, tmp_path, capsys
):
    signed_in("dsl")
    response = client.post(
        f"/consent/people/{pupil.external_id}/enrol/",
        {"photo": SimpleUploadedFile("face.png", PHOTO_60_MP)},
    )
    assert LIMIT_TEXT in response.content.decode()
    path = tmp_path / "face.png"
    path.write_bytes(PHOTO_144_MP)
    assert run("enrol-face", pupil.external_id, str(path), "--format", "json") == 2
    assert LIMIT_TEXT in json.loads(capsys.readouterr().out)["message"]
    assert not FaceEmbedding.objects.exists()


def test_it_refuses_a_huge_draft_photo(client, signed_in):
    from socialguard.publishing import services as publishing
    from socialguard.publishing.models import DraftImage

    website = publishing.account_save(
        user=None, platform="website", name="School website news", connector="website"
    )
    signed_in("staff")
    response = client.post(
        "/publishing/drafts/new/",
        {
            "text": "Our choir at the town hall.",
            "accounts": [website.pk],
            "images": [SimpleUploadedFile("choir.png", PHOTO_60_MP)],
        },
    )
    assert response.status_code in (200, 400) and LIMIT_TEXT in response.content.decode()
    assert not DraftImage.objects.exists()


@pytest.fixture
def dsl_case(client, make_user):
    from socialguard.casework import services as casework

    dsl = make_user("dsl", username="dsl")
    teacher = make_user("staff", username="teacher")
    case = casework.case_report(
        reporter=teacher.person,
        category="cyberbullying_harassment",
        what_happened="Nasty comments on Facebook.",
        platform="Facebook",
        url_or_sender="https://facebook.example/post/1",
        user=teacher,
    )
    sign_in(client, dsl)
    return case, teacher


def test_it_refuses_a_144_megapixel_image_as_evidence(client, dsl_case):
    from socialguard.casework import services as casework
    from socialguard.casework.models import Evidence
    from socialguard.casework.vault import EvidenceRefused

    case, teacher = dsl_case
    evidence_dir = Path(settings.DATA_DIR) / "evidence"
    before = set(evidence_dir.glob("*")) if evidence_dir.exists() else set()
    shot = io.BytesIO(PHOTO_144_MP)
    shot.name = "shot.png"
    response = client.post(
        reverse("casework:evidence_add", args=[case.reference]),
        {
            "kind": "screenshot",
            "may_be_indecent": "no",
            "file": shot,
            "captured_at": "2026-03-02T10:00",
            "site_address": "https://facebook.example/post/9",
            "description": "",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400 and "(144 megapixels)" in page and LIMIT_TEXT in page
    # The same refusal when the image comes with a report (the service every path calls).
    from socialguard import clock

    with pytest.raises(EvidenceRefused, match="144 megapixels"):
        casework.case_report(
            reporter=teacher.person,
            category="cyberbullying_harassment",
            what_happened="A screenshot of the post.",
            platform="Facebook",
            url_or_sender="https://facebook.example/post/1",
            user=teacher,
            upload=casework.Upload(
                content=PHOTO_144_MP,
                name="shot.png",
                captured_at=clock.now(),
                site_address="https://facebook.example/post/1",
            ),
        )
    assert not Evidence.objects.exists()
    after = set(evidence_dir.glob("*")) if evidence_dir.exists() else set()
    assert after == before


def astronaut_scene(width: int, height: int) -> tuple[bytes, tuple[int, int, int]]:
    """A JPEG of width x height with scikit-image's astronaut (a real face) pasted in it; and
    where the astronaut tile is (left, top, side)."""
    skimage_data = pytest.importorskip("skimage.data")
    side = height // 2
    tile = Image.fromarray(skimage_data.astronaut()).resize((side, side))
    canvas = Image.new("RGB", (width, height), (120, 130, 140))
    left, top = width // 2, height // 4
    canvas.paste(tile, (left, top))
    return jpeg(canvas), (left, top, side)


@pytest.mark.clause("IMG-3")
def test_it_finds_faces_in_a_reduced_copy_with_boxes_in_the_photos_own_pixels(monkeypatch):
    data, (left, top, side) = astronaut_scene(6000, 4000)  # 24 MP
    scanned = []
    real = faces.detect_and_embed

    def spy(image):
        scanned.append(image.size)
        return real(image)

    full = real(faces.load_image(data))  # the detector on the full image, as before
    monkeypatch.setattr(faces, "detect_and_embed", spy)
    reduced = faces.embed_photo(data)
    ((width, height),) = scanned
    assert width * height <= faces.ANALYSIS_PIXELS and width < 6000
    assert len(full) == len(reduced) == 1
    x, y, w, h = reduced[0].box
    fx, fy, fw, fh = full[0].box
    # The same face, in the photo's own pixels (the astronaut's face is in the tile's top half).
    assert left < x < left + side and top < y < top + side // 2
    assert abs(x - fx) < 0.05 * fw and abs(y - fy) < 0.05 * fh and abs(w - fw) < 0.1 * fw
    # and described alike: far inside the identify threshold
    distance = float(np.linalg.norm(full[0].embedding - reduced[0].embedding))
    assert distance < faces.IDENTIFY_MATCH_THRESHOLD / 2


def test_it_decodes_a_big_jpeg_already_reduced():
    big = jpeg(Image.new("RGB", (8000, 6000), "grey"), quality=50)  # 48 MP
    image, scale = faces.load_scaled(big)
    assert image.width * image.height <= faces.ANALYSIS_PIXELS
    assert scale == pytest.approx(image.width / 8000)
    opened = Image.open(io.BytesIO(big))
    reduced = batches.faces.images.reduce_on_load(opened, faces.ANALYSIS_PIXELS)
    assert reduced == 0.5 and opened.size == (4000, 3000)  # the decoder's own 1/2 scaling
    small = jpeg(Image.new("RGB", (640, 480), "grey"))
    assert faces.load_scaled(small)[1] == 1.0
