"""The photo check engine: images in, faces found and matched, verdicts out (IMG-3, IMG-1).

Real faces come from scikit-image's astronaut photo (shipped in its wheel), so these tests run
on a fresh clone; one end-to-end test also uses the team's shared photos when present.
"""

import io

import numpy as np
import pytest
from PIL import ExifTags, Image

from socialguard.consent import faces
from socialguard.consent.faces import Face, Gallery, PhotoError
from socialguard.consent.photo_check import (
    CONSENTED,
    NO_CONSENT,
    RESTRICTED,
    UNKNOWN,
    check_photo,
    face_result,
    photo_verdict,
    render_boxes,
)

ALL_PURPOSES = {"internal", "print", "website", "social_media", "press"}


def encode(image: Image.Image, format: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    skimage_data = pytest.importorskip(
        "skimage.data", reason="scikit-image (a test dependency) ships the astronaut photo"
    )
    return Image.fromarray(skimage_data.astronaut())


@pytest.fixture(scope="module")
def astronaut_jpeg(astronaut) -> bytes:
    return encode(astronaut, quality=95)


@pytest.fixture(scope="module")
def astronaut_face(astronaut_jpeg) -> Face:
    found = faces.embed_photo(astronaut_jpeg)
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module")
def gallery(astronaut_face) -> Gallery:
    rng = np.random.default_rng(1)
    strangers = rng.normal(size=(20, 128)).astype(np.float32)
    return Gallery(
        [("P-ASTRONAUT", [astronaut_face.embedding])]
        + [(f"P-{i:03d}", [vector]) for i, vector in enumerate(strangers)]
    )


def assert_same_place(box, expected):
    """Same face: centres close and sizes alike (the detector's sizes step by 20 %)."""
    (x, y, w, h), (ex, ey, ew, eh) = box, expected
    assert abs((x + w / 2) - (ex + ew / 2)) < 0.15 * ew
    assert abs((y + h / 2) - (ey + eh / 2)) < 0.15 * eh
    assert 0.75 < w / ew < 1.33


def statuses_with(**astronaut) -> dict:
    return {"P-ASTRONAUT": {"restricted": False, "purposes": set(), **astronaut}}


# --- Verdicts -------------------------------------------------------------------------------


@pytest.mark.clause("IMG-3")
def test_it_blocks_a_photo_of_a_restricted_child(astronaut_jpeg, gallery):
    statuses = statuses_with(restricted=True, purposes=ALL_PURPOSES)

    result = check_photo(astronaut_jpeg, gallery, statuses, "internal")

    assert result["verdict"] == "block"
    [face] = result["faces"]
    assert face["status"] == RESTRICTED
    assert face["external_id"] == "P-ASTRONAUT"
    assert face["distance"] < 0.1


@pytest.mark.clause("IMG-1")
def test_it_passes_a_photo_of_someone_with_consent_for_the_purpose(astronaut_jpeg, gallery):
    statuses = statuses_with(purposes={"website", "social_media"})

    result = check_photo(astronaut_jpeg, gallery, statuses, "social_media")

    assert result == {
        "verdict": "pass",
        "faces": [
            {
                "box": result["faces"][0]["box"],
                "external_id": "P-ASTRONAUT",
                "status": CONSENTED,
                "distance": result["faces"][0]["distance"],
            }
        ],
    }


@pytest.mark.clause("IMG-1")
def test_it_blocks_a_photo_for_a_purpose_without_consent(astronaut_jpeg, gallery):
    statuses = statuses_with(purposes={"internal", "print"})

    result = check_photo(astronaut_jpeg, gallery, statuses, "press")

    assert result["verdict"] == "block"
    assert result["faces"][0]["status"] == NO_CONSENT


@pytest.mark.clause("IMG-3")
def test_it_sends_a_face_nobody_enrolled_to_review(astronaut_jpeg):
    rng = np.random.default_rng(2)
    others = Gallery([("P-OTHER", [rng.normal(size=128)])])

    result = check_photo(astronaut_jpeg, others, {}, "website")

    assert result["verdict"] == "review"
    assert result["faces"][0] | {"box": None} == {
        "box": None,
        "external_id": None,
        "status": UNKNOWN,
        "distance": None,
    }


@pytest.mark.clause("IMG-3")
def test_it_passes_a_photo_with_no_faces(gallery):
    rng = np.random.default_rng(3)
    noise = Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8))
    plain = Image.new("RGB", (640, 480), (40, 120, 200))

    for photo in (noise, plain):
        assert check_photo(encode(photo), gallery, {}, "website") == {
            "verdict": "pass",
            "faces": [],
        }


