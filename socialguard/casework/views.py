"""Casework pages: thin views (permission → form → service → redirect)."""

import re
import time
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from socialguard import clock
from socialguard.audit.services import audit_list_view, audit_record, audit_view
from socialguard.people.models import Person
from socialguard.people.permissions import get_object_for_user, has_capability, require, user_person
from socialguard.policy.pack import get_pack
from socialguard.web.registry import HomeItem, register_home, register_nav

from . import action_views, actions, caselist, forms, reports, services
from .models import Case, CaseAction, CaseParty, Evidence
from .packdata import casework_config
from .pending import PendingUploads
from .permissions import can_export_case, can_view_case, cases_naming, visible_cases
from .reportform import danger_text
from .uploads import use_memory_only_uploads
from .vault import EvidenceRefused

register_nav("Report a concern", "casework:report", "cases.report", order=20)
register_nav("My reports", "casework:my_reports", "cases.report", order=21)
register_nav("Cases", "casework:case_list", "cases.handle", order=22)
register_nav("Case dashboard", "casework:dashboard", "cases.dashboard", order=23)


# ---------------------------------------------------------------- home page


@register_home
def casework_home(request):
    user = request.user
    items = []
    person = user_person(user)
    if has_capability(user, "cases.handle"):
        cases = visible_cases(user)
        new = cases.filter(state="new").count()
        if new:
            items.append(
                HomeItem(
                    title="Triage new concerns",
                    url=reverse("casework:case_list") + "?state=new",
                    description="Concerns routed to you are waiting for triage.",
                    urgent=True,
                    count=new,
                )
            )
        overdue = actions.actions_live(
            CaseAction.objects.filter(case__in=cases, status="open", due_at__lt=clock.now())
        ).count()
        if overdue:
            items.append(
                HomeItem(
                    title="Overdue case actions",
                    url=reverse("casework:dashboard"),
                    description="Actions on your cases are past their deadline.",
                    urgent=True,
                    count=overdue,
                )
            )
    if person is not None:
        mine = _own_actions(person).count()
        if mine:
            items.append(
                HomeItem(
                    title="Your case actions",
                    url=reverse("casework:my_actions"),
                    description="Actions you own on a case.",
                    count=mine,
                )
            )
        if services.victim_signposting_due(person):
            items.append(
                HomeItem(
                    title="Support is available to you",
                    url=reverse("casework:support"),
                    description="Your line manager, occupational health, and professional associations and unions.",
                )
            )
    return items


def _own_actions(person):
    """Open actions a person owns, never on a case they are named in (PRIN-a)."""
    # CB-11: an internal action paused by a police hold is not on anyone's list
    return actions.actions_live(
        CaseAction.objects.filter(owner=person, status="open").exclude(
            case__in=cases_naming(person)
        )
    )


# ---------------------------------------------------------------- reporting


def _discard(upload) -> None:
    """SLT-5: drop the bytes of a flagged upload at once (they were only ever in memory)."""
    upload.file.seek(0)
    upload.file.truncate(0)


def _upload_from(
    cleaned,
    file_field="file",
    captured="captured_at",
    site="url_or_sender",
    kind="screenshot",
    description="",
):
    upload = cleaned.get(file_field)
    if upload is None:
        return None
    return services.Upload(
        content=upload.read(),
        name=upload.name,
        captured_at=cleaned.get(captured),
        site_address=cleaned.get(site) or "",
        kind=kind,
        description=description,
    )


@csrf_exempt
@login_required
def report(request):
    # The upload handlers must be swapped before anything reads the body (SLT-5: no temp files).
    use_memory_only_uploads(request)
    return _report(request)


