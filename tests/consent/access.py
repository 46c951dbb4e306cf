"""Who may open each URL of the consent area (see tests/test_access_matrix.py)."""

ALL = "*"
PUBLIC = "public"
OFFICERS = {"social_media_officer"}
SAFEGUARDING = {"headteacher", "dsl", "deputy_dsl"}
REGISTRY = OFFICERS | SAFEGUARDING | {"dpl"}
RESTRICTED_LIST = OFFICERS | SAFEGUARDING
ENROL = OFFICERS | {"dsl", "deputy_dsl"}
STAFF = {
    "headteacher", "dsl", "deputy_dsl", "dpl", "social_media_officer", "line_manager", "staff",
    "trainee_teacher",
}  # fmt: skip


def _pupil(w):
    return {"external_id": w["consent_pupil"].external_id}


def _restricted(w):
    return {"external_id": w["consent_restricted"].external_id}


def _check(w):
    return {"check_id": w["consent_check"].pk}


ENTRIES = {
    "consent_registry": (REGISTRY, {}),
    "consent_person": (REGISTRY, _pupil),
    "consent_record": (REGISTRY, _pupil),
    "consent_biometric": (REGISTRY, _pupil),
    "consent_link_new": (REGISTRY, _pupil),
    "consent_enrol": (ENROL, _pupil),
    "consent_links": (REGISTRY, {}),
    "consent_import": (REGISTRY, {}),
    "consent_import_job": (REGISTRY, lambda w: {"job_id": w["consent_import_job"].pk}),
    "consent_restricted": (RESTRICTED_LIST, {}),
    "consent_restricted_add": (SAFEGUARDING, {}),
    "consent_restricted_remove": (SAFEGUARDING, _restricted),
    "consent_reference_add": (RESTRICTED_LIST, _restricted),
    "consent_reference_image": (RESTRICTED_LIST, lambda w: {"photo_id": w["consent_reference"].pk}),
    "consent_mine": (ALL, {}),
    "consent_check_photo": (STAFF, {}),
    # a check made by someone else: only the reviewers see it
    "consent_check": (RESTRICTED_LIST, _check),
    "consent_batch_new": (STAFF, {}),
    # a batch started by someone else: only the reviewers see it
    "consent_batch": (RESTRICTED_LIST, lambda w: {"batch_id": w["consent_batch"].pk}),
    "consent_batch_sheet": (RESTRICTED_LIST, lambda w: {"batch_id": w["consent_batch"].pk}),
    "consent_check_image": (RESTRICTED_LIST, _check),
    "consent_review_face": (RESTRICTED_LIST, lambda w: {**_check(w), "face": 0}),
    "consent_reviews": (RESTRICTED_LIST, {}),
    "consent_takedowns": (OFFICERS | SAFEGUARDING, {}),
    "consent_takedown": (
        OFFICERS | SAFEGUARDING,
        lambda w: {"takedown_id": w["consent_takedown"].pk},
    ),
    "consent_form": (PUBLIC, lambda w: {"token": w["consent_token"]}),
    "api:check_photo": (STAFF, {}, "post"),
    "api:consent_status": (REGISTRY, _pupil),
}


def build_world(make_person, make_user):
    import io

    from PIL import Image

    from socialguard import clock
    from socialguard.consent import crypto, services
    from socialguard.consent.models import (
        BatchCheck,
        PhotoCheck,
        ReferencePhoto,
        TakedownNeeded,
    )
    from socialguard.people.models import ImportJob, ParentOf

    owner = make_user("staff")
    pupil = make_person("pupil")
    parent = make_person("parent", email="parent@example.org")
    ParentOf.objects.create(parent=parent, child=pupil)
    restricted = make_person("pupil")
    services.restricted_set(person=restricted, restricted=True, reason="court order")
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 180, 160)).save(out, format="PNG")
    reference = ReferencePhoto.objects.create(
        person=restricted,
        stored_name=crypto.photo_store(out.getvalue(), "reference"),
        added_at=clock.now(),
    )
    check = PhotoCheck.objects.create(
        sha256="0" * 64, purpose="website", verdict="review",
        faces=[{"box": [1, 1, 10, 10], "external_id": None, "status": "unknown", "distance": None}],
        stored_name=crypto.photo_store(out.getvalue(), "checks"), via="web", checked_at=clock.now(),
        checked_by=owner,
    )  # fmt: skip
    link = services.consent_link_create(parent=parent, child=pupil, send=False)
    return {
        "consent_pupil": pupil,
        "consent_restricted": restricted,
        "consent_reference": reference,
        "consent_check": check,
        "consent_import_job": ImportJob.objects.create(
            kind="consent", started_by=owner, filename="c.csv", content=""
        ),
        "consent_takedown": TakedownNeeded.objects.create(
            person=pupil, reason="Consent withdrawn", created_at=clock.now()
        ),
        "consent_token": services.consent_link_token(link),
        "consent_batch": BatchCheck.objects.create(
            purpose="website",
            label="event.zip",
            started_by=owner,
            state="done",
            total=1,
            processed=1,
            created_at=clock.now(),
            results=[{"name": "a.png", "verdict": None, "message": "Skipped: not a photo"}],
        ),  # fmt: skip
    }