@pytest.mark.clause("IMG-3")
def test_it_treats_an_enrolled_person_with_no_consent_record_as_no_consent(astronaut_jpeg, gallery):
    result = check_photo(astronaut_jpeg, gallery, {}, "internal")

    assert result["faces"][0]["status"] == NO_CONSENT
    assert result["verdict"] == "block"


@pytest.mark.clause("IMG-3")
def test_it_refuses_an_unknown_purpose(astronaut_jpeg, gallery):
    with pytest.raises(ValueError, match="purpose"):
        check_photo(astronaut_jpeg, gallery, {}, "billboard")


@pytest.mark.clause("IMG-3")
@pytest.mark.parametrize(
    "candidates, expected",
    [
        ([], (None, UNKNOWN, None)),
        # Nearest is a consented classmate, but a restricted child is close enough: blocked.
        ([("A", 0.30), ("R", 0.58)], ("R", RESTRICTED, 0.58)),
        ([("A", 0.30), ("B", 0.45)], ("A", CONSENTED, 0.30)),
        ([("N", 0.40)], ("N", NO_CONSENT, 0.40)),
        # Close to a consented person, but not close enough to be sure it is them: review.
        ([("A", 0.56)], (None, UNKNOWN, None)),
        ([("R", 0.63)], (None, UNKNOWN, None)),
    ],
)
def test_it_gives_each_face_the_most_cautious_status(candidates, expected):
    statuses = {
        "A": {"restricted": False, "purposes": {"website"}},
        "B": {"restricted": False, "purposes": {"website"}},
        "N": {"restricted": False, "purposes": {"internal"}},
        "R": {"restricted": True, "purposes": {"website"}},
    }

    assert face_result(candidates, statuses, "website", 0.62, 0.50) == expected


@pytest.mark.clause("IMG-3")
@pytest.mark.parametrize(
    "statuses, verdict",
    [
        ([], "pass"),
        ([CONSENTED, CONSENTED], "pass"),
        ([CONSENTED, UNKNOWN], "review"),
        ([UNKNOWN, NO_CONSENT], "block"),
        ([CONSENTED, RESTRICTED, UNKNOWN], "block"),
    ],
)
def test_it_decides_the_photo_from_its_faces(statuses, verdict):
    assert photo_verdict(statuses) == verdict


# --- Images ---------------------------------------------------------------------------------


@pytest.mark.clause("IMG-3")
def test_it_reports_boxes_in_the_original_photos_pixels(astronaut, astronaut_face):
    canvas = Image.new("RGB", (4000, 3000), (90, 100, 90))
    canvas.paste(astronaut.resize((1024, 1024)), (2600, 1700))

    found = faces.embed_photo(encode(canvas, quality=90))

    face = max(found, key=lambda f: f.score)
    x, y, w, h = astronaut_face.box
    assert_same_place(face.box, (2600 + 2 * x, 1700 + 2 * y, 2 * w, 2 * h))


@pytest.mark.clause("IMG-3")
def test_it_turns_photos_upright_before_finding_faces(astronaut, astronaut_face):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored turned, shown turned back by 90 degrees
    stored = astronaut.transpose(Image.Transpose.ROTATE_90)

    [face] = faces.embed_photo(encode(stored, exif=exif))

    assert_same_place(face.box, astronaut_face.box)
    assert np.linalg.norm(face.embedding - astronaut_face.embedding) < 0.2


