"""Face detection, embeddings and the enrolled gallery (IMG-3), in plain Python.

Models come from the face-recognition-models wheel, read as files: importing that package
imports ``pkg_resources`` and exits the process when setuptools no longer has it.
dlib's HOG detector finds faces; the 5-point landmarks align each face; the 128-d ResNet embedding
(``face_network``) is compared with NumPy against the gallery of enrolled people.
"""

from __future__ import annotations

import importlib.util
import io
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import dlib
import numpy as np
import pillow_heif
from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError

from socialguard.consent.face_network import CHIP_PADDING, CHIP_SIZE, FaceNetwork
from socialguard.web import images

pillow_heif.register_heif_opener()
Image.init()  # registers every plugin, so `formats=` below knows WebP

# Thresholds on the Euclidean distance between embeddings (figures: benchmarks/bench_faces.py on
# the deepface test set, 13 identities, 8 enrolment rounds).
#
# The restricted threshold decides "could this be a restricted child?" and is chosen for recall,
# not accuracy: any restricted child within it blocks the photo. It depends on how many photos
# of the child are enrolled, because a second photo covers more of how the child can look:
# - one photo: at 0.62 all 384 photos of the "restricted" identities were blocked (100 % recall)
#   and 6.1 % of 488 photos of other people were wrongly blocked, above the 5 % goal; 0.61 is the
#   lowest threshold with 100 % recall (5.3 %), so no single-photo threshold meets the goal;
# - two or more photos: 0.57 is the lowest threshold with 100 % recall (280 of 280) and both
#   0.57 and 0.58 wrongly block 4.9 % (24 of 488), which meets the goal; 0.58 keeps a margin.
# So a restricted child enrolled from one photo is matched at 0.62 and the school is asked for a
# second photo (consent/_second_photo.html); from two photos on, at 0.58.
RESTRICTED_THRESHOLD_ONE_PHOTO = 0.62
RESTRICTED_THRESHOLD_TWO_PHOTOS = 0.58
DEFAULT_MATCH_THRESHOLD = (
    RESTRICTED_THRESHOLD_ONE_PHOTO  # the widest: candidates are found within it
)


def restricted_threshold(photos_enrolled: int) -> float:
    """The distance within which a restricted child enrolled from this many photos blocks a photo."""
    return (
        RESTRICTED_THRESHOLD_TWO_PHOTOS if photos_enrolled >= 2 else RESTRICTED_THRESHOLD_ONE_PHOTO
    )


# IDENTIFY_MATCH_THRESHOLD decides "this is that consented person", so the photo may pass. A
# false match here would publish an unenrolled (perhaps restricted) child, so it sits below
# 0.52, the largest threshold at which no photo of anyone else matched (0 of 488): at 0.50,
# 92.4 % of photos of enrolled people are recognised (98.6 % with two photos enrolled) and the
# rest go to review. The chance of a false match grows with the number of people enrolled.
IDENTIFY_MATCH_THRESHOLD = 0.50

# dlib's HOG score; detections below it are dropped. Lower finds more faces (an unknown face goes
# to a person for review, which is the safe side) at the cost of more false detections. On
# dlib's annotated group photos 0.0 finds all 43 faces with no false detection; 0.5 misses some
# (see the benchmark).
DETECTION_SCORE_THRESHOLD = 0.0

# The detector's window is 80x80 px, so the smallest face it finds is ~80 px in the image it
# scans. Each photo is resized so that this image holds about DETECTION_PIXELS (small photos are
# enlarged, at most MAX_DETECTION_UPSCALE times; large ones reduced), which keeps the time per
# photo roughly constant while a 12-megapixel photo still finds faces ~125 px wide.
DETECTION_PIXELS = 5_000_000
MAX_DETECTION_UPSCALE = 2.0

# Each side of the scanned image is mirrored by this fraction of its shorter side, and a
# detection must keep this much of its box inside the photo.
EDGE_MIRROR = 0.1
MIN_VISIBLE_FRACTION = 0.4

# Pillow's own decompression-bomb limit, enforced as an error rather than a warning. The school's
# limit (settings.MAX_IMAGE_MEGAPIXELS, socialguard.web.images) is lower and is checked with it.
MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485

