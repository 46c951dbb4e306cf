"""Image consent: the registry and its history, the restricted list, parents' e-consent links,
biometric consent and face enrolment, photo checks with human review, takedowns.

Other apps call `restricted_external_ids()`, `check_photo_for_purpose(data=, purpose=)`,
`photo_result_for(user, result)`, `redact_photo_result(result)`, `consent_status(person)` and
`file_encrypt` / `file_decrypt` (encryption at rest for other apps' photos); keep those stable.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.people.csvimport import CsvImportError, RowError, read_csv
from socialguard.people.models import ParentOf, Person
from socialguard.people.services import IMPORT_RUNNERS
from socialguard.policy.pack import get_pack
from socialguard.policy.trace import enforces

from . import crypto, faces, photo_check
from .models import (
    BIOMETRIC_CONSENT,
    BIOMETRIC_OBJECTION,
    BIOMETRIC_REFUSAL,
    RESTRICTED,
    ConsentChange,
    ConsentLink,
    ConsentState,
    FaceEmbedding,
    FaceReview,
    PhotoCheck,
    PhotoMatch,
    ReferencePhoto,
    TakedownNeeded,
)
from .packdata import consent_settings
from .permissions import can_see_identities
from .rules import BiometricDecision, biometric_decision, link_problem, parse_yes_no

logger = logging.getLogger("socialguard.consent")

PURPOSES = photo_check.PURPOSES
LINK_SALT = "socialguard.consent.link"
CHILD_ROLES = {"pupil"}
IMPORT_COLUMNS = (
    "external_id",
    "internal",
    "print",
    "website",
    "social_media",
    "press",
    "restricted",
    "biometric",
)
OFFICER_ROLES = ("social_media_officer",)


class ConsentError(ValueError):
    """A refused action or bad input; `field` names the input at fault (for forms)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def is_child(person: Person) -> bool:
    return bool(set(person.role_ids) & CHILD_ROLES)


def validate_purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ConsentError(
            f"Unknown purpose {purpose!r}. Use one of: {', '.join(PURPOSES)}", "purpose"
        )
    return purpose


def validate_method(method: str) -> str:
    methods = consent_settings().methods
    if method not in methods:
        raise ConsentError(
            f"Unknown way of giving consent {method!r}. Use one of: {', '.join(methods)}", "method"
        )
    return method


# --------------------------------------------------------------------------- the registry


def _current(person: Person) -> dict[tuple[str, str], ConsentState]:
    return {
        (s.item, s.key): s
        for s in ConsentState.objects.filter(person=person).select_related(
            "change", "change__given_by"
        )
    }


