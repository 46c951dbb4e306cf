"""Monitoring pages (MON-1, MON-2): thin views over flags, warrants, identities and ingest.

Each view: permission → form → service → render or redirect. Refusals name the field (the
services' `field`); a record the viewer may not open is a 404, audited."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from socialguard.audit.services import audit_list_view, audit_refusal, audit_view
from socialguard.casework import services as casework
from socialguard.people.permissions import can_view_object, require, user_person, user_roles
from socialguard.web.registry import HomeItem, register_home, register_nav

from . import flags as flagging
from . import identities, warrants
from .forms import (
    DecideForm,
    EscalateForm,
    ExclusionForm,
    ReviewForm,
    RevokeForm,
    SearchForm,
    UploadForm,
    WarrantRequestForm,
)
from .ingest import IngestError, ingest_file
from .models import Exclusion, Flag, Warrant
from .packdata import monitoring_pack
from .permissions import may_open_warrant, may_search, visible_flags

register_nav("Monitoring", "monitoring:index", "monitoring.flags", order=60)
register_nav("Monitoring warrants", "monitoring:warrants", "monitoring.warrants", order=61)
register_nav("Unresolved identities", "monitoring:identities", "monitoring.identities", order=62)

PER_PAGE = 50


def _label(category: str) -> str:
    config = monitoring_pack()
    return config.categories[category].label if category in config.categories else category


def _service_error(form, exc) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))


@require("monitoring.flags")
def index(request):
    shown, hidden = visible_flags(request.user, Flag.objects.order_by("-time", "-pk"))
    page = Paginator(list(shown), PER_PAGE).get_page(request.GET.get("page"))
    for flag in page.object_list:
        flag.label = _label(flag.category)
    audit_list_view(
        object_type="monitoring.flag", ids=[f.pk for f in page.object_list], page="monitoring"
    )
    counts = sorted(((_label(c), n) for c, n in hidden.items()), key=lambda r: r[0])
    return render(request, "monitoring/index.html", {
        "funnel": flagging.funnel(), "page": page, "hidden_counts": counts,
        "config": monitoring_pack(),
    })  # fmt: skip


def _flag_for(request, flag_id) -> Flag:
    shown, _ = visible_flags(request.user, Flag.objects.filter(pk=flag_id))
    if not shown:
        audit_refusal(object_type="monitoring.flag", object_id=str(flag_id), detail={"status": 404})
        raise Http404
    return shown[0]


def _render_flag(request, flag, review=None, escalate=None, status=200):
    audit_view(obj=flag)
    return render(request, "monitoring/flag.html", {
        "flag": flag, "label": _label(flag.category),
        "person": casework.person_label(flag.person) if flag.person else flag.identity or "Not yet known",
        "form": review or escalate,
        "review_form": review or ReviewForm(), "escalate_form": escalate or EscalateForm(),
    }, status=status)  # fmt: skip


@require("monitoring.flags")
def flag_detail(request, flag_id: int):
    return _render_flag(request, _flag_for(request, flag_id))


@require("monitoring.flags")
@require_http_methods(["GET", "POST"])
def flag_review(request, flag_id: int):
    flag = _flag_for(request, flag_id)
    if request.method != "POST":
        return redirect("monitoring:flag", flag_id=flag.pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            flagging.review(flag=flag, user=request.user, state=form.cleaned_data["state"],
                            reason=form.cleaned_data["reason"])  # fmt: skip
        except flagging.FlagError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, f"Flag marked {flag.get_state_display().lower()}.")
            return redirect("monitoring:flag", flag_id=flag.pk)
    return _render_flag(request, flag, review=form, status=400)


@require("monitoring.flags")
@require_http_methods(["GET", "POST"])
def flag_escalate(request, flag_id: int):
    flag = _flag_for(request, flag_id)
    if request.method != "POST":
        return redirect("monitoring:flag", flag_id=flag.pk)
    form = EscalateForm(request.POST)
    if form.is_valid():
        try:
            flagging.escalate(flag=flag, user=request.user, reporter=user_person(request.user),
                              note=form.cleaned_data["note"])  # fmt: skip
        except flagging.FlagError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, f"A concern was opened: case {flag.case_reference}.")
            return redirect("monitoring:flag", flag_id=flag.pk)
    return _render_flag(request, flag, escalate=form, status=400)


@require("monitoring.flags")
def exclusions(request):
    form, status = ExclusionForm(), 200
    if request.method == "POST":
        form = ExclusionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                flagging.exclusion_add(scope=data["scope"], value=data["value"], reason=data["reason"],
                                       user=request.user, category=data["category"], until=data["until"])  # fmt: skip
            except flagging.FlagError as exc:
                _service_error(form, exc)
            else:
                messages.success(request, "Exclusion added: it applies from the next log read.")
                return redirect("monitoring:exclusions")
        status = 400
    rows = Exclusion.objects.order_by("-created_at")[:200]
    return render(request, "monitoring/exclusions.html", {"form": form, "rows": rows, "labels": {
        c: cat.label for c, cat in monitoring_pack().categories.items()}}, status=status)  # fmt: skip


def _warrants_for(user):
    rows = Warrant.objects.select_related("case", "subject", "requested_by").order_by("-created_at")
    return [w for w in rows[:500] if may_open_warrant(user, w, can_view_object)]


@require("monitoring.warrants")
def warrant_list(request):
    rows = _warrants_for(request.user)
    audit_list_view(
        object_type="monitoring.warrant", ids=[w.pk for w in rows], page="monitoring warrants"
    )
    return render(
        request, "monitoring/warrants.html", {"rows": rows, "may_request": may_search(request.user)}
    )


@require("monitoring.warrants")
def warrant_new(request):
    if not may_search(request.user):
        audit_refusal(object_type="monitoring.warrant", detail={"status": 403, "page": "request"})
        raise PermissionDenied("monitoring: may not request a warrant")
    form, status = WarrantRequestForm(), 200
    if request.method == "POST":
        form, status = WarrantRequestForm(request.POST), 400
        if form.is_valid():
            warrant = _request_warrant(request, form)
            if warrant is not None:
                messages.success(
                    request,
                    f"Warrant {warrant.pk} asked for: the {warrant.approver_role} decides it.",
                )
                return redirect("monitoring:warrant", warrant_id=warrant.pk)
    return render(request, "monitoring/warrant_new.html", {"form": form}, status=status)


def _request_warrant(request, form):
    data = form.cleaned_data
    case = casework.Case.objects.filter(reference=data["case"].strip().upper()).first()
    if case is None or not can_view_object(request.user, case):
        form.add_error("case", "No case you may open has that reference")
        return None
    subject = identities.person_model().objects.filter(external_id=data["subject"].strip()).first()
    if subject is None:
        form.add_error("subject", "No one in the directory has that ID")
        return None
    try:
        return warrants.request(case=case, subject=subject, requester=user_person(request.user),
                                justification=data["justification"], sources=data["sources"],
                                date_from=data["date_from"], date_to=data["date_to"], days=data["days"])  # fmt: skip
    except warrants.WarrantError as exc:
        _service_error(form, exc)
        return None


def _warrant_for(request, warrant_id) -> Warrant:
    warrant = (
        Warrant.objects.select_related("case", "subject", "requested_by")
        .filter(pk=warrant_id)
        .first()
    )
    if warrant is None or not may_open_warrant(request.user, warrant, can_view_object):
        audit_refusal(
            object_type="monitoring.warrant", object_id=str(warrant_id), detail={"status": 404}
        )
        raise Http404
    return warrant


def _render_warrant(request, warrant, status=200, **forms_and_result):
    audit_view(obj=warrant)
    context = {
        "warrant": warrant, "subject": casework.person_label(warrant.subject),
        "requester": casework.person_label(warrant.requested_by),
        "decider": casework.person_label(warrant.decided_by) if warrant.decided_by else "",
        "may_decide": warrant.state == "pending" and warrant.approver_role in user_roles(request.user),
        "decide_form": DecideForm(), "revoke_form": RevokeForm(),
        "search_form": SearchForm(initial={"date_from": warrant.date_from, "date_to": warrant.date_to}),
        "searches": warrant.searches.order_by("-at")[:100],
    }  # fmt: skip
    context.update(forms_and_result)
    context["form"] = next((f for k, f in forms_and_result.items() if k.endswith("_form")), None)
    return render(request, "monitoring/warrant.html", context, status=status)


@require("monitoring.warrants")
def warrant_detail(request, warrant_id: int):
    return _render_warrant(request, _warrant_for(request, warrant_id))


@require("monitoring.warrants")
@require_http_methods(["GET", "POST"])
def warrant_decide(request, warrant_id: int):
    warrant = _warrant_for(request, warrant_id)
    if request.method != "POST":
        return redirect("monitoring:warrant", warrant_id=warrant.pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            warrants.decide(warrant=warrant, approver=user_person(request.user),
                            approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"])  # fmt: skip
        except warrants.WarrantError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, f"Warrant {warrant.get_state_display().lower()}.")
            return redirect("monitoring:warrant", warrant_id=warrant.pk)
    return _render_warrant(request, warrant, status=400, decide_form=form)


@require("monitoring.warrants")
@require_http_methods(["GET", "POST"])
def warrant_revoke(request, warrant_id: int):
    warrant = _warrant_for(request, warrant_id)
    if request.method != "POST":
        return redirect("monitoring:warrant", warrant_id=warrant.pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        if warrant.state in ("refused", "revoked"):
            form.add_error(None, f"This warrant is already {warrant.get_state_display().lower()}")
        else:
            try:
                warrants.revoke(
                    warrant=warrant,
                    by=user_person(request.user),
                    reason=form.cleaned_data["reason"],
                )
            except warrants.WarrantError as exc:
                _service_error(form, exc)
            else:
                messages.success(request, "Warrant revoked: no more searches under it.")
                return redirect("monitoring:warrant", warrant_id=warrant.pk)
    return _render_warrant(request, warrant, status=400, revoke_form=form)


@require("monitoring.warrants")
@require_http_methods(["GET", "POST"])
def warrant_search(request, warrant_id: int):
    warrant = _warrant_for(request, warrant_id)
    if request.method != "POST":
        return redirect("monitoring:warrant", warrant_id=warrant.pk)
    form = SearchForm(request.POST)
    if not form.is_valid():
        return _render_warrant(request, warrant, status=400, search_form=form)
    data = form.cleaned_data
    result = warrants.search(warrant=warrant, searcher=user_person(request.user), user=request.user,
                             person=warrant.subject, date_from=data["date_from"], date_to=data["date_to"],
                             sources=data["sources"] or None)  # fmt: skip
    return _render_warrant(request, warrant, search_form=form, result=result)


@require("monitoring.identities")
def identities_page(request):
    rows = identities.unresolved()[:500]
    audit_list_view(
        object_type="monitoring.identity", ids=[r.pk for r in rows], page="unresolved identities"
    )
    return render(request, "monitoring/identities.html", {"rows": rows})


@require("monitoring.flags")
def upload(request):
    form, status, result = UploadForm(), 200, None
    if request.method == "POST":
        form, status = UploadForm(request.POST, request.FILES), 400
        if form.is_valid():
            result = _ingest_upload(form)
            status = 200 if result else 400
    return render(
        request, "monitoring/upload.html", {"form": form, "result": result}, status=status
    )


def _ingest_upload(form):
    """Read while the person waits (small files only); the same ingest as the CLI."""
    upload_file = form.cleaned_data["file"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.log"
        with path.open("wb") as out:
            for chunk in upload_file.chunks():
                out.write(chunk)
        try:
            return ingest_file(path, form.cleaned_data["source"], name=Path(upload_file.name).name)
        except IngestError as exc:
            form.add_error("file", f"The file could not be read: {str(exc).split(': ', 1)[-1]}")
            return None


@register_home
def pending_warrants(request) -> list[HomeItem]:
    roles = user_roles(request.user)
    config = monitoring_pack()
    if not roles & {config.warrant_approver, config.warrant_fallback_approver}:
        return []
    me = user_person(request.user)
    rows = Warrant.objects.filter(state="pending", approver_role__in=roles)
    count = sum(1 for w in rows if me is None or me.pk not in (w.subject_id, w.requested_by_id))
    if not count:
        return []
    return [HomeItem(title="Monitoring warrants to decide", url=reverse("monitoring:warrants"),
                     description="A request to look at one person's internet or email use.", count=count)]  # fmt: skip
