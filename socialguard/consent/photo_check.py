"""The photo check before publishing (IMG-3) and the picture of its result.

Each face gets one status:
- restricted: a restricted child is within their restricted threshold (generous, chosen for
  recall; wider for a child enrolled from one photo than from two), even if someone else is nearer: a restricted child who looks like a classmate is still blocked;
- consented / no_consent: the nearest enrolled person is within ``identify_threshold`` (strict,
  so an unenrolled child is not mistaken for a consented one) and has / lacks consent for the
  purpose;
- unknown: anything else. A person must review it: a restricted child without biometric
  consent is never enrolled, so only a human can spot them.

Only those who keep the consent register (and the safeguarding roles) see that answer in full.
Anyone else gets ``redact(result)``: the verdict and the boxes, external_id and distance null,
and restricted and no_consent both reported as not_allowed, so the restricted list cannot be
read off the photo check (permissions.can_see_identities).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from PIL import ImageDraw, ImageFont

from socialguard.consent.faces import (
    DEFAULT_MATCH_THRESHOLD,
    IDENTIFY_MATCH_THRESHOLD,
    Gallery,
    embed_photo,
    load_scaled,
    restricted_threshold,
)

PURPOSES = ("internal", "print", "website", "social_media", "press")

CONSENTED = "consented"
NO_CONSENT = "no_consent"
RESTRICTED = "restricted"
UNKNOWN = "unknown"
# The status a person without access to the consent register sees for a restricted face and for
# a face without consent alike: the restricted list stays with those who keep it.
NOT_ALLOWED = "not_allowed"

# GOV.UK Frontend's green, orange and red.
_COLOURS = {
    CONSENTED: (0, 112, 60),
    UNKNOWN: (244, 119, 56),
    NO_CONSENT: (212, 53, 28),
    RESTRICTED: (212, 53, 28),
    NOT_ALLOWED: (212, 53, 28),
}
# Without permission to see names, restricted and no-consent faces look the same, so the
# picture does not reveal who is on the restricted list.
_ANONYMOUS_LABELS = {
    CONSENTED: "consented",
    UNKNOWN: "check",
    NO_CONSENT: "blocked",
    RESTRICTED: "blocked",
    NOT_ALLOWED: "blocked",
}
_REDACTED_STATUS = {RESTRICTED: NOT_ALLOWED, NO_CONSENT: NOT_ALLOWED}


def redact_face(face: Mapping[str, Any]) -> dict:
    """A face as a person without access to the consent register may see it: its box and a
    status that does not tell a restricted child from one without consent; no id, no distance
    (a distance near a threshold would tell)."""
    status = face.get("status", UNKNOWN)
    return {
        "box": list(face.get("box", [])),
        "external_id": None,
        "status": _REDACTED_STATUS.get(status)
        or (status if status in (CONSENTED, UNKNOWN, NOT_ALLOWED) else UNKNOWN),
        "distance": None,
    }


def redact(result: Mapping[str, Any]) -> dict:
    """The check's answer (DESIGN.md contract) with the verdict and the boxes only."""
    redacted = {
        "verdict": result.get("verdict"),
        "faces": [redact_face(f) for f in result.get("faces") or []],
    }
    if result.get("error"):
        redacted["error"] = result["error"]
    return redacted


class PersonStatus(TypedDict):
    restricted: bool
    purposes: set[str]


def person_status(status: Mapping[str, Any] | None, purpose: str) -> str:
    """An enrolled person's status for the purpose; no consent record means no consent."""
    if status is None:
        return NO_CONSENT
    if status.get("restricted"):
        return RESTRICTED
    return CONSENTED if purpose in status.get("purposes", ()) else NO_CONSENT


def face_result(
    candidates: Sequence[tuple[str, float]],
    statuses: Mapping[str, Mapping[str, Any]],
    purpose: str,
    threshold: float | Mapping[str, float] = DEFAULT_MATCH_THRESHOLD,
    identify_threshold: float = IDENTIFY_MATCH_THRESHOLD,
) -> tuple[str | None, str, float | None]:
    """(external_id, status, distance) for a face, given the enrolled people near it.

    ``candidates`` are (external_id, distance) pairs, nearest first. ``threshold`` is the
    restricted threshold, one for everyone or per person (external_id -> distance).
    """
    for external_id, distance in candidates:
        limit = (
            threshold.get(external_id, DEFAULT_MATCH_THRESHOLD)
            if isinstance(threshold, Mapping)
            else threshold
        )
        if distance <= limit and person_status(statuses.get(external_id), purpose) == RESTRICTED:
            return external_id, RESTRICTED, distance
    if candidates and candidates[0][1] <= identify_threshold:
        external_id, distance = candidates[0]
        return external_id, person_status(statuses.get(external_id), purpose), distance
    return None, UNKNOWN, None