# Faces are found and described in a copy of the photo of at most this many pixels: a JPEG is
# decoded already reduced (the decoder's DCT scaling), so finding the faces in an 88-megapixel
# JPEG takes about 200 MB instead of 865 MB, and a 12-megapixel one about 150 MB
# (benchmarks/bench_photo_memory.py). Boxes are given in the photo's own pixels. A 12-megapixel
# phone photo is analysed at full size, as before.
ANALYSIS_PIXELS = 12_000_000
# Faces described by the network at once (see detect_and_embed).
EMBED_BATCH = 4

# Multi-picture JPEGs from phones open as "MPO" through the JPEG plugin.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
_FORMAT_NAMES = "JPEG, PNG, WebP or HEIC"


class PhotoError(ValueError):
    """A photo that cannot be checked; ``str(error)`` is a message for the person uploading it."""


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # x, y, width, height in the (upright) photo's pixels
    embedding: np.ndarray  # (128,) float32
    score: float  # detector confidence


# ---------------------------------------------------------------------------------------------
# Models


@dataclass(frozen=True)
class _Models:
    shape_predictor: dlib.shape_predictor
    network: FaceNetwork


_models: _Models | None = None
_models_lock = threading.Lock()
# dlib's object detector keeps scratch state, so each thread gets its own.
_thread_local = threading.local()


def models_directory() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("face-recognition-models is not installed")
    return Path(spec.submodule_search_locations[0]) / "models"


def _get_models() -> _Models:
    global _models
    if _models is None:
        with _models_lock:
            if _models is None:
                directory = models_directory()
                _models = _Models(
                    shape_predictor=dlib.shape_predictor(
                        str(directory / "shape_predictor_5_face_landmarks.dat")
                    ),
                    network=FaceNetwork(directory / "dlib_face_recognition_resnet_model_v1.dat"),
                )
    return _models


def _get_detector():
    detector = getattr(_thread_local, "detector", None)
    if detector is None:
        detector = _thread_local.detector = dlib.get_frontal_face_detector()
    return detector


# ---------------------------------------------------------------------------------------------
# Images


_DAMAGED = (
    "The photo file is damaged or incomplete, so it cannot be checked. Try exporting it again."
)


def load_image(data: bytes) -> Image.Image:
    """Decode a JPEG, PNG, WebP or HEIC photo into an upright RGB image at full size."""
    image = _open(data)
    try:
        image = ImageOps.exif_transpose(image)
        return image.convert("RGB")
    except (OSError, ValueError, SyntaxError) as error:
        raise PhotoError(_DAMAGED) from error


def load_scaled(
    data: bytes, *, max_pixels: int = ANALYSIS_PIXELS, max_side: int | None = None
) -> tuple[Image.Image, float]:
    """The photo upright in RGB, at most ``max_pixels`` (and ``max_side`` px on its longer side),
    decoded already reduced where the format allows; and its scale: pixels of the returned
    image per pixel of the photo (1.0 when it was small enough)."""
    image, full_size = _open_sized(data, max_pixels=max_pixels, max_side=max_side)
    # Reduced first, then turned and converted: no full-size copy beside the decoded photo.
    image = images.fit(image, max_pixels)
    try:
        ImageOps.exif_transpose(image, in_place=True)
        if image.mode != "RGB":
            image = image.convert("RGB")
    except (OSError, ValueError, SyntaxError) as error:
        raise PhotoError(_DAMAGED) from error
    if max_side and max(image.size) > max_side:
        factor = max_side / max(image.size)
        size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    # Uniform scaling, so the longer sides correspond whatever the EXIF rotation was.
    return image, max(image.size) / max(full_size)


def _open(data: bytes) -> Image.Image:
    return _open_sized(data)[0]


