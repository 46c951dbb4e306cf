"""The casework API: report, list and read cases, add evidence, record actions (permission-checked)."""

import base64
import binascii
from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import StrictBool

from socialguard.api import (
    MAX_OFFSET,
    DateTimeText,
    body_rules,
    check_text,
    page_bounds,
    require_capability,
)
from socialguard.audit.services import audit_list_view, audit_view
from socialguard.people.models import Person
from socialguard.people.permissions import get_object_for_user, user_person
from socialguard.policy.pack import get_pack

from . import services
from .models import Case, CaseParty, PossibleMatch
from .permissions import visible_cases
from .vault import EvidenceRefused

router = Router(tags=["casework"])


PARTY_LIMITS = {"name": 200, "external_id": 64}
REPORT_LIMITS = {"platform": 120, "url_or_sender": 500, "physical_location": 300}
EVIDENCE_LIMITS = {"filename": 255, "site_address": 500, "physical_location": 300, "held_by": 200}
EVIDENCE_KINDS = ("screenshot", "file", "web_page", "email")


def _categories():
    return sorted(get_pack().categories)


class PartyIn(Schema):
    model_config = body_rules(
        choices={"part": dict(CaseParty.PARTS), "kind": dict(CaseParty.KINDS)},
        max_lengths=PARTY_LIMITS,
        one_of=("external_id", "name"),
    )
    part: str
    external_id: str = ""
    name: str = ""
    kind: str = "unknown"


class ReportIn(Schema):
    # Everything has a default so that permission is checked before the body is judged; the
    # schema still says what is required (body_rules).
    model_config = body_rules(
        required=("category", "what_happened", "illegal_or_threats", "indecent_image"),
        choices={
            "category": _categories,
            "location_kind": dict(Case.LOCATIONS),
            "victim_aware": dict(Case.AWARE),
        },
        max_lengths={**REPORT_LIMITS, "what_happened": services.WHAT_HAPPENED_MAX},
        patterns={"what_happened": r"\S"},
    )
    category: str = ""
    what_happened: str = ""
    location_kind: str = "social_media"
    platform: str = ""
    url_or_sender: str = ""
    happened_at: DateTimeText | None = None
    victim_aware: str = "unknown"
    illegal_or_threats: StrictBool | None = None
    indecent_image: StrictBool | None = None
    physical_location: str = ""
    involved: list[PartyIn] = []


class ActionOut(Schema):
    id: int
    title: str
    clause: str
    owner: str
    due_at: datetime
    status: str


class CaseOut(Schema):
    reference: str
    category: str
    category_label: str
    state: str
    created_at: datetime
    triage_due: datetime
    restricted: bool
    police_hold: bool
    pathway: str
    outcome: str
    legal_heads: list[str]


class CaseDetailOut(CaseOut):
    what_happened: str
    platform: str
    url_or_sender: str
    actions: list[ActionOut]
    evidence: list[dict]
    chronology: list[dict]
    possible_matches: list[dict]


class ReportOut(Schema):
    reference: str


class EvidenceIn(Schema):
    model_config = body_rules(
        required=("may_be_indecent",),
        choices={"kind": EVIDENCE_KINDS},
        max_lengths=EVIDENCE_LIMITS,
        formats={"content_base64": "byte"},
    )
    content_base64: str = ""
    filename: str = ""
    kind: str = "screenshot"
    captured_at: DateTimeText | None = None
    site_address: str = ""
    description: str = ""
    may_be_indecent: StrictBool | None = None
    physical_location: str = ""
    held_by: str = ""


class MatchDecisionIn(Schema):
    model_config = body_rules(required=("decision",), choices={"decision": ("confirm", "reject")})
    decision: str = ""


class ActionDoneIn(Schema):
    note: str = ""
    # Kept so that old clients still validate; no longer used: during a police enquiry an internal
    # action is paused until the handler records the police agreement on the case page (CB-11).
    police_confirmation: str = ""


