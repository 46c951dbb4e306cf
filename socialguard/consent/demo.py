"""Image consent for the St Martin's demo school (idempotent).

PUP-003 Chloe Brown is on the restricted list (court order); PUP-002 has no social media consent;
PUP-006's website consent was withdrawn. No photos of children exist: the only face enrolled is
scikit-image's astronaut photo (when installed), labelled as Mrs Wilson, who consented herself.
"""

import io

from socialguard.people.models import Person
from socialguard.web.demo import register_demo

from . import services
from .models import ConsentChange, ConsentLink, FaceEmbedding

ALL_YES = dict.fromkeys(services.PURPOSES, True)
PUPIL_CONSENT = {
    "PUP-001": ALL_YES,
    "PUP-002": {**ALL_YES, "social_media": False},
    "PUP-003": ALL_YES,
    "PUP-004": ALL_YES,
    "PUP-005": ALL_YES,
    "PUP-006": ALL_YES,
    "PUP-007": ALL_YES,
    "PUP-008": {**ALL_YES, "press": False},
}
# child -> [(parent, "consent" | "object")]
BIOMETRIC = {
    "PUP-001": [("PAR-001", "consent")],
    "PUP-004": [("PAR-005", "consent")],
    "PUP-005": [("PAR-003", "consent"), ("STAFF-011", "object")],
}


def _people() -> dict[str, Person]:
    return {p.external_id: p for p in Person.objects.prefetch_related("roles")}


def _parent(people, child):
    return Person.objects.filter(children_links__child=child).order_by("external_id").first()


def _astronaut_png() -> bytes | None:
    try:
        from PIL import Image
        from skimage import data
    except ImportError:
        return None
    out = io.BytesIO()
    Image.fromarray(data.astronaut()).save(out, format="PNG")
    return out.getvalue()


@register_demo
def load_consent_demo() -> None:
    people = _people()
    pupils = {k: people[k] for k in PUPIL_CONSENT if k in people}
    if not pupils:
        return
    first_run = not ConsentChange.objects.filter(person__in=pupils.values()).exists()
    for external_id, answers in PUPIL_CONSENT.items():
        child = pupils.get(external_id)
        if child is None:
            continue
        parent = _parent(people, child)
        method = "paper_form" if parent else "import"
        services.consent_record(person=child, answers=answers, given_by=parent, method=method)
    if first_run and "PUP-006" in pupils:
        child = pupils["PUP-006"]
        services.consent_withdraw(
            person=child, purpose="website", given_by=_parent(people, child), method="email"
        )
    if "PUP-003" in pupils:
        services.restricted_set(person=pupils["PUP-003"], restricted=True, reason="court order")
    for external_id, answers in BIOMETRIC.items():
        child = pupils.get(external_id)
        for parent_id, answer in answers:
            if child is None or parent_id not in people:
                continue
            services.biometric_record(
                person=child,
                consent=answer == "consent",
                objection=answer == "object",
                key=parent_id,
                given_by=people[parent_id],
                method="paper_form",
            )
    if "PAR-002" in people and "PUP-002" in pupils:
        if not ConsentLink.objects.filter(
            parent=people["PAR-002"], child=pupils["PUP-002"]
        ).exists():
            services.consent_link_create(
                parent=people["PAR-002"], child=pupils["PUP-002"], send=False
            )
    wilson = people.get("STAFF-005")
    if wilson is not None:
        services.consent_record(person=wilson, answers=ALL_YES, given_by=wilson, method="in_person")
        services.biometric_record(
            person=wilson, consent=True, key="self", given_by=wilson, method="in_person"
        )
        photo = _astronaut_png()
        if photo and not FaceEmbedding.objects.filter(person=wilson).exists():
            services.face_enrol(person=wilson, photos=[photo])