def restricted_thresholds(gallery: Gallery) -> dict[str, float]:
    """Each enrolled person's restricted threshold, by how many photos of them are enrolled."""
    return {eid: restricted_threshold(n) for eid, n in gallery.photo_counts.items()}


VERDICT_RANK = {"pass": 0, "review": 1, "block": 2}


def worst_verdict(verdicts) -> str:
    """The most cautious of several photo verdicts (block over review over pass)."""
    return max(verdicts, key=lambda v: VERDICT_RANK.get(v, 1))


def photo_verdict(statuses: Sequence[str]) -> str:
    if any(status in (RESTRICTED, NO_CONSENT, NOT_ALLOWED) for status in statuses):
        return "block"
    if UNKNOWN in statuses:
        return "review"
    return "pass"


def check_photo(
    image_bytes: bytes,
    gallery: Gallery,
    statuses: Mapping[str, Mapping[str, Any]],
    purpose: str,
    threshold: float | None = None,
    identify_threshold: float = IDENTIFY_MATCH_THRESHOLD,
) -> dict:
    """Check a photo against the enrolled gallery for one purpose (DESIGN.md contract).

    ``statuses`` maps external_id -> {"restricted": bool, "purposes": set[str]}; an enrolled
    person missing from it counts as having no consent. Without ``threshold`` each restricted
    child is matched within restricted_threshold(photos enrolled of them).
    Raises PhotoError for files that cannot be read and ValueError for an unknown purpose.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown purpose {purpose!r}; expected one of {', '.join(PURPOSES)}")
    faces = embed_photo(image_bytes)  # in a reduced copy: bounded memory (faces.ANALYSIS_PIXELS)
    limits = threshold if threshold is not None else restricted_thresholds(gallery)
    widest = max(threshold or DEFAULT_MATCH_THRESHOLD, identify_threshold)
    matches = gallery.candidates([face.embedding for face in faces], widest) if faces else []
    results = []
    for face, candidates in zip(faces, matches, strict=True):
        external_id, status, distance = face_result(
            candidates, statuses, purpose, limits, identify_threshold
        )
        results.append(
            {
                "box": list(face.box),
                "external_id": external_id,
                "status": status,
                "distance": None if distance is None else round(distance, 4),
            }
        )
    results.sort(key=lambda f: (f["box"][0], f["box"][1]))
    return {"verdict": photo_verdict([f["status"] for f in results]), "faces": results}


def render_boxes(
    image_bytes: bytes,
    faces: Sequence[Mapping[str, Any]],
    labels: bool,
    names: Mapping[str, str] | None = None,
    max_side: int = 2000,
) -> bytes:
    """The photo as PNG with a numbered box round each face, coloured by status.

    Names (``names[external_id]``, else the external id) appear only when ``labels`` is true;
    otherwise each box says only consented, check or blocked.
    """
    # Decoded already reduced: showing a huge photo costs no more than showing a small one.
    image, scale = load_scaled(image_bytes, max_pixels=max_side * max_side, max_side=max_side)
    draw = ImageDraw.Draw(image)
    line = max(2, round(max(image.size) / 400))
    font = ImageFont.load_default(size=max(12, round(max(image.size) / 60)))
    for number, face in enumerate(faces, start=1):
        x, y, w, h = (round(v * scale) for v in face["box"])
        colour = _COLOURS.get(face["status"], _COLOURS[UNKNOWN])
        draw.rectangle((x, y, x + w, y + h), outline=colour, width=line)
        text = f"{number} {_label(face, labels, names)}"
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        text_y = y - (bottom - top) - 2 * line if y - (bottom - top) - 2 * line >= 0 else y + h
        draw.rectangle(
            (x, text_y, x + right - left + 2 * line, text_y + bottom + line), fill=colour
        )
        draw.text((x + line, text_y), text, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _label(face: Mapping[str, Any], labels: bool, names: Mapping[str, str] | None) -> str:
    status = face["status"]
    if not labels:
        return _ANONYMOUS_LABELS.get(status, "check")
    external_id = face.get("external_id")
    if not external_id:
        return "unknown"
    name = (names or {}).get(external_id, external_id)
    return f"{name} ({status.replace('_', ' ')})"