@pytest.mark.clause("IMG-3")
def test_it_accepts_heic_photos_from_phones(astronaut, gallery):
    heic = encode(astronaut, format="HEIF", quality=90)
    assert heic[4:12] == b"ftypheic"

    result = check_photo(heic, gallery, statuses_with(restricted=True), "website")

    assert result["verdict"] == "block"
    assert result["faces"][0]["external_id"] == "P-ASTRONAUT"


@pytest.mark.clause("IMG-3")
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a photo at all",
        b"%PDF-1.7\n" + bytes(200),
        b"\xff\xd8\xff\xe0" + bytes(100),  # a JPEG header and nothing else
        encode(Image.new("RGB", (64, 64)), format="GIF"),
    ],
    ids=["empty", "text", "pdf", "jpeg-header-only", "gif"],
)
def test_it_rejects_files_that_are_not_photos_with_a_clear_message(data):
    with pytest.raises(PhotoError) as error:
        faces.load_image(data)

    assert "photo" in str(error.value).lower() or "empty" in str(error.value).lower()


@pytest.mark.clause("IMG-3")
def test_it_rejects_a_truncated_photo(astronaut_jpeg):
    with pytest.raises(PhotoError, match="damaged"):
        faces.load_image(astronaut_jpeg[: len(astronaut_jpeg) // 2])


@pytest.mark.clause("IMG-3")
def test_it_rejects_photos_over_the_decompression_bomb_limit(monkeypatch):
    monkeypatch.setattr(faces, "MAX_IMAGE_PIXELS", 100 * 100)

    with pytest.raises(PhotoError, match="too large"):
        faces.load_image(encode(Image.new("RGB", (200, 100)), format="PNG"))


@pytest.mark.clause("IMG-3")
def test_it_rejects_animated_images_it_could_only_partly_check():
    frames = [Image.new("RGB", (32, 32), colour) for colour in ("red", "blue")]
    animated = encode(frames[0], format="WEBP", save_all=True, append_images=frames[1:])

    with pytest.raises(PhotoError, match="Animated"):
        faces.load_image(animated)


def photo_with_location(image: Image.Image, format: str) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Staff phone"
    exif[ExifTags.Base.Orientation] = 1
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 26.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>51,30N</exif:GPSLatitude>'
    options = {"exif": exif}
    if format in ("JPEG", "WEBP"):
        options["xmp"] = xmp + b"</x:xmpmeta>"
    return encode(image, format=format, **options)


@pytest.mark.clause("IMG-3")
@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_it_strips_gps_and_other_metadata_before_publishing(astronaut, format):
    original = photo_with_location(astronaut.resize((128, 128)), format)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    stripped = faces.strip_metadata(original)

    reopened = Image.open(io.BytesIO(stripped))
    assert reopened.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert len(reopened.getexif()) == 0
    assert "xmp" not in reopened.info
    for marker in (b"GPS", b"Staff phone", b"xmpmeta", b"Exif\x00\x00"):
        assert marker not in stripped
    assert reopened.size == (128, 128)


@pytest.mark.clause("IMG-3")
def test_it_keeps_a_stripped_photo_upright(astronaut):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    stored = astronaut.crop((0, 0, 512, 256)).transpose(Image.Transpose.ROTATE_90)

    stripped = faces.strip_metadata(encode(stored, exif=exif))

    assert Image.open(io.BytesIO(stripped)).size == (512, 256)


@pytest.mark.clause("IMG-3")
def test_it_draws_boxes_coloured_by_status_as_a_png(astronaut_jpeg, astronaut_face):
    x, y, w, h = astronaut_face.box
    blocked = {"box": [x, y, w, h], "external_id": "P-1", "status": RESTRICTED, "distance": 0.1}
    consented = {"box": [20, 300, 80, 80], "external_id": None, "status": CONSENTED}

    for labels in (True, False):
        png = render_boxes(astronaut_jpeg, [blocked, consented], labels=labels)

        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        drawn = Image.open(io.BytesIO(png)).convert("RGB")
        assert drawn.size == (512, 512)
        assert drawn.getpixel((x + w // 2, y + h)) == (212, 53, 28)  # red, bottom edge
        assert drawn.getpixel((20 + 40, 380)) == (0, 112, 60)  # green


@pytest.mark.clause("IMG-3")
def test_it_names_faces_on_the_picture_only_when_allowed(astronaut_jpeg, astronaut_face):
    face = {"box": list(astronaut_face.box), "external_id": "P-1", "status": RESTRICTED}

    named = render_boxes(astronaut_jpeg, [face], labels=True, names={"P-1": "Ada Lovelace"})
    anonymous = render_boxes(astronaut_jpeg, [face], labels=False, names={"P-1": "Ada Lovelace"})
    other_restricted = render_boxes(astronaut_jpeg, [face | {"status": NO_CONSENT}], labels=False)

    assert named != anonymous
    # Without names, a restricted child's box looks the same as one without consent.
    assert anonymous == other_restricted


# --- Embeddings and matching ----------------------------------------------------------------


@pytest.mark.clause("IMG-3")
def test_it_embeds_faces_exactly_as_dlib_does(astronaut):
    import dlib

    directory = faces.models_directory()
    dlib_model = dlib.face_recognition_model_v1(
        str(directory / "dlib_face_recognition_resnet_model_v1.dat")
    )
    predictor = dlib.shape_predictor(str(directory / "shape_predictor_5_face_landmarks.dat"))
    pixels = np.asarray(astronaut)
    [((x, y, w, h), _)] = faces.detect_faces(astronaut)
    shape = predictor(pixels, dlib.rectangle(x, y, x + w, y + h))
    chips = np.stack(
        [dlib.get_face_chip(pixels, shape, 150, 0.25), np.full((150, 150, 3), 128, np.uint8)]
    )

    ours = faces._get_models().network.embed(chips)
    theirs = np.array(dlib_model.compute_face_descriptor(list(chips)))

    assert np.abs(ours - theirs).max() < 1e-4


@pytest.mark.clause("IMG-3")
def test_it_matches_the_nearest_person_over_all_their_photos():
    basis = np.eye(128, dtype=np.float32)
    gallery = Gallery(
        [
            ("A", [basis[0], basis[1] * 0.3]),
            ("B", [basis[2]]),
            ("NOBODY", []),
        ]
    )
    face = basis[1] * 0.3 + basis[3] * 0.2

    assert gallery.match(face, threshold=0.6) == ("A", pytest.approx(0.2, abs=1e-6))
    assert gallery.match(basis[5], threshold=0.6) == (None, None)
    assert gallery.candidates([face, basis[2]], 1.5) == [
        [("A", pytest.approx(0.2, abs=1e-6)), ("B", pytest.approx(np.sqrt(1.13), abs=1e-5))],
        [("B", pytest.approx(0.0, abs=1e-3)), ("A", pytest.approx(np.sqrt(1.09), abs=1e-5))],
    ]
    assert len(gallery) == 2
    assert Gallery().match(face) == (None, None)


@pytest.mark.clause("IMG-3")
def test_it_finds_people_in_a_real_group_photo(shared_data):
    """Obama enrolled as restricted, Biden consented: their photo together is blocked."""
    examples = shared_data / "faces" / "face_recognition_examples" / "examples"
    train = examples / "knn_examples" / "train"

    def enrol(path):
        [face] = faces.embed_photo(path.read_bytes())
        return face.embedding

    gallery = Gallery(
        [
            ("OBAMA", [enrol(train / "obama" / "obama.jpg")]),
            ("BIDEN", [enrol(train / "biden" / "biden2.jpg")]),
        ]
    )
    statuses = {
        "OBAMA": {"restricted": True, "purposes": set()},
        "BIDEN": {"restricted": False, "purposes": {"website"}},
    }
    photo = (examples / "knn_examples" / "test" / "obama_and_biden.jpg").read_bytes()

    result = check_photo(photo, gallery, statuses, "website")

    assert result["verdict"] == "block"
    found = {f["external_id"]: f["status"] for f in result["faces"]}
    assert found["OBAMA"] == RESTRICTED
    assert found["BIDEN"] == CONSENTED
