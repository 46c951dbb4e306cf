"""The consent API: the photo check (DESIGN.md contract) and a person's consent status."""

from ninja import Router, Schema
from ninja.errors import HttpError

from socialguard.api import require_capability
from socialguard.audit.services import audit_view
from socialguard.people.models import Person

from . import services
from .faces import PhotoError

router = Router(tags=["consent"])
# POST /api/v1/checks/photo (DESIGN.md contract)
checks_router = Router(tags=["checks"])


class FaceOut(Schema):
    box: list[int]
    external_id: str | None
    status: str
    distance: float | None


class PhotoCheckOut(Schema):
    verdict: str
    faces: list[FaceOut]


PHOTO_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "The photo"},
                    "purpose": {
                        "type": "string",
                        "enum": ["internal", "print", "website", "social_media", "press"],
                        "default": "social_media",
                    },
                },
                "required": ["file"],
            }
        }
    },
}


@checks_router.post("/photo", response=PhotoCheckOut, openapi_extra={"requestBody": PHOTO_BODY})
def check_photo(request):
    """Check a photo before it is published: multipart upload with the photo in `file` (or
    `photo`) and the `purpose` (internal, print, website, social_media, press; default
    social_media). Verdict pass | review | block, with every face found. Those who keep the
    consent register (and the safeguarding roles) get each face's external_id, status
    (consented | no_consent | restricted | unknown) and distance; anyone else gets the boxes
    only: external_id and distance null, status consented | not_allowed | unknown, where
    not_allowed is a child on the restricted list or without consent alike."""
    require_capability(request, "consent.check_photo")
    upload = request.FILES.get("file") or request.FILES.get("photo")
    if upload is None:
        raise HttpError(400, "Upload the photo as multipart form data in the field 'file'")
    purpose = request.POST.get("purpose") or "social_media"
    try:
        result = services.check_photo_for_purpose(
            data=upload.read(), purpose=purpose, actor=request.user, via="api"
        )
    except (services.ConsentError, PhotoError) as exc:
        raise HttpError(400, getattr(exc, "message", str(exc))) from exc
    # Without access to the consent register: the verdict and the boxes only (IMG-3).
    return services.photo_result_for(request.user, result)


@router.get("/people/{external_id}")
def consent_status(request, external_id: str):
    """A person's current image consent per purpose and whether their face may be matched."""
    require_capability(request, "consent.view")
    person = Person.objects.filter(external_id=external_id).first()
    if person is None:
        raise HttpError(404, "No such person")
    status = services.consent_status(person)
    audit_view(obj=person, detail={"via": "api", "page": "consent status"})
    if not request.user.is_authenticated or not _may_see_restricted(request.user):
        status.pop("restricted")
    return status


def _may_see_restricted(user) -> bool:
    from socialguard.people.permissions import has_capability

    return has_capability(user, "consent.restricted")