def _set(
    person: Person,
    item: str,
    value: bool,
    *,
    key: str = "",
    given_by: Person | None,
    method: str,
    actor=None,
    note: str = "",
    now=None,
) -> ConsentChange | None:
    """Record one answer if it changes the current one. Returns the change, or None."""
    state = ConsentState.objects.filter(person=person, item=item, key=key).first()
    if state is not None and state.value == value and not (note and note != state.change.note):
        return None
    change = ConsentChange.objects.create(
        person=person,
        item=item,
        key=key,
        value=value,
        given_by=given_by,
        given_by_name=given_by.full_name if given_by else "",
        method=method,
        note=note,
        recorded_at=now or clock.now(),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ConsentState.objects.update_or_create(
        person=person, item=item, key=key, defaults={"change": change, "value": value}
    )
    return change


@enforces("IMG-1", "IMG-2")
def consent_record(
    *,
    person: Person,
    answers: dict[str, bool],
    given_by: Person | None,
    method: str,
    actor=None,
) -> list[ConsentChange]:
    """Record consent per purpose for a pupil (given by a parent or carer) or for a member of
    staff's own image (given by themselves). A withdrawal takes effect at once and raises a
    takedown for the photos known to show the person."""
    validate_method(method)
    for purpose in answers:
        validate_purpose(purpose)
    if is_child(person):
        if given_by is None or not ParentOf.objects.filter(parent=given_by, child=person).exists():
            if method != "import":
                raise ConsentError("Choose the parent or carer who gave the answer", "given_by")
    elif given_by is not None and given_by.pk != person.pk:
        raise ConsentError("Staff give consent for their own image themselves", "given_by")
    now = clock.now()
    with transaction.atomic():
        before = _current(person)
        changes = []
        for purpose, value in answers.items():
            change = _set(
                person, purpose, bool(value), given_by=given_by, method=method, actor=actor, now=now
            )
            if change:
                changes.append(change)
        withdrawn = [
            c.item
            for c in changes
            if not c.value and (before.get((c.item, "")) is not None and before[(c.item, "")].value)
        ]
        if changes:
            audit_record(
                action="consent.recorded",
                obj=person,
                detail={"changed": {c.item: c.value for c in changes}, "method": method},
                actor=actor,
            )
        if withdrawn:
            takedown_raise(
                person=person,
                reason="Consent withdrawn for "
                + ", ".join(consent_settings().labels[p] for p in withdrawn),
                purposes=withdrawn,
                actor=actor,
            )
    return changes


def consent_withdraw(
    *, person: Person, purpose: str, given_by: Person | None, method: str, actor=None
):
    return consent_record(
        person=person, answers={purpose: False}, given_by=given_by, method=method, actor=actor
    )


@enforces("IMG-3")
def restricted_set(*, person: Person, restricted: bool, reason: str = "", actor=None) -> bool:
    """Put a child on the restricted list (never shown anywhere, whatever consent says) or take
    them off it. Returns whether anything changed."""
    reason = (reason or "").strip()
    if restricted and not reason:
        raise ConsentError("Enter why the child is on the restricted list", "reason")
    with transaction.atomic():
        change = _set(
            person,
            RESTRICTED,
            restricted,
            given_by=None,
            method="in_person",
            actor=actor,
            note=reason,
        )
        if change is None:
            return False
        audit_record(
            action="consent.restricted_added" if restricted else "consent.restricted_removed",
            obj=person,
            actor=actor,
        )
        if restricted:
            takedown_raise(
                person=person,
                reason="Added to the restricted list",
                purposes=list(PURPOSES),
                actor=actor,
            )
    _gallery_cache.clear()
    return True


def restricted_external_ids() -> set[str]:
    """External ids of everyone on the restricted list."""
    return set(
        ConsentState.objects.filter(item=RESTRICTED, value=True).values_list(
            "person__external_id", flat=True
        )
    )


def restricted_people():
    return Person.objects.filter(consent_states__item=RESTRICTED, consent_states__value=True)


def restricted_reason(person: Person) -> str:
    state = (
        ConsentState.objects.filter(person=person, item=RESTRICTED, value=True)
        .select_related("change")
        .first()
    )
    return state.change.note if state else ""


def biometric_for(person: Person, states: dict | None = None) -> BiometricDecision:
    states = states if states is not None else _current(person)
    return biometric_decision(
        is_child=is_child(person),
        consents={k: s.value for (item, k), s in states.items() if item == BIOMETRIC_CONSENT},
        objections={k: s.value for (item, k), s in states.items() if item == BIOMETRIC_OBJECTION},
        child_refuses=bool(
            states.get((BIOMETRIC_REFUSAL, "")) and states[(BIOMETRIC_REFUSAL, "")].value
        ),
    )


def consent_status(person: Person) -> dict:
    """The person's current image consent: per purpose (with who gave it, when and how), the
    restricted list, and whether their face may be matched."""
    states = _current(person)
    restricted = bool(states.get((RESTRICTED, "")) and states[(RESTRICTED, "")].value)
    purposes = {}
    for purpose in PURPOSES:
        state = states.get((purpose, ""))
        change = state.change if state else None
        purposes[purpose] = {
            "consented": None if state is None else state.value,
            "effective": bool(state and state.value and not restricted),
            "given_by": change.given_by.external_id if change and change.given_by else None,
            "given_by_name": change.given_by_name if change else "",
            "given_at": change.recorded_at.isoformat() if change else None,
            "method": change.method if change else None,
        }
    decision = biometric_for(person, states)
    return {
        "external_id": person.external_id,
        "restricted": restricted,
        "purposes": purposes,
        "biometric": {"allowed": decision.allowed, "reason": decision.reason},
        "enrolled": person.face_embeddings.count(),  # photos enrolled
    }


def consent_history(person: Person):
    return ConsentChange.objects.filter(person=person).select_related("given_by", "recorded_by")


def statuses_for(external_ids: Iterable[str]) -> dict[str, dict]:
    """{external_id: {"restricted": bool, "purposes": set}} as the photo check wants it."""
    result: dict[str, dict] = {e: {"restricted": False, "purposes": set()} for e in external_ids}
    rows = ConsentState.objects.filter(
        person__external_id__in=list(result), key="", value=True
    ).values_list("person__external_id", "item")
    for external_id, item in rows:
        if item == RESTRICTED:
            result[external_id]["restricted"] = True
        elif item in PURPOSES:
            result[external_id]["purposes"].add(item)
    return result


# --------------------------------------------------------------------------- CSV import


@enforces("IMG-1", "IMG-3")
def consent_import(
    *, content: bytes | str, actor=None, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Import consent from a CSV (DESIGN.md columns), all or nothing.

    `biometric` is recorded as the consent held by the school's information system (a parent's
    for a pupil, the person's own for an adult). `restricted=no` never takes a child off the
    restricted list: only the DSL does that, on the restricted-list page.
    """
    rows = read_csv(content, IMPORT_COLUMNS)
    total = len(rows)
    if total == 0:
        raise CsvImportError([RowError(2, "", "the file has a header but no rows")])
    people = {
        p.external_id: p
        for p in Person.objects.filter(
            external_id__in={r["external_id"] for _, r in rows}
        ).prefetch_related("roles")
    }
    errors, clean, seen = [], [], {}
    for index, (line, row) in enumerate(rows, start=1):
        external_id = row["external_id"]
        if not external_id:
            errors.append(RowError(line, "external_id", "missing"))
        elif external_id not in people:
            errors.append(
                RowError(line, "external_id", f"{external_id!r} is not in the people directory")
            )
        elif external_id in seen:
            errors.append(
                RowError(
                    line,
                    "external_id",
                    f"duplicate id {external_id!r} (first on line {seen[external_id]})",
                )
            )
        else:
            seen[external_id] = line
        values = {}
        for column in IMPORT_COLUMNS[1:]:
            try:
                values[column] = parse_yes_no(row[column])
            except ValueError as exc:
                errors.append(RowError(line, column, f"{exc}: use yes or no"))
        if external_id in people and values.get("restricted") and not is_child(people[external_id]):
            errors.append(RowError(line, "restricted", "only pupils can be on the restricted list"))
        clean.append((external_id, values))
        if progress and index % 50 == 0:
            progress(index, total * 2)
    if errors:
        raise CsvImportError(sorted(errors, key=lambda e: (e.line, e.column)))
    changed = restricted_added = kept_restricted = 0
    with transaction.atomic():
        for index, (external_id, values) in enumerate(clean, start=1):
            person = people[external_id]
            changes = consent_record(
                person=person,
                answers={p: values[p] for p in PURPOSES},
                given_by=None if is_child(person) else person,
                method="import",
                actor=actor,
            )
            changed += bool(changes)
            if values["restricted"]:
                restricted_added += restricted_set(
                    person=person,
                    restricted=True,
                    reason=restricted_reason(person)
                    or "Imported from the school information system",
                    actor=actor,
                )
            elif external_id in restricted_external_ids():
                kept_restricted += 1
            biometric_record(
                person=person,
                consent=values["biometric"],
                key="import" if is_child(person) else "self",
                given_by=None if is_child(person) else person,
                method="import",
                actor=actor,
            )
            if progress:
                progress(total + index, total * 2)
        audit_record(
            action="consent.imported",
            actor=actor,
            detail={"rows": total, "changed": changed, "restricted_added": restricted_added},
        )
    return {
        "rows": total,
        "changed": changed,
        "restricted_added": restricted_added,
        "kept_restricted": kept_restricted,
    }


IMPORT_RUNNERS["consent"] = consent_import


# --------------------------------------------------------------------------- biometric consent


@enforces("IMG-3")
def biometric_record(
    *,
    person: Person,
    consent: bool | None = None,
    objection: bool | None = None,
    child_refuses: bool | None = None,
    key: str | None = None,
    given_by: Person | None = None,
    method: str = "paper_form",
    actor=None,
) -> BiometricDecision:
    """Record biometric consent, a parent's objection or the child's refusal. When face matching
    is no longer allowed, the person's embeddings are deleted at once."""
    if key is None:
        key = "self" if not is_child(person) else (given_by.external_id if given_by else "")
    if (consent is not None or objection is not None) and not key:
        raise ConsentError("Choose the parent or carer who gave the answer", "given_by")
    with transaction.atomic():
        changes = []
        if consent is not None:
            changes.append(
                _set(
                    person,
                    BIOMETRIC_CONSENT,
                    consent,
                    key=key,
                    given_by=given_by,
                    method=method,
                    actor=actor,
                )
            )
        if objection is not None:
            changes.append(
                _set(
                    person,
                    BIOMETRIC_OBJECTION,
                    objection,
                    key=key,
                    given_by=given_by,
                    method=method,
                    actor=actor,
                )
            )
        if child_refuses is not None:
            changes.append(
                _set(
                    person,
                    BIOMETRIC_REFUSAL,
                    child_refuses,
                    given_by=given_by,
                    method=method,
                    actor=actor,
                )
            )
        decision = biometric_for(person)
        if any(changes):
            audit_record(
                action="consent.biometric_recorded",
                obj=person,
                actor=actor,
                detail={"allowed": decision.allowed, "items": [c.item for c in changes if c]},
            )
        if not decision.allowed:
            embeddings_delete(person=person, reason=decision.reason, actor=actor)
    return decision


def embeddings_delete(*, person: Person, reason: str, actor=None) -> int:
    deleted, _ = FaceEmbedding.objects.filter(person=person).delete()
    if deleted:
        audit_record(
            action="consent.embeddings_deleted",
            obj=person,
            actor=actor,
            detail={"count": deleted, "reason": reason},
        )
        _gallery_cache.clear()
    return deleted


@enforces("IMG-3")
def face_enrol(*, person: Person, photos: list[bytes], actor=None) -> int:
    """Enrol a person's face from photos of them alone: only the embeddings are kept.

    Refused (ConsentError) without biometric consent; PhotoError for a photo that cannot be used.
    """
    decision = biometric_for(person)
    if not decision.allowed:
        raise ConsentError(f"{person.full_name} cannot be enrolled: {decision.reason}")
    if not photos:
        raise ConsentError("Choose at least one photo of the person", "photos")
    embeddings = []
    for number, data in enumerate(photos, start=1):
        _check_size(data)
        found = _embed(data)
        if len(found) != 1:
            raise faces.PhotoError(
                f"Photo {number} shows {len(found) or 'no'} face{'s' if len(found) != 1 else ''}; "
                "use a photo of this person alone, facing the camera."
            )
        embeddings.append((found[0].embedding, hashlib.sha256(data).hexdigest()))
    now = clock.now()
    with transaction.atomic():
        for embedding, sha in embeddings:
            FaceEmbedding.objects.create(
                person=person,
                ciphertext=crypto.encrypt_embedding(embedding, person.pk),
                source_sha256=sha,
                enrolled_at=now,
                enrolled_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        audit_record(
            action="consent.face_enrolled",
            obj=person,
            actor=actor,
            detail={"photos": len(embeddings)},
        )
    _gallery_cache.clear()
    return len(embeddings)


def reference_photo_add(*, person: Person, data: bytes, actor=None) -> ReferencePhoto:
    """A photo of a restricted child for the reviewers to compare by eye (kept encrypted)."""
    if person.external_id not in restricted_external_ids():
        raise ConsentError("Reference photos are kept only for children on the restricted list")
    _check_size(data)
    clean = faces.strip_metadata(data)
    name = crypto.photo_store(clean, "reference")
    with transaction.atomic():
        photo = ReferencePhoto.objects.create(
            person=person, stored_name=name, added_at=clock.now(), added_by=actor
        )
        audit_record(action="consent.reference_photo_added", obj=person, actor=actor)
    return photo


# --------------------------------------------------------------------------- the gallery and the photo check

_gallery_lock = threading.Lock()
_gallery_cache: dict = {}


def gallery() -> faces.Gallery:
    """Everyone enrolled whose face may still be matched (cached until the embeddings change)."""
    fingerprint = tuple(FaceEmbedding.objects.aggregate(n=Count("pk"), last=Max("pk")).values())
    cached = _gallery_cache.get("gallery")
    if cached and cached[0] == fingerprint:
        return cached[1]
    with _gallery_lock:
        people: dict[str, list] = {}
        for row in FaceEmbedding.objects.select_related("person").order_by("pk"):
            people.setdefault(row.person.external_id, []).append(
                crypto.decrypt_embedding(row.ciphertext, row.person_id)
            )
        built = faces.Gallery(people.items())
        _gallery_cache["gallery"] = (fingerprint, built)
    return built


def gallery_size() -> int:
    """How many people have an enrolled face."""
    return FaceEmbedding.objects.values("person").distinct().count()


def match_threshold(enrolled: faces.Gallery) -> float | dict[str, float]:
    """The restricted threshold: the pack's, for everyone, when it sets one; otherwise each
    person's by how many photos of them are enrolled (faces.restricted_threshold)."""
    return consent_settings().match_threshold or photo_check.restricted_thresholds(enrolled)


def _embed(data: bytes) -> list:
    return faces.embed_photo(data)


def _check_size(data: bytes) -> None:
    if not data:
        raise faces.PhotoError("The file is empty.")
    limit = settings.UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise faces.PhotoError(
            f"The file is larger than {limit // (1024 * 1024)} MB. Use a smaller photo."
        )


def _apply_reviews(sha256: str, result: dict, purpose: str) -> dict:
    """Faces a person has already reviewed in this same photo keep that person's decision."""
    reviews = {}
    for review in FaceReview.objects.filter(checked_photo__sha256=sha256).select_related(
        "checked_photo", "person"
    ):
        checked = review.checked_photo.faces
        if review.face_index < len(checked):
            reviews[tuple(checked[review.face_index]["box"])] = review
    if not reviews:
        return result
    people = [r.person.external_id for r in reviews.values() if r.person]
    statuses = statuses_for(people)
    for face in result["faces"]:
        review = reviews.get(tuple(face["box"]))
        if review is None or face["status"] in (photo_check.RESTRICTED, photo_check.NO_CONSENT):
            continue
        face.update(_reviewed_face(review, statuses, purpose))
    result["verdict"] = photo_check.photo_verdict([f["status"] for f in result["faces"]])
    return result


def _reviewed_face(review: FaceReview, statuses: dict, purpose: str) -> dict:
    external_id = review.person.external_id if review.person else None
    if review.decision == FaceReview.RESTRICTED:
        return {"external_id": external_id, "status": photo_check.RESTRICTED, "distance": None}
    if review.decision == FaceReview.NOT_PUPIL:
        return {"external_id": None, "status": photo_check.CONSENTED, "distance": None}
    status = photo_check.person_status(statuses.get(external_id), purpose)
    return {"external_id": external_id, "status": status, "distance": None}


@enforces("IMG-3")
def photo_result_for(user, result: dict) -> dict:
    """The check's answer (DESIGN.md contract) as this person may see it: in full for those who
    keep the consent register and the safeguarding roles; for anyone else, or with no user (the
    CLI without --as), the verdict and the boxes only, restricted and no-consent faces alike
    "not_allowed", with no external id and no distance."""
    contract = {"verdict": result["verdict"], "faces": result["faces"]}
    if user is not None and can_see_identities(user):
        return contract
    return photo_check.redact(contract)


def redact_photo_result(result: dict | None) -> dict | None:
    """A check's answer with the verdict and the boxes only (for another app to keep or show)."""
    return None if result is None else photo_check.redact(result)


def file_encrypt(data: bytes, *, purpose: bytes, name: str) -> bytes:
    """Encrypt a file for another app (AES-256-GCM, a random key per file wrapped by the master
    key), bound to its storage name: a file moved to another name does not decrypt."""
    return crypto.seal(data, info=purpose, associated=name.encode())


def file_decrypt(blob: bytes, *, purpose: bytes, name: str) -> bytes:
    return crypto.unseal(blob, info=purpose, associated=name.encode())


@enforces("IMG-3", "OFF-3", "PERS-7")
def check_photo_for_purpose(*, data: bytes, purpose: str, actor=None, via: str = "api") -> dict:
    """The DESIGN.md contract: every face in the photo, matched against the enrolled gallery
    with the current consents. Any restricted child or missing consent blocks; an unknown face
    goes to review. Raises ConsentError (unknown purpose) or faces.PhotoError (unreadable)."""
    result, _ = photo_check_run(data=data, purpose=purpose, actor=actor, via=via)
    return result


def photo_check_run(
    *, data: bytes, purpose: str, actor=None, via: str = "api", keep: bool = False
) -> tuple[dict, PhotoCheck]:
    """The check, recorded: which people were found in the photo (for takedowns), and the photo
    itself (encrypted) when `keep` or when a person must review it."""
    validate_purpose(purpose)
    _check_size(data)
    found = _embed(data)
    enrolled = gallery()
    threshold = match_threshold(enrolled)
    if isinstance(threshold, float):  # the pack's, for everyone
        identify = min(faces.IDENTIFY_MATCH_THRESHOLD, threshold)
        widest = max(threshold, identify)
    else:  # per person: every restricted threshold is wider than the identify threshold
        identify, widest = faces.IDENTIFY_MATCH_THRESHOLD, faces.DEFAULT_MATCH_THRESHOLD
    candidates = enrolled.candidates([f.embedding for f in found], widest) if found else []
    statuses = statuses_for({e for c in candidates for e, _ in c})
    results = []
    for face, near in zip(found, candidates, strict=True):
        external_id, status, distance = photo_check.face_result(
            near, statuses, purpose, threshold, identify
        )
        results.append(
            {
                "box": [int(v) for v in face.box],
                "external_id": external_id,
                "status": status,
                "distance": None if distance is None else round(distance, 4),
            }
        )
    results.sort(key=lambda f: (f["box"][0], f["box"][1]))
    result = {
        "verdict": photo_check.photo_verdict([f["status"] for f in results]),
        "faces": results,
    }
    sha256 = hashlib.sha256(data).hexdigest()
    result = _apply_reviews(sha256, result, purpose)
    check = _record_check(data, sha256, purpose, result, actor=actor, via=via, keep=keep)
    return result, check


def _record_check(data, sha256, purpose, result, *, actor, via, keep) -> PhotoCheck:
    stored = crypto.photo_store(data, "checks") if keep or result["verdict"] == "review" else ""
    with transaction.atomic():
        check = PhotoCheck.objects.create(
            sha256=sha256,
            purpose=purpose,
            verdict=result["verdict"],
            faces=result["faces"],
            stored_name=stored,
            via=via,
            checked_at=clock.now(),
            checked_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        ids = {f["external_id"] for f in result["faces"] if f["external_id"]}
        people = {p.external_id: p for p in Person.objects.filter(external_id__in=ids)}
        PhotoMatch.objects.bulk_create(
            PhotoMatch(
                sha256=sha256, person=people[f["external_id"]], checked_photo=check, face_index=i
            )
            for i, f in enumerate(result["faces"])
            if f["external_id"] in people
        )
        audit_record(
            action="consent.photo_checked",
            obj=check,
            actor=actor,
            detail={"verdict": result["verdict"], "faces": len(result["faces"]), "via": via},
        )
    return check


def check_image(check: PhotoCheck) -> bytes:
    if not check.stored_name:
        raise ConsentError("This photo was not kept, so it cannot be shown")
    return crypto.photo_read(check.stored_name, "checks")


def checks_awaiting_review():
    return PhotoCheck.objects.filter(verdict="review").exclude(stored_name="")


@enforces("IMG-3")
def face_review_record(
    *, check: PhotoCheck, face_index: int, decision: str, person: Person | None = None, actor
) -> PhotoCheck:
    """A person confirms who an unknown face is; the check's verdict is worked out again."""
    if not 0 <= face_index < len(check.faces):
        raise ConsentError("Choose a face in the photo", "face")
    if decision not in dict(FaceReview.DECISIONS):
        raise ConsentError("Choose who this is", "decision")
    if decision == FaceReview.PERSON and person is None:
        raise ConsentError("Choose the person in the directory", "person")
    if (
        decision == FaceReview.RESTRICTED
        and person is not None
        and person.external_id not in restricted_external_ids()
    ):
        raise ConsentError(f"{person.full_name} is not on the restricted list", "person")
    if decision == FaceReview.NOT_PUPIL:
        person = None
    with transaction.atomic():
        FaceReview.objects.update_or_create(
            checked_photo=check,
            face_index=face_index,
            defaults={
                "decision": decision,
                "person": person,
                "reviewed_at": clock.now(),
                "reviewed_by": actor,
            },
        )
        statuses = statuses_for([person.external_id] if person else [])
        review = FaceReview.objects.get(checked_photo=check, face_index=face_index)
        faces_now = list(check.faces)
        face = dict(faces_now[face_index])
        face.update(_reviewed_face(review, statuses, check.purpose))
        face["reviewed"] = True
        faces_now[face_index] = face
        check.faces = faces_now
        check.verdict = photo_check.photo_verdict([f["status"] for f in faces_now])
        check.save(update_fields=["faces", "verdict"])
        PhotoMatch.objects.filter(checked_photo=check, face_index=face_index).delete()
        if person is not None:
            PhotoMatch.objects.create(
                sha256=check.sha256,
                person=person,
                checked_photo=check,
                face_index=face_index,
                by_review=True,
            )
        audit_record(
            action="consent.face_reviewed",
            obj=check,
            actor=actor,
            detail={
                "face": face_index,
                "decision": decision,
                "person": person.external_id if person else None,
            },
        )
    return check


# --------------------------------------------------------------------------- takedown


def _publishing_items(external_id: str, shas: set[str], reason: str) -> list[dict]:
    """Published items showing the person, from the publishing app's functions when it has them,
    else from its archive's image hashes (read only)."""
    try:
        from socialguard.publishing import services as publishing
    except ImportError:
        return []
    items: list[dict] = []
    finder = getattr(publishing, "items_showing", None)
    if finder is not None:
        try:
            for item in finder(external_id) or []:
                items.append({"id": getattr(item, "pk", item), "title": str(item)})
        except Exception:  # another app's failure must not stop consent being withdrawn
            logger.exception("publishing.items_showing failed")
    else:
        try:
            from socialguard.publishing.models import ArchiveItem

            for item in ArchiveItem.objects.filter(takedowns__isnull=True).only(
                "pk", "images", "title", "text", "account_name"
            ):
                if shas & {i.get("sha256") for i in item.images or []}:
                    items.append({"id": item.pk, "title": str(item)})
        except Exception:
            logger.exception("reading the publishing archive failed")
    request = getattr(publishing, "takedown_request", None)
    if request is not None and items:
        try:
            request(external_id=external_id, reason=reason, items=[i["id"] for i in items])
        except Exception:
            logger.exception("publishing.takedown_request failed")
    return items


@enforces("IMG-1", "IMG-3")
def takedown_raise(
    *, person: Person, reason: str, purposes: list[str], actor=None
) -> TakedownNeeded | None:
    """List every photo known to show the person (their matches in photo checks) and every
    published item with them, for the officers to take down. None when nothing is known."""
    matches = (
        PhotoMatch.objects.filter(person=person)
        .select_related("checked_photo")
        .order_by("-checked_photo__checked_at")
    )
    photos: dict[str, dict] = {}
    for match in matches:
        entry = photos.setdefault(
            match.sha256,
            {
                "sha256": match.sha256,
                "purposes": [],
                "checked_at": match.checked_photo.checked_at.isoformat(),
            },
        )
        if match.checked_photo.purpose not in entry["purposes"]:
            entry["purposes"].append(match.checked_photo.purpose)
    items = _publishing_items(person.external_id, set(photos), reason)
    if not photos and not items:
        return None
    takedown = TakedownNeeded.objects.create(
        person=person,
        reason=reason[:200],
        purposes=purposes,
        photos=list(photos.values()),
        published_items=items,
        created_at=clock.now(),
    )
    audit_record(
        action="consent.takedown_raised",
        obj=takedown,
        actor=actor,
        detail={"photos": len(photos), "items": len(items)},
    )
    transaction.on_commit(lambda: _tell_officers(takedown.pk))
    return takedown


def _tell_officers(takedown_id: int) -> None:
    emails = sorted(
        set(
            Person.objects.filter(roles__role__in=OFFICER_ROLES, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not emails:
        return
    url = settings.SITE_URL.rstrip("/") + reverse(
        "consent_takedown", kwargs={"takedown_id": takedown_id}
    )
    send_mail(
        "A photo must be taken down",
        "Consent has been withdrawn, or a child has been added to the restricted list. "
        f"Photos that were published may need to come down. Open SocialGuard to see which: {url}",
        None,
        emails,
        fail_silently=True,
    )


def takedown_items(takedown: TakedownNeeded) -> list[dict]:
    """The published items of a takedown with where they stand: `archive_id` (for a link to the
    archive, where an officer takes a post down), `live` (still published) and `must_go` (still
    published where the withdrawn consent or the restricted list says the child must not be)."""
    from socialguard.publishing.models import ArchiveItem
    from socialguard.publishing.services import purposes_for_channels

    ids = [i["id"] for i in takedown.published_items if isinstance(i.get("id"), int)]
    archive = {
        a.pk: a
        for a in ArchiveItem.objects.filter(pk__in=ids)
        .select_related("account")
        .prefetch_related("takedowns")
    }
    withdrawn = set(takedown.purposes or PURPOSES)
    rows = []
    for entry in takedown.published_items:
        item = archive.get(entry.get("id"))
        live = item is not None and not item.takedowns.all()
        needs = purposes_for_channels([item.account.channel]) if item else set()
        rows.append(
            {
                "title": entry.get("title", ""),
                "id": entry.get("id"),
                "archive_id": item.pk if item else None,
                "live": live,
                "must_go": live and bool(needs & withdrawn),
            }
        )
    return rows


@enforces("IMG-3")
def takedown_done(*, takedown: TakedownNeeded, actor, note: str) -> TakedownNeeded:
    """Mark a takedown done. Refused while a listed post is still published where the child must
    not be: "done" must mean the photo is down, not that someone clicked a button."""
    if takedown.done_at:
        raise ConsentError("This takedown is already marked as done")
    still_up = [row["title"] for row in takedown_items(takedown) if row["must_go"]]
    if still_up:
        raise ConsentError(
            "Take these posts down from the archive first: " + "; ".join(still_up), "note"
        )
    if not (note or "").strip():
        raise ConsentError("Say what was taken down and where", "note")
    with transaction.atomic():
        takedown.done_at, takedown.done_by, takedown.done_note = clock.now(), actor, note.strip()
        takedown.save(update_fields=["done_at", "done_by", "done_note"])
        audit_record(action="consent.takedown_done", obj=takedown, actor=actor)
    return takedown


# --------------------------------------------------------------------------- parents' e-consent links


def consent_link_token(link: ConsentLink) -> str:
    return signing.dumps(link.nonce, salt=LINK_SALT)


def consent_link_url(link: ConsentLink) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "consent_form", kwargs={"token": consent_link_token(link)}
    )


def consent_link_create(
    *, parent: Person, child: Person, actor=None, send: bool = True
) -> ConsentLink:
    """A single-use, expiring link for a parent to answer for one child; emailed when `send`."""
    if not ParentOf.objects.filter(parent=parent, child=child).exists():
        raise ConsentError(
            f"{parent.full_name} is not recorded as a parent or carer of {child.full_name}",
            "parent",
        )
    if send and not parent.email:
        raise ConsentError(f"{parent.full_name} has no email address in the directory", "parent")
    now = clock.now()
    with transaction.atomic():
        link = ConsentLink.objects.create(
            nonce=secrets.token_urlsafe(24),
            parent=parent,
            child=child,
            sent_to=parent.email if send else "",
            created_at=now,
            expires_at=now + timedelta(days=consent_settings().link_expiry_days),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(action="consent.link_created", obj=link, actor=actor, detail={"sent": send})
    if send:
        school = get_pack().school_name
        send_mail(
            f"{school}: photos of {child.given_name} – please give your answer",
            f"Dear {parent.full_name},\n\n{school} asks for your permission before using photos of "
            f"{child.preferred_name or child.given_name} in school materials, including online.\n"
            f"Please answer using this link (it works once, until "
            f"{link.expires_at:%d %B %Y}):\n\n{consent_link_url(link)}\n",
            None,
            [parent.email],
        )
    return link


def consent_link_resolve(token: str) -> tuple[ConsentLink | None, str]:
    """The link behind a token and "" — or (None|link, "invalid"|"used"|"expired")."""
    try:
        nonce = signing.loads(token, salt=LINK_SALT, max_age=timedelta(days=366))
    except signing.BadSignature:
        return None, "invalid"
    link = ConsentLink.objects.select_related("parent", "child").filter(nonce=nonce).first()
    if link is None:
        return None, "invalid"
    return link, link_problem(used=link.used_at is not None, expired=clock.now() >= link.expires_at)


@enforces("IMG-1")
def consent_link_answer(
    *,
    token: str,
    answers: dict[str, bool],
    biometric: str,
    child_refuses: bool,
) -> ConsentLink:
    """Record a parent's answers from their link, once. `biometric`: consent | no | object."""
    with transaction.atomic():
        link, problem = consent_link_resolve(token)
        if link is not None:
            link = (
                ConsentLink.objects.select_for_update()
                .select_related("parent", "child")
                .get(pk=link.pk)
            )
            problem = link_problem(
                used=link.used_at is not None, expired=clock.now() >= link.expires_at
            )
        if problem:
            raise ConsentError(problem)
        if set(answers) != set(PURPOSES) or biometric not in ("consent", "no", "object"):
            raise ConsentError("Answer every question")
        consent_record(person=link.child, answers=answers, given_by=link.parent, method="e_consent")
        biometric_record(
            person=link.child,
            consent=biometric == "consent",
            objection=biometric == "object",
            child_refuses=True if child_refuses else None,
            key=link.parent.external_id,
            given_by=link.parent,
            method="e_consent",
        )
        link.used_at = clock.now()
        link.save(update_fields=["used_at"])
        audit_record(action="consent.link_answered", obj=link)
    return link


def unanswered_links():
    return ConsentLink.objects.filter(used_at__isnull=True, expires_at__gt=clock.now())