def _case_out(case: Case) -> dict:
    category = get_pack().categories.get(case.category)
    return {
        "reference": case.reference,
        "category": case.category,
        "category_label": category.label if category else "",
        "state": case.state,
        "created_at": case.created_at,
        "triage_due": case.triage_due,
        "restricted": case.restricted,
        "police_hold": case.police_hold,
        "pathway": case.pathway,
        "outcome": case.outcome,
        "legal_heads": case.legal_heads,
    }


def _case_for(request, reference) -> Case:
    require_capability(request, "cases.handle")
    try:
        return get_object_for_user(request.user, Case.objects.all(), reference=reference)
    except Http404 as exc:
        raise HttpError(404, "Not found") from exc


@router.post("", response={201: ReportOut}, summary="Report a concern")
def create_report(request, payload: ReportIn):
    require_capability(request, "cases.report")
    check_text(payload, REPORT_LIMITS)
    if payload.illegal_or_threats is None or payload.indecent_image is None:
        raise HttpError(
            400, "Answer illegal_or_threats (SLT-4) and indecent_image (SLT-5) with true or false"
        )
    parties = []
    for index, party in enumerate(payload.involved):
        prefix = f"involved[{index}]."
        check_text(party, PARTY_LIMITS, prefix=prefix)
        if party.part not in dict(CaseParty.PARTS):
            raise HttpError(400, f"{prefix}part: give one of {', '.join(dict(CaseParty.PARTS))}")
        if party.kind not in dict(CaseParty.KINDS):
            raise HttpError(400, f"{prefix}kind: give one of {', '.join(dict(CaseParty.KINDS))}")
        person = (
            Person.objects.filter(external_id=party.external_id).first()
            if party.external_id
            else None
        )
        if party.external_id and person is None:
            raise HttpError(404, f"{prefix}external_id: no person {party.external_id!r}")
        if person is None and not party.name.strip():
            raise HttpError(400, f"{prefix}name: name the person, or give their external_id")
        parties.append(
            {"person": person, "name": party.name, "part": party.part, "kind": party.kind}
        )
    # a CaseworkError (a ValueError naming its field) is answered by socialguard.api.value_error
    case = services.case_report(
        reporter=user_person(request.user),
        source="api",
        category=payload.category,
        what_happened=payload.what_happened,
        location_kind=payload.location_kind,
        platform=payload.platform,
        url_or_sender=payload.url_or_sender,
        happened_at=payload.happened_at,
        victim_aware=payload.victim_aware,
        illegal_or_threats=payload.illegal_or_threats,
        indecent_image=payload.indecent_image,
        parties=parties,
        physical_location=payload.physical_location,
        user=request.user,
    )
    return 201, {"reference": case.reference}