def _open_sized(
    data: bytes, *, max_pixels: int | None = None, max_side: int | None = None
) -> tuple[Image.Image, tuple[int, int]]:
    """Open and decode, refusing what is not a still photo of a size we accept; with
    ``max_pixels`` or ``max_side``, a JPEG is decoded reduced. Also returns the full size."""
    if not data:
        raise PhotoError("The file is empty.")
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as error:
        raise PhotoError(images.bomb_error(error).message) from error
    except UnidentifiedImageError as error:
        raise PhotoError(
            f"This file is not a photo we can read. Upload a {_FORMAT_NAMES} image."
        ) from error
    except (OSError, ValueError, SyntaxError) as error:
        raise PhotoError(_DAMAGED) from error
    # Checked on the header, before decoding the pixels; Pillow itself only warns up to twice
    # its own limit, and the school's limit is lower.
    try:
        images.check_pixels(image.width, image.height, limit=MAX_IMAGE_PIXELS)
    except images.ImageTooLarge as error:
        raise PhotoError(error.message) from None
    # Only the first frame would be checked; a child in a later frame would be missed.
    if getattr(image, "is_animated", False) and image.format not in ("MPO", "HEIF"):
        raise PhotoError(
            "Animated images cannot be checked for faces. Upload each picture as a still photo."
        )
    full_size = image.size
    if max_side and max(full_size) > max_side:
        max_pixels = min(
            max_pixels or full_size[0] * full_size[1],
            int(full_size[0] * full_size[1] * (max_side / max(full_size)) ** 2),
        )
    # WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process when it is
    # imported; a truncated photo must still be refused, not checked with its bottom half grey.
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        if max_pixels:
            images.reduce_on_load(image, max_pixels)
        image.load()
    except (OSError, ValueError, SyntaxError) as error:
        raise PhotoError(_DAMAGED) from error
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
    return image, full_size


def strip_metadata(data: bytes) -> bytes:
    """Re-encode a photo without EXIF (GPS, camera, times), XMP or comments.

    The orientation tag is applied to the pixels first, so the photo still shows upright.
    JPEG, PNG and WebP keep their format; HEIC becomes JPEG, which every site accepts.
    An upright JPEG keeps its quantisation tables, so it loses no further quality.
    """
    image = _open(data)
    source_format = image.format
    icc_profile = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    upright = image
    if image.getexif().get(ExifTags.Base.Orientation, 1) not in (0, 1):
        upright = ImageOps.exif_transpose(image)
    # Pillow's encoders fall back on image.info for XMP and comments, so keep nothing there.
    upright.info = {}
    options: dict = {"icc_profile": icc_profile} if icc_profile else {}
    out = io.BytesIO()
    if source_format == "PNG":
        if transparency is not None:
            options["transparency"] = transparency
        upright.save(out, format="PNG", **options)
    elif source_format == "WEBP":
        upright.save(out, format="WEBP", quality=90, **options)
    else:
        if upright is image and source_format == "JPEG":
            options.update(quality="keep", subsampling="keep", qtables="keep")
        else:
            options.update(quality=92)
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(out, format="JPEG", **options)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Detection and embedding


def detection_scale(width: int, height: int) -> float:
    """How much to resize a photo before the HOG detector scans it (see DETECTION_PIXELS)."""
    return min(MAX_DETECTION_UPSCALE, math.sqrt(DETECTION_PIXELS / (width * height)))


