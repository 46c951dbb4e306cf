"""Brothers and sisters of a pupil picked on the report form, to add with one tick.

Need-to-know, as the typeahead: only the person who picked the pupil may ask (the pupil's
suggestion carries a signed token bound to that user, forms.siblings_token), the answer is a
name and a year group only, each look-up is rate-limited with the typeahead's own limit and
audited. A sibling ticked is added as a linked person involved (a pick token, like a
suggestion); any name typed is still checked against the directory when the report is sent."""

from django.http import HttpResponse
from django.shortcuts import render

from socialguard.audit.services import audit_record
from socialguard.people.models import Person
from socialguard.people.permissions import require

from . import forms, services
from .packdata import casework_config
from .views import _lookup_allowed

MAX_SIBLINGS = 8


def is_pupil(person: Person) -> bool:
    return bool(set(person.role_ids) & casework_config().pupil_roles)


def pupil_siblings(pupil: Person) -> list[Person]:
    """Other active pupils who share a parent or carer with the pupil (people.ParentOf)."""
    if not is_pupil(pupil):
        return []
    found = (
        Person.objects.filter(is_active=True, parent_links__parent__children_links__child=pupil)
        .exclude(pk=pupil.pk)
        .distinct()
        .order_by("family_name", "given_name")
    )
    return [p for p in found[: MAX_SIBLINGS * 2] if is_pupil(p)][:MAX_SIBLINGS]


@require("cases.report")
def people_siblings(request):
    if not _lookup_allowed(request.user):
        audit_record(action="people.lookup", detail={"results": 0, "refused": "rate limit"})
        return HttpResponse(
            "Too many directory look-ups: wait a minute, then try again.",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    pupil = forms.resolve_siblings_token(request.GET.get("t") or "", request.user)
    siblings = pupil_siblings(pupil) if pupil is not None else []
    audit_record(action="people.lookup", detail={"results": len(siblings), "siblings": True})
    options = [{"label": services.person_label(p), "token": forms.pick_token(p)} for p in siblings]
    return render(
        request,
        "casework/_siblings.html",
        {"options": options, "row": (request.GET.get("row") or "")[:3]},
    )