@router.get("", response=list[CaseOut], summary="Cases you may see")
def list_cases(
    request,
    state: Literal[tuple(dict(Case.STATES))] | None = None,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    require_capability(request, "cases.handle")
    cases = visible_cases(request.user).order_by("-created_at")
    if state:
        if state not in dict(Case.STATES):
            raise HttpError(400, f"state: give one of {', '.join(dict(Case.STATES))}")
        cases = cases.filter(state=state)
    start, stop = page_bounds(limit, offset)
    page = list(cases[start:stop])
    audit_list_view(
        object_type="casework.case",
        ids=[c.reference for c in page],
        page="case list",
        detail={"via": "api"},
    )
    return [_case_out(c) for c in page]


@router.get("/{reference}", response=CaseDetailOut, summary="One case")
def get_case(request, reference: str):
    case = _case_for(request, reference)
    audit_view(obj=case, detail={"via": "api"})
    out = _case_out(case)
    out.update(
        {
            "what_happened": case.what_happened,
            "platform": case.platform,
            "url_or_sender": case.url_or_sender,
            "actions": [
                {
                    "id": a.pk,
                    "title": a.title,
                    "clause": a.clause,
                    "owner": a.owner.full_name if a.owner else "",
                    "due_at": a.due_at,
                    "status": a.status,
                }
                for a in case.actions.select_related("owner")
            ],
            "evidence": [
                {
                    "reference": str(e.reference),
                    "kind": e.kind,
                    "sha256": e.sha256,
                    "captured_at": e.captured_at,
                    "site_address": e.site_address,
                    "destroyed": hasattr(e, "shred"),
                }
                for e in case.evidence.all()
            ],
            "chronology": [
                {"at": ev.at, "by": ev.actor_label, "kind": ev.kind, "text": ev.text}
                for ev in case.events.all()
            ],
            "possible_matches": [_match_out(m) for m in case.possible_matches.all()],
        }
    )
    return out


def _match_out(match: PossibleMatch) -> dict:
    return {
        "id": match.pk,
        "typed": match.party.name if match.party else "",
        "part": match.party.part if match.party else "",
        "source": match.source,
        "person": services.person_label(match.person),
        "state": match.state,
    }


@router.post(
    "/{reference}/matches/{match_id}",
    response=dict,
    summary="Confirm a possible match for a typed name, or rule it out (PRIN-a)",
)
def decide_match(request, reference: str, match_id: int, payload: MatchDecisionIn):
    case = _case_for(request, reference)
    check_text(payload, {"decision": 10})
    match = case.possible_matches.filter(pk=match_id).first()
    if match is None:
        raise HttpError(404, "Not found")
    if payload.decision not in ("confirm", "reject"):
        raise HttpError(400, "decision: give confirm or reject")
    match = services.case_match_decide(match=match, user=request.user, decision=payload.decision)
    return _match_out(match)


@router.post("/{reference}/evidence", response={201: dict}, summary="Add evidence (base64 file)")
def add_evidence(request, reference: str, payload: EvidenceIn):
    case = _case_for(request, reference)
    check_text(payload, EVIDENCE_LIMITS)
    if payload.may_be_indecent is None:
        raise HttpError(400, "Answer may_be_indecent (SLT-5) with true or false")
    content = None
    if not payload.may_be_indecent:
        try:
            # Line breaks and spaces, as `base64` tools write them, are not part of the data.
            content = base64.b64decode("".join(payload.content_base64.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise HttpError(400, "content_base64 is not valid base64") from exc
    payload.content_base64 = ""  # SLT-5: nothing of a flagged item is kept
    if payload.kind not in EVIDENCE_KINDS:
        raise HttpError(400, "kind must be screenshot, file, web_page or email")
    upload = services.Upload(
        content=content,
        name=payload.filename,
        captured_at=payload.captured_at,
        site_address=payload.site_address,
        kind=payload.kind,
        description=payload.description,
    )
    try:
        evidence = services.evidence_add_file(
            case=case,
            user=request.user,
            upload=upload,
            may_be_indecent=payload.may_be_indecent,
            physical_location=payload.physical_location,
            held_by=payload.held_by,
        )
    except EvidenceRefused as exc:
        field = "content_base64" if exc.field == "file" else exc.field
        raise HttpError(400, f"{field}: {exc}") from exc
    return 201, {
        "reference": str(evidence.reference),
        "sha256": evidence.sha256,
        "stored": evidence.is_file,
    }


@router.post(
    "/{reference}/actions/{action_id}/done", response=ActionOut, summary="Record an action as done"
)
def complete_action(request, reference: str, action_id: int, payload: ActionDoneIn):
    case = _case_for(request, reference)
    check_text(payload, {})
    action = case.actions.filter(pk=action_id).select_related("owner").first()
    if action is None:
        raise HttpError(404, "Not found")
    services.action_complete(
        action=action,
        user=request.user,
        note=payload.note,
    )
    return {
        "id": action.pk,
        "title": action.title,
        "clause": action.clause,
        "owner": action.owner.full_name if action.owner else "",
        "due_at": action.due_at,
        "status": action.status,
    }