def detect_faces(image: Image.Image) -> list[tuple[tuple[int, int, int, int], float]]:
    """Face boxes (x, y, w, h) in the photo's own pixels, with the detector's scores."""
    scale = detection_scale(image.width, image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    gray = image.convert("L")
    if size != image.size:
        gray = gray.resize(size, Image.Resampling.BILINEAR)
    gray = np.asarray(gray)
    # Mirroring the borders completes a face cut by the frame edge, which HOG would miss.
    pad = min(round(min(gray.shape) * EDGE_MIRROR), min(gray.shape) - 1)
    if pad > 0:
        gray = np.pad(gray, pad, mode="reflect")
    rects, scores, _ = _get_detector().run(gray, 0, DETECTION_SCORE_THRESHOLD)
    found = []
    for rect, score in zip(rects, scores, strict=True):
        edges = (rect.left(), rect.top(), rect.right(), rect.bottom())
        x, y, w, h = _clip(tuple((e - pad) / scale for e in edges), image.width, image.height)
        # A box mostly in the mirrored border is a reflection of a face already counted.
        if w * h >= MIN_VISIBLE_FRACTION * rect.width() * rect.height() / scale**2:
            found.append(((x, y, w, h), float(score)))
    return found


def _clip(edges: tuple[float, float, float, float], width: int, height: int) -> tuple:
    left, top, right, bottom = edges
    x0, y0 = max(0, round(left)), max(0, round(top))
    x1, y1 = min(width, round(right)), min(height, round(bottom))
    return (x0, y0, x1 - x0, y1 - y0)


def detect_and_embed(image: Image.Image | np.ndarray) -> list[Face]:
    """Every face in the photo, with its box, 128-d embedding and detection score."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    if image.mode != "RGB":
        image = image.convert("RGB")
    detections = detect_faces(image)
    if not detections:
        return []
    models = _get_models()
    pixels = np.asarray(image)
    shapes = dlib.full_object_detections()
    for (x, y, w, h), _score in detections:
        shapes.append(models.shape_predictor(pixels, dlib.rectangle(x, y, x + w, y + h)))
    chips = np.stack(dlib.get_face_chips(pixels, shapes, CHIP_SIZE, CHIP_PADDING))
    # A few faces at a time: the network's working memory grows with the faces it is given, so
    # a class photo costs no more than a portrait (benchmarks/bench_photo_memory.py).
    embeddings = np.concatenate(
        [
            models.network.embed(chips[start : start + EMBED_BATCH])
            for start in range(0, len(chips), EMBED_BATCH)
        ]
    )
    return [
        Face(box=box, embedding=embedding, score=score)
        for (box, score), embedding in zip(detections, embeddings, strict=True)
    ]


def embed_photo(data: bytes) -> list[Face]:
    """Every face in the photo, found in a copy of at most ANALYSIS_PIXELS (so the memory one
    photo costs is bounded), with boxes in the photo's own pixels."""
    image, scale = load_scaled(data)
    found = detect_and_embed(image)
    if scale == 1.0:
        return found
    width, height = round(image.width / scale), round(image.height / scale)
    return [
        Face(
            box=_clip(
                (x / scale, y / scale, (x + w) / scale, (y + h) / scale),
                width,
                height,
            ),
            embedding=face.embedding,
            score=face.score,
        )
        for face in found
        for x, y, w, h in [face.box]
    ]


# ---------------------------------------------------------------------------------------------
# Gallery


class Gallery:
    """Enrolled people's embeddings, matched with one matrix product per photo.

    A person's distance to a face is the smallest distance over their enrolled embeddings.
    """

    def __init__(self, people: Iterable[tuple[str, Sequence[np.ndarray]]] = ()):
        ids: list[str] = []
        rows: list[np.ndarray] = []
        owners: list[int] = []
        for external_id, embeddings in people:
            vectors = [np.asarray(e, dtype=np.float32).reshape(128) for e in embeddings]
            if not vectors:
                continue
            owners.extend([len(ids)] * len(vectors))
            ids.append(str(external_id))
            rows.extend(vectors)
        self.external_ids = ids
        self._owners = np.array(owners, dtype=np.intp)
        counts = np.bincount(self._owners, minlength=len(ids)).tolist()
        self.photo_counts = dict(zip(ids, counts, strict=True))  # photos enrolled per person
        self._matrix = np.array(rows, dtype=np.float32).reshape(len(rows), 128)
        self._squared_norms = np.einsum("ij,ij->i", self._matrix, self._matrix)

    def __len__(self) -> int:
        return len(self.external_ids)

    def _embedding_distances(self, embeddings) -> np.ndarray:
        """(faces, enrolled embeddings) Euclidean distances, via |a|^2 + |b|^2 - 2ab."""
        faces = np.asarray(embeddings, dtype=np.float32).reshape(-1, 128)
        squared = faces @ self._matrix.T
        squared *= -2.0
        squared += np.einsum("ij,ij->i", faces, faces)[:, None]
        squared += self._squared_norms[None, :]
        return np.sqrt(np.maximum(squared, 0.0, out=squared), out=squared)

    def match(
        self, embedding: np.ndarray, threshold: float = DEFAULT_MATCH_THRESHOLD
    ) -> tuple[str | None, float | None]:
        """The nearest enrolled person within the threshold, or (None, None)."""
        if not len(self):
            return None, None
        distances = self._embedding_distances(embedding)[0]
        nearest = int(np.argmin(distances))
        if distances[nearest] > threshold:
            return None, None
        return self.external_ids[self._owners[nearest]], float(distances[nearest])

    def candidates(
        self, embeddings: np.ndarray | Sequence[np.ndarray], threshold: float
    ) -> list[list[tuple[str, float]]]:
        """For each face, every enrolled person within the threshold, nearest first."""
        count = len(np.asarray(embeddings, dtype=np.float32).reshape(-1, 128))
        if not len(self):
            return [[] for _ in range(count)]
        result = []
        for row in self._embedding_distances(embeddings):
            close = np.flatnonzero(row <= threshold)
            close = close[np.argsort(row[close], kind="stable")]
            nearest: dict[str, float] = {}
            for i in close:  # nearest first, so the first of a person's embeddings counts
                nearest.setdefault(self.external_ids[self._owners[i]], float(row[i]))
            result.append(list(nearest.items()))
        return result