@csrf_protect
@require("cases.report")
def _report(request):
    form = forms.ReportForm(
        request.POST or None, request.FILES or None, pending=PendingUploads(request.session)
    )
    upload = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        indecent = data["indecent_image"] == "yes"
        if indecent and data.get("file") is not None:
            _discard(data["file"])
        try:
            upload = None if indecent else form.upload(data)
            case = services.case_report(
                reporter=user_person(request.user),
                category=data["category"],
                what_happened=data["what_happened"],
                location_kind=data["location_kind"],
                platform=data["platform"],
                url_or_sender=data["url_or_sender"],
                happened_at=data["happened_at"],
                victim_aware=data["victim_aware"],
                illegal_or_threats=data["illegal_or_threats"] == "yes",
                indecent_image=indecent,
                parties=data["parties"],
                reporter_is_victim=data["reporter_is_victim"],
                upload=upload,
                item_description=data["item_description"],
                physical_location=data["physical_location"],
                user=request.user,
            )
        except EvidenceRefused as exc:
            form.add_error({"site_address": "url_or_sender"}.get(exc.field, exc.field), str(exc))
        except services.CaseworkError as exc:
            field = getattr(exc, "field", None)
            form.add_error(field if field in form.fields else None, str(exc))
        else:
            messages.success(
                request,
                f"Thank you. Your report {case.reference} has gone to the people who deal with it.",
            )
            return redirect("casework:my_report", reference=case.reference)
    if form.errors:
        form.keep_upload(upload)  # the screenshot survives the error (pending.py)
    return render(
        request,
        "casework/report.html",
        {"form": form, "platforms": get_pack().platforms, "danger": danger_text()},
        status=400 if form.errors else 200,
    )


# The directory typeahead is need-to-know: a few suggestions, enough to pick (name and role or
# year group), for 3 letters or more, at most LOOKUPS_PER_MINUTE a minute per person, each audited.
LOOKUPS_PER_MINUTE = 60
SEARCH_MIN_LETTERS = 3
SEARCH_MAX_RESULTS = 10


def _lookup_allowed(user) -> bool:
    key = f"casework:people-lookup:{user.pk}:{int(time.time() // 60)}"
    cache.add(key, 0, 120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 120)
        count = 1
    return count <= LOOKUPS_PER_MINUTE


