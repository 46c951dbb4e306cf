from datetime import date
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from socialguard.api import MAX_OFFSET, page_bounds, require_capability
from socialguard.audit.services import audit_list_view, audit_view
from socialguard.people.permissions import has_capability
from socialguard.policy.pack import ROLE_IDS

from .models import Person

router = Router(tags=["people"])


class PersonOut(Schema):
    external_id: str
    given_name: str
    family_name: str
    preferred_name: str
    roles: list[str]
    year_group: str
    date_of_birth: date | None = None
    email: str


def _person_out(person: Person, *, identifiers: bool = False) -> dict:
    """The date of birth only for those who hold people.identifiers, and never in a list."""
    return {
        "external_id": person.external_id,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "preferred_name": person.preferred_name,
        "roles": sorted(r.role for r in person.roles.all()),
        "year_group": person.year_group,
        "date_of_birth": person.date_of_birth if identifiers else None,
        "email": person.email,
    }


@router.get("", response=list[PersonOut], summary="List people (optionally by role)")
def list_people(
    request,
    role: Literal[tuple(sorted(ROLE_IDS))] | None = None,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    require_capability(request, "people.view")
    people = Person.objects.prefetch_related("roles").order_by("external_id")
    if role:
        people = people.filter(roles__role=role)
    start, stop = page_bounds(limit, offset)
    page = list(people[start:stop])
    audit_list_view(
        object_type="people.person",
        ids=[p.external_id for p in page],
        page="people directory",
        detail={"via": "api"},
    )
    return [_person_out(p) for p in page]


@router.get("/{external_id}", response=PersonOut, summary="One person")
def get_person(request, external_id: str):
    require_capability(request, "people.view")
    person = get_object_or_404(Person.objects.prefetch_related("roles"), external_id=external_id)
    audit_view(obj=person, detail={"via": "api"})
    return _person_out(person, identifiers=has_capability(request.user, "people.identifiers"))
