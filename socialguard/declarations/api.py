from ninja import Router, Schema
from ninja.errors import HttpError

from socialguard.api import require_capability
from socialguard.audit.services import audit_view
from socialguard.people.models import Person
from socialguard.people.permissions import user_person

from . import services
from .packdata import declarations_pack

router = Router(tags=["declarations"])


class DeclarationStatusOut(Schema):
    state: str
    due_at: str
    last_completed_at: str | None
    concerns: int


@router.get("/mine", response=DeclarationStatusOut, summary="My personal-use declaration status")
def my_declaration(request):
    require_capability(request, "declarations.declare")
    person = user_person(request.user)
    if person is None:
        raise HttpError(404, "Your account has no staff record")
    status = services.declaration_status(person=person)
    latest = status.latest
    return {
        "state": status.state,
        "due_at": status.due_at.isoformat(),
        "last_completed_at": latest.completed_at.isoformat() if latest else None,
        "concerns": len(latest.concerns) if latest else 0,
    }


class TrainingKindOut(Schema):
    kind: str
    label: str
    required: bool
    status: str
    course: str | None
    expires_on: str | None


class PersonTrainingOut(Schema):
    external_id: str
    name: str
    training: list[TrainingKindOut]


@router.get(
    "/training/{external_id}",
    response=PersonTrainingOut,
    summary="Training status of one person (leadership only)",
)
def person_training(request, external_id: str):
    require_capability(request, "declarations.training")
    person = Person.objects.filter(external_id=external_id).first()
    if person is None:
        raise HttpError(404, f"external_id: no person {external_id!r}")
    audit_view(obj=person, detail={"via": "api", "page": "training records"})
    roles = set(person.role_ids)
    rows = []
    for kind in declarations_pack().training_kinds.values():
        record = services.training_current(person=person, kind=kind.id)
        rows.append(
            {
                "kind": kind.id,
                "label": kind.label,
                "required": bool(roles & set(kind.required_for)),
                "status": services.training_status(person=person, kind=kind.id),
                "course": record.course if record else None,
                "expires_on": record.expires_on.isoformat() if record else None,
            }
        )
    return {"external_id": person.external_id, "name": person.full_name, "training": rows}