@require("cases.report")
def people_search(request):
    query = (request.GET.get("q") or "").strip()
    if not query:
        query = next(
            (v for k, v in request.GET.items() if k.startswith("involved_") or k == "name"), ""
        ).strip()
    query = forms.PERSON_REF.sub("", query).strip()[:200]
    if not _lookup_allowed(request.user):
        audit_record(
            action="people.lookup",
            detail={"results": 0, "query_length": len(query), "refused": "rate limit"},
        )
        return HttpResponse(
            "Too many directory look-ups: wait a minute, then try again.",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    people = []
    if sum(c.isalpha() for c in query) >= SEARCH_MIN_LETTERS:
        people = services.people_suggest(query, limit=SEARCH_MAX_RESULTS)
    audit_record(
        action="people.lookup", detail={"results": len(people), "query_length": len(query)}
    )
    pupil_roles = casework_config().pupil_roles
    options = [
        {
            "label": services.person_label(p),
            "token": forms.pick_token(p),
            # Only for a pupil, only for this user: ask for their brothers and sisters (siblings.py)
            "siblings": forms.siblings_token(p, request.user)
            if set(p.role_ids) & pupil_roles
            else "",
        }
        for p in people
    ]
    return render(request, "casework/_people_options.html", {"options": options})


@require("cases.report")
def my_reports(request):
    person = user_person(request.user)
    cases = (
        Case.objects.filter(reporter=person).order_by("-created_at")
        if person
        else Case.objects.none()
    )
    return render(
        request, "casework/my_reports.html", {"cases": cases, "categories": get_pack().categories}
    )


def _public_status(case: Case) -> str:
    return {
        "new": "Received",
        "triaged": "Being looked at",
        "investigating": "Being looked at",
        "outcome": "Being looked at",
        "closed": "Closed",
    }[case.state]


@require("cases.report")
def my_report(request, reference):
    """The reporter sees what they reported and its progress, nothing about the handling."""
    person = user_person(request.user)
    case = Case.objects.filter(reference=reference, reporter=person).first() if person else None
    if case is None:
        raise Http404
    is_victim = case.parties.filter(person=person, part="victim").exists()
    return render(
        request,
        "casework/my_report.html",
        {
            "case": case,
            "status": _public_status(case),
            "category": get_pack().categories.get(case.category),
            "signposting": casework_config().signposting if is_victim else (),
        },
    )


@require("cases.report")
def support(request):
    return render(request, "casework/support.html", {"signposting": casework_config().signposting})


@require("cases.report")
def my_actions(request):
    person = user_person(request.user)
    actions = _own_actions(person).select_related("case", "support_person") if person else []
    return render(
        request,
        "casework/my_actions.html",
        {"actions": actions, "now": clock.now(), "form": forms.ActionCompleteForm()},
    )


@require("cases.report")
def my_action_complete(request, action_id):
    person = user_person(request.user)
    action = (
        CaseAction.objects.filter(pk=action_id, owner=person)
        .exclude(case__in=cases_naming(person))
        .select_related("case")
        .first()
        if person
        else None
    )
    if action is None:
        raise Http404
    if request.method != "POST":
        return redirect("casework:my_actions")
    form = forms.ActionCompleteForm(request.POST)
    if form.is_valid():
        try:
            services.action_complete(action=action, user=request.user, **form.cleaned_data)
        except services.CaseworkError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Recorded: {action.title}")
    return redirect("casework:my_actions")


# ---------------------------------------------------------------- public intake (MON-4)


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


@csrf_exempt
def public_report(request):
    # As for staff reports: the upload handlers are swapped before the body is read (SLT-5).
    use_memory_only_uploads(request)
    return _public_report(request)


@csrf_protect
def _public_report(request):
    form = forms.PublicReportForm(
        request.POST or None, request.FILES or None, pending=PendingUploads(request.session)
    )
    upload = None
    if request.method == "POST":
        config = casework_config()
        key = f"casework:public-report:{_client_ip(request)}"
        count = cache.get(key, 0)
        if count >= config.public_reports_per_hour:
            for sent in request.FILES.values():
                _discard(sent)
            return render(
                request,
                "casework/public_report.html",
                {"form": form, "rate_limited": True, "danger": danger_text()},
                status=429,
            )
        cache.set(key, count + 1, 3600)
        if form.is_valid():
            data = form.cleaned_data
            indecent = data["indecent_image"] == "yes"
            if indecent and data.get("file") is not None:
                _discard(data["file"])  # SLT-5: never stored
            parties = (
                [{"name": data["about"], "part": "other", "kind": "unknown"}]
                if data["about"].strip()
                else []
            )
            try:
                upload = None if indecent else form.upload(data)
                case = services.case_report(
                    reporter=None,
                    source="public",
                    category=data["category"],
                    what_happened=data["what_happened"],
                    platform=data["platform"],
                    url_or_sender=data["url_or_sender"],
                    parties=parties,
                    illegal_or_threats=data["illegal_or_threats"] == "yes",
                    indecent_image=indecent,
                    public_name=data["name"],
                    public_contact=data["contact"],
                    physical_location="Not held by the school: reported from outside"
                    if indecent
                    else "",
                    upload=upload,
                )
            except EvidenceRefused as exc:
                form.add_error({"site_address": "url_or_sender"}.get(exc.field, exc.field), str(exc))
            except services.CaseworkError as exc:
                field = getattr(exc, "field", None)
                form.add_error(field if field in form.fields else None, str(exc))
            else:
                request.session["casework_public_reference"] = case.reference
                return redirect("casework:public_report_thanks")
        if form.errors:
            form.keep_upload(upload)
    return render(
        request,
        "casework/public_report.html",
        {"form": form, "danger": danger_text()},
        status=400 if form.errors else 200,
    )


def public_report_thanks(request):
    reference = request.session.get("casework_public_reference")
    if not reference:
        return redirect("casework:public_report")
    return render(request, "casework/public_report_thanks.html", {"reference": reference})


# ---------------------------------------------------------------- handling


def _case(request, reference) -> Case:
    return get_object_for_user(
        request.user, Case.objects.select_related("lead_handler", "reporter"), reference=reference
    )


def _detail_context(request, case: Case, **forms_in) -> dict:
    config = casework_config()
    pack = get_pack()
    evidence = list(case.evidence.select_related("shred").prefetch_related("custody"))
    for item in evidence:
        item.shredded = hasattr(item, "shred")
    outcome_form = forms_in.get("outcome_form") or forms.OutcomeForm(case=case)
    suggested = services.suggest_pathway(case)
    return {
        "case": case,
        "category": pack.categories.get(case.category),
        "parties": case.parties.select_related("person"),
        "possible_matches": [
            {"match": m, "label": services.person_label(m.person)}
            for m in case.possible_matches.select_related("person", "party").prefetch_related(
                "person__roles"
            )
        ],
        "events": case.events.all(),
        "actions": case.actions.select_related("owner"),
        "evidence": evidence,
        "now": clock.now(),
        "linked": [c for c in case.linked_cases.all() if can_view_case(request.user, c)],
        "legal_heads": [pack.legal_heads.get(h, h) for h in case.legal_heads],
        "pathway": config.pathways.get(case.pathway),
        "outcome_label": config.outcomes.get(case.outcome, ""),
        "can_export": can_export_case(request.user, case),
        "triage_form": forms_in.get("triage_form")
        or forms.TriageForm(initial={"pathway": suggested}),
        "outcome_form": outcome_form,
        "note_form": forms_in.get("note_form") or forms.NoteForm(),
        "party_form": forms_in.get("party_form") or forms.PartyForm(),
        "link_form": forms_in.get("link_form") or forms.LinkForm(),
        "hold_form": forms_in.get("hold_form")
        or forms.PoliceHoldForm(initial={"active": "yes" if case.police_hold else "no"}),
        "phone_form": forms_in.get("phone_form") or forms.PhoneCallForm(),
        "action_form": forms.ActionCompleteForm(),
        "flag_form": forms.FlagForm(),
        "error": forms_in.get("error", ""),
        "form": next((f for f in forms_in.values() if hasattr(f, "errors") and f.errors), None),
        # add, reassign, cancel, police agreement: the action cards (casework/action_views.py)
        **action_views.detail_context(case, forms_in),
    }


def _render_detail(request, case, status=200, **forms_in):
    return render(
        request,
        "casework/case_detail.html",
        _detail_context(request, case, **forms_in),
        status=status,
    )


@require("cases.handle")
def case_list(request):
    context, status = caselist.list_for_request(request.user, request.GET)
    context["can_low_level"] = has_capability(request.user, "cases.low_level")
    context["can_report"] = has_capability(request.user, "cases.governors_report")
    return render(request, "casework/case_list.html", context, status=status)


@require("cases.handle")
def case_detail(request, reference):
    case = _case(request, reference)
    audit_view(obj=case)
    return _render_detail(request, case)


def _post_only(request, case):
    return (
        None
        if request.method == "POST"
        else redirect("casework:case_detail", reference=case.reference)
    )


def _done(request, case, message):
    messages.success(request, message)
    return redirect("casework:case_detail", reference=case.reference)


@require("cases.handle")
def case_triage_view(request, reference):
    case = _case(request, reference)
    if (early := _post_only(request, case)) is not None:
        return early
    form = forms.TriageForm(request.POST)
    if form.is_valid():
        try:
            services.case_triage(case=case, user=request.user, **form.cleaned_data)
        except services.CaseworkError as exc:
            form.add_error(None, str(exc))
        else:
            if not can_view_case(request.user, case):
                messages.success(
                    request, "Triaged. The case is now visible to the Headteacher only."
                )
                return redirect("casework:case_list")
            return _done(request, case, "Case triaged")
    return _render_detail(request, case, status=400, triage_form=form)


@require("cases.handle")
def case_advance_view(request, reference):
    case = _case(request, reference)
    if (early := _post_only(request, case)) is not None:
        return early
    form = forms.OutcomeForm(request.POST, case=case) if case.state == "investigating" else None
    if form is not None and not form.is_valid():
        return _render_detail(request, case, status=400, outcome_form=form)
    data = form.cleaned_data if form is not None else {}
    try:
        services.case_advance(case=case, user=request.user, **data)
    except services.CaseworkError as exc:
        return _render_detail(request, case, status=400, error=str(exc))
    return _done(request, case, f"Case is now: {case.get_state_display().lower()}")


@require("cases.handle")
def case_note(request, reference):
    case = _case(request, reference)
    if (early := _post_only(request, case)) is not None:
        return early
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        services.case_note_add(case=case, user=request.user, text=form.cleaned_data["text"])
        return _done(request, case, "Note added")
    return _render_detail(request, case, status=400, note_form=form)


@require("cases.handle")
def case_party(request, reference):
    case = _case(request, reference)
    if (early := _post_only(request, case)) is not None:
        return early
    form = forms.PartyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        person = form.person()
        try:
            services.case_party_add(
                case=case,
                user=request.user,
                part=data["part"],
                person=person,
                name="" if person else data["name"],
                kind=data["kind"] or "unknown",
            )
        except services.CaseworkError as exc:
            form.add_error(None, str(exc))
        else:
            if person is not None and person == user_person(request.user):
                messages.success(
                    request, "You are now named in this case, so you can no longer see it (PRIN-a)."
                )
                return redirect("casework:case_list")
            return _done(request, case, "Person added")
    return _render_detail(request, case, status=400, party_form=form)


@require("cases.handle")
def case_match(request, reference, match_id):
    """Confirm a possible match for a typed name, or rule it out (PRIN-a)."""
    case = _case(request, reference)
    match = case.possible_matches.filter(pk=match_id).first()
    if match is None:
        raise Http404
    if (early := _post_only(request, case)) is not None:
        return early
    decision = request.POST.get("decision", "")
    try:
        services.case_match_decide(match=match, user=request.user, decision=decision)
    except services.CaseworkError as exc:
        return _render_detail(request, case, status=400, error=str(exc))
    done = "Match confirmed" if decision == "confirm" else "Match ruled out"
    if not can_view_case(request.user, case):
        messages.success(request, f"{done}. The case has moved to the people it now goes to.")
        return redirect("casework:case_list")
    return _done(request, case, done)


@require("cases.handle")
def case_link_view(request, reference):
    case = _case(request, reference)
    if (early := _post_only(request, case)) is not None:
        return early
    form = forms.LinkForm(request.POST)
    if form.is_valid():
        other = Case.objects.filter(
            reference=form.cleaned_data["reference"].strip().upper()
        ).first()
        if other is None or not can_view_case(request.user, other):
            form.add_error("reference", "No case you can see has that reference")
        else:
            try:
                services.case_link(case=case, other=other, user=request.user)
            except services.CaseworkError as exc:
                form.add_error("reference", str(exc))
            else:
                return _done(request, case, f"Linked to {other.reference}")
    return _render_detail(request, case, status=400, link_form=form)


@require("cases.handle")
def case_police_hold(request, reference):
    case = _case(request, reference)
    if (early := _post_only(request, case)) is not None:
        return early
    form = forms.PoliceHoldForm(request.POST)
    if form.is_valid():
        services.case_police_hold_set(
            case=case,
            user=request.user,
            active=form.cleaned_data["active"] == "yes",
            note=form.cleaned_data["note"],
        )
        return _done(request, case, "Police enquiry status recorded")
    return _render_detail(request, case, status=400, hold_form=form)


@require("cases.handle")
def case_action_complete(request, reference, action_id):
    case = _case(request, reference)
    action = case.actions.filter(pk=action_id).first()
    if action is None:
        raise Http404
    if (early := _post_only(request, case)) is not None:
        return early
    form = forms.ActionCompleteForm(request.POST)
    if form.is_valid():
        try:
            services.action_complete(action=action, user=request.user, **form.cleaned_data)
        except services.CaseworkError as exc:
            return _render_detail(request, case, status=400, error=str(exc))
        return _done(request, case, f"Recorded: {action.title}")
    return _render_detail(request, case, status=400, error="Check the action form")


@csrf_exempt
@login_required
def evidence_add(request, reference):
    use_memory_only_uploads(request)  # before the body is read (SLT-5)
    return _evidence_add(request, reference)


@csrf_protect
@require("cases.handle")
def _evidence_add(request, reference):
    case = _case(request, reference)
    form = forms.EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        indecent = data["may_be_indecent"] == "yes"
        upload = services.Upload(content=None, name="", description=data["description"])
        if not indecent:
            upload = _upload_from(
                data, site="site_address", kind=data["kind"], description=data["description"]
            )
        elif data.get("file") is not None:
            _discard(data["file"])
        try:
            evidence = services.evidence_add_file(
                case=case,
                user=request.user,
                upload=upload,
                may_be_indecent=indecent,
                physical_location=data["physical_location"],
                held_by=data["held_by"],
            )
        except EvidenceRefused as exc:
            form.add_error(exc.field, str(exc))
        except services.CaseworkError as exc:
            form.add_error(None, str(exc))
        else:
            if evidence.kind == "physical_item":
                messages.success(
                    request,
                    "The file was not stored. Its description and location are recorded, the case is "
                    "restricted to the Headteacher and DSL, and “contact the police now” is raised.",
                )
                if not can_view_case(request.user, case):
                    return redirect("casework:case_list")
            else:
                messages.success(request, f"Evidence stored. SHA-256 {evidence.sha256}")
            return redirect("casework:case_detail", reference=case.reference)
    return render(
        request,
        "casework/evidence_add.html",
        {"case": case, "form": form},
        status=400 if form.errors else 200,
    )


@require("cases.handle")
def evidence_phone_call(request, reference):
    case = _case(request, reference)
    if (early := _post_only(request, case)) is not None:
        return early
    form = forms.PhoneCallForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        services.evidence_phone_call_add(
            case=case,
            user=request.user,
            call_at=data["call_at"],
            who=data["who"],
            summary=data["summary"],
        )
        return _done(request, case, "Phone call logged")
    return _render_detail(request, case, status=400, phone_form=form)


def _evidence(request, reference, evidence_ref) -> tuple[Case, Evidence]:
    case = _case(request, reference)
    evidence = case.evidence.filter(reference=evidence_ref).first()
    if evidence is None:
        raise Http404
    return case, evidence


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@require("cases.handle")
def evidence_download(request, reference, evidence_ref):
    case, evidence = _evidence(request, reference, evidence_ref)
    try:
        content = services.evidence_read(evidence=evidence, user=request.user)
    except services.CaseworkError as exc:
        return render(
            request,
            "casework/evidence_unavailable.html",
            {"case": case, "message": str(exc)},
            status=410,
        )
    name = _SAFE_NAME.sub("_", evidence.original_name).strip("._") or "evidence"
    response = HttpResponse(
        content, content_type=evidence.content_type or "application/octet-stream"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "no-store"
    return response


@require("cases.handle")
def evidence_flag(request, reference, evidence_ref):
    case, evidence = _evidence(request, reference, evidence_ref)
    if (early := _post_only(request, case)) is not None:
        return early
    form = forms.FlagForm(request.POST)
    if form.is_valid():
        try:
            services.evidence_flag_indecent(
                evidence=evidence, user=request.user, **form.cleaned_data
            )
        except services.CaseworkError as exc:
            return _render_detail(request, case, status=400, error=str(exc))
        messages.success(
            request,
            "The file has been destroyed; only its hash and description remain. "
            "“Contact the police now” is raised.",
        )
        if not can_view_case(request.user, case):
            return redirect("casework:case_list")
        return redirect("casework:case_detail", reference=case.reference)
    return _render_detail(request, case, status=400, error="Say where the original is now")


@require("cases.export")
def case_export(request, reference):
    from . import export_views  # the report and bundle live in casework/export.py

    return export_views.case_export(request, reference)


# ---------------------------------------------------------------- dashboard and low-level concerns


# Bar charts are drawn as SVG with attributes only (the CSP allows no inline styles), in a
# 720-unit-wide view box that scales to the page; text is 15 units, rows 32 apart.
CHART_WIDTH, CHART_LABEL_WIDTH, CHART_BAR_SPACE, CHART_ROW = 720, 270, 360, 32
BLUE, GREEN, RED = "#1d70b8", "#00703c", "#d4351c"


def _chart(
    title: str, rows: list[tuple[str, float, str]], unit: str = "", marker: float | None = None
) -> dict:
    """A horizontal bar chart: rows of (label, value, colour); `marker` draws a dashed line at
    that value (a deadline)."""
    top = max([value for _, value, _ in rows] + [marker or 0]) or 1
    bars = []
    for i, (label, value, colour) in enumerate(rows):
        width = round(CHART_BAR_SPACE * value / top)
        bars.append({
            "label": label, "value": value, "text": f"{value:g}{unit}", "colour": colour,
            "width": width, "y": i * CHART_ROW + 6, "text_y": i * CHART_ROW + 22,
            "value_x": CHART_LABEL_WIDTH + width + 8,
        })  # fmt: skip
    return {
        "title": title, "bars": bars, "unit": unit, "width": CHART_WIDTH,
        "height": len(rows) * CHART_ROW + 12, "bar_x": CHART_LABEL_WIDTH,
        "marker_x": None if marker is None else CHART_LABEL_WIDTH + round(CHART_BAR_SPACE * marker / top),
    }  # fmt: skip


def _month_key(moment) -> str:
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{local.year:04d}-{local.month:02d}"


def calendar_months(now, count: int = 12) -> list[str]:
    """The last `count` calendar months ("YYYY-MM", oldest first) ending with the month of `now`,
    in the school's time zone — exact month arithmetic, not 31-day steps."""
    local = timezone.localtime(now) if timezone.is_aware(now) else now
    year, month = local.year, local.month
    keys = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return keys[::-1]


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{_MONTH_NAMES[int(month) - 1]} {year}"


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@require("cases.dashboard")
def dashboard(request):
    now = clock.now()
    pack = get_pack()
    form = reports.PeriodForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    figures = reports.dashboard_figures(
        request.user, data, calendar_months(reports.period_end(data, now))
    )
    shown = [a.case.reference for a in figures["overdue"]]
    shown += [c["reference"] for c in figures["triaged"]]
    audit_list_view(
        object_type="casework.case", ids=list(dict.fromkeys(shown)), page="case dashboard"
    )
    labels = {cid: cat.label for cid, cat in pack.categories.items()}
    triage_hours = pack.deadline_hours("triage")
    triage_rows = []
    for case in figures["triaged"]:
        hours = round((case["triaged_at"] - case["created_at"]).total_seconds() / 3600, 1)
        triage_rows.append((case["reference"], hours, RED if hours > triage_hours else GREEN))
    return render(request, "casework/dashboard.html", {
        "form": form,
        "open_chart": _chart("Open cases by category", [
            (labels.get(key, key), count, BLUE) for key, count in figures["open_by_category"]
        ]),
        "overdue": figures["overdue"],
        "overdue_total": figures["overdue_total"],
        "triage_chart": _chart(
            f"Hours from report to triage for the last {len(triage_rows)} cases triaged, against the "
            f"{triage_hours}-hour deadline (dashed line); red bars missed it",
            triage_rows, unit=" h", marker=triage_hours,
        ),
        "triage_deadline": triage_hours,
        "month_chart": _chart("Cases reported in each of the twelve months", [
            (_month_label(key), count, BLUE) for key, count in figures["months"]
        ]),
        "can_report": has_capability(request.user, "cases.governors_report"),
        "now": now,
    }, status=400 if form.errors else 200)  # fmt: skip


def _governors_report(request, kind: str):
    form = reports.PeriodForm(request.GET)
    if not form.is_valid():
        return form, None
    report = reports.governors_report(request.user, form.cleaned_data)
    audit_record(
        action="case.governors_report",
        object_type="casework.case",
        object_id="governors report",
        detail={"format": kind, "filters": {k: str(v) for k, v in form.cleaned_data.items() if v}},
    )
    return form, report


@require("cases.governors_report")
def governors_report(request):
    form, report = _governors_report(request, "page")
    return render(
        request,
        "casework/governors_report.html",
        {"form": form, "report": report},
        status=400 if form.errors else 200,
    )


@require("cases.governors_report")
def governors_report_pdf(request):
    import weasyprint
    from django.template.loader import render_to_string

    form, report = _governors_report(request, "pdf")
    if report is None:
        return render(
            request, "casework/governors_report.html", {"form": form, "report": None}, status=400
        )
    html = render_to_string(
        "casework/governors_report_pdf.html",
        {"report": report, "school_name": get_pack().school_name, "generated_at": clock.now()},
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="governors-report.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _low_level_cases(user):
    return visible_cases(user).filter(staff_concern_level="low_level")


@require("cases.low_level")
def low_level_index(request):
    counts = Counter()
    people = {}
    for party in (
        CaseParty.objects.filter(
            case__in=_low_level_cases(request.user), part="alleged_perpetrator"
        )
        .exclude(person=None)
        .select_related("person")
    ):
        counts[party.person_id] += 1
        people[party.person_id] = party.person
    rows = [
        {"person": people[pid], "count": n, "pattern": n >= 2} for pid, n in counts.most_common()
    ]
    audit_list_view(
        object_type="people.person",
        ids=[r["person"].external_id for r in rows],
        page="low-level concerns",
    )
    return render(request, "casework/low_level_index.html", {"rows": rows})


@require("cases.low_level")
def low_level_person(request, external_id):
    person = Person.objects.filter(external_id=external_id).first()
    if person is None:
        raise Http404
    cases = (
        _low_level_cases(request.user)
        .filter(parties__person=person, parties__part="alleged_perpetrator")
        .distinct()
        .order_by("created_at")
    )
    audit_view(obj=person, detail={"view": "low-level concerns pattern"})
    return render(
        request,
        "casework/low_level_person.html",
        {"person": person, "cases": cases, "categories": get_pack().categories},
    )
