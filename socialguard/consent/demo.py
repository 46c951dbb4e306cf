"""Image consent for the St Martin's demo school (idempotent).

PUP-003 Chloe Brown is on the restricted list (court order); PUP-002 has no social media consent;
PUP-006's website consent was withdrawn. No photos of children exist: when scikit-image is
installed, its astronaut photo is enrolled as Chloe Brown (so it is blocked) and its cameraman
photo as PUP-001 Amy Jones (consented: it passes), both with a parent's biometric consent
recorded for the demo (see demo_photos.py). The cameraman photo is then published in a website
news post through the publishing app's own services, so its photo check records Amy in it:
withdrawing Amy's consent lists that post for takedown.
"""

import hashlib
import logging
from datetime import timedelta

from socialguard import clock
from socialguard.people.models import Person
from socialguard.web.demo import register_demo

from . import demo_photos, services
from .models import ConsentChange, ConsentLink, FaceEmbedding, PhotoCheck, PhotoMatch

logger = logging.getLogger("socialguard.consent")

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
    "PUP-003": [("PAR-004", "consent")],  # recorded for the demo, so the astronaut can be enrolled
    "PUP-004": [("PAR-005", "consent")],
    "PUP-005": [("PAR-003", "consent"), ("STAFF-011", "object")],
}


def _people() -> dict[str, Person]:
    return {p.external_id: p for p in Person.objects.prefetch_related("roles")}


def _parent(people, child):
    return Person.objects.filter(children_links__child=child).order_by("external_id").first()


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
        _unenrol_old_astronaut(wilson)
    for external_id in demo_photos.DEMO_FACES:
        _enrol_demo_face(pupils.get(external_id))
    _published_photo(people)
    demo_photos.write_for_trying()


def _unenrol_old_astronaut(wilson: Person) -> None:
    """Earlier demos enrolled the astronaut as Mrs Wilson; she is Chloe Brown's face now."""
    photo = demo_photos.photo("PUP-003")
    if (
        photo
        and FaceEmbedding.objects.filter(
            person=wilson, source_sha256=hashlib.sha256(photo).hexdigest()
        ).exists()
    ):
        services.embeddings_delete(person=wilson, reason="demo face moved to PUP-003")


def _enrol_demo_face(person: Person | None) -> None:
    if person is None or FaceEmbedding.objects.filter(person=person).exists():
        return
    photo = demo_photos.photo(person.external_id)
    if photo is None:  # scikit-image is not installed: the check page says how to enrol
        return
    services.face_enrol(person=person, photos=[photo])


NEWS_TITLE = "Photography club portraits"
NEWS_TEXT = (
    "Our photography club spent this week learning to use a tripod and a long lens in the "
    "school grounds. Well done to everyone who took part."
)


def _published_photo(people: dict[str, Person]) -> None:
    """A published website post with the cameraman photo (Amy Jones's demo face), made through
    the publishing app's services, whose photo check records Amy in the photo."""
    photo = demo_photos.photo("PUP-001")
    if photo is None or not FaceEmbedding.objects.filter(person=people.get("PUP-001")).exists():
        return
    try:
        from socialguard.publishing import services as publishing
        from socialguard.publishing.models import ArchiveItem, Draft, OfficialAccount
    except ImportError:
        return
    author, approver = people.get("STAFF-012"), people.get("STAFF-006")
    account = OfficialAccount.objects.filter(platform="website", is_active=True).first()
    if author is None or approver is None or approver.user is None or account is None:
        return
    if not Draft.objects.filter(author=author, title=NEWS_TITLE).exists():
        if not publishing.officer_gate(approver).allowed:
            return
        try:
            with clock.frozen(clock.now() - timedelta(days=3)):
                draft = publishing.draft_save(
                    author=author,
                    title=NEWS_TITLE,
                    text=NEWS_TEXT,
                    account_ids=[account.pk],
                    new_images=[
                        publishing.NewImage(
                            "photography-club.png", photo, "A pupil using a camera on a tripod"
                        )
                    ],
                )
                publishing.draft_submit(draft=draft, author=author)
                publishing.draft_approve(draft=draft, user=approver.user)
        except Exception:  # the publishing app's rules changed: the rest of the demo still loads
            logger.exception("the consent demo could not publish its photo post")
            return
    # The link a withdrawal follows: Amy matched in the published image (by its SHA-256).
    amy = people["PUP-001"]
    for item in ArchiveItem.objects.filter(publication__draft__author=author, title=NEWS_TITLE):
        for image in item.images or []:
            sha = image.get("sha256")
            if sha and not PhotoMatch.objects.filter(sha256=sha, person=amy).exists():
                check = PhotoCheck.objects.create(
                    sha256=sha,
                    purpose="website",
                    verdict="pass",
                    faces=[{"box": [0, 0, 1, 1], "external_id": amy.external_id,
                            "status": "consented", "distance": None}],
                    via="demo",
                    checked_at=clock.now(),
                )  # fmt: skip
                PhotoMatch.objects.create(sha256=sha, person=amy, checked_photo=check, face_index=0)
