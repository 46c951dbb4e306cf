from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from socialguard.audit.services import audit_list_view, audit_view
from socialguard.people.models import Person
from socialguard.people.permissions import get_object_for_user, has_capability, require, user_person
from socialguard.web.registry import HomeItem, register_home, register_nav

from . import permissions, services
from .forms import DeclarationForm, ExceptionDecisionForm, ExceptionRequestForm, TrainingRecordForm
from .models import Declaration, ExceptionRequest
from .packdata import declarations_pack

register_nav("My declaration", "declaration_mine", "declarations.declare", order=60)
register_nav("Exceptions", "exception_list", "declarations.exceptions", order=62)
register_nav("Training records", "training_overview", "declarations.training", order=64)

STATUS_TAGS = {
    "current": ("Up to date", "done"),
    "due": ("Due", "pending"),
    "overdue": ("Overdue", "overdue"),
}
TRAINING_TAGS = {
    "current": ("Current", "green"),
    "expiring": ("Expiring", "yellow"),
    "expired": ("Expired", "red"),
    "missing": ("Missing", "grey"),
}
EXCEPTION_TAGS = {
    "pending": ("Waiting for a decision", "pending"),
    "approved": ("Approved", "approved"),
    "refused": ("Refused", "rejected"),
    "expired": ("Expired", "overdue"),
}

STATUS_HEAD = ["Name", "Status", "Due by", "Declaration"]
EXCEPTION_HEAD = ["Request", "What", "Platform", "Until", "Status"]


def _me(request):
    return user_person(request.user)


def _apply_error(form, exc: services.DeclarationsError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# ---- declarations ----


@require("declarations.declare")
def declaration_mine(request):
    me = _me(request)
    if me is None:
        return render(request, "declarations/no_person.html", status=404)
    status = services.declaration_status(person=me)
    training = []
    for kind in declarations_pack().training_kinds.values():
        record = me.training_records.filter(kind=kind.id).first()  # newest expiry first
        if record is not None:
            text, colour = TRAINING_TAGS[services.training_status(person=me, kind=kind.id)]
            training.append({"record": record, "label": kind.label, "text": text, "colour": colour})
    return render(
        request,
        "declarations/mine.html",
        {
            "status": status,
            "tag": STATUS_TAGS[status.state],
            "history": me.declarations.all()[:10],
            "training": training,
            "has_team": Person.objects.filter(line_manager=me, is_active=True).exists(),
        },
    )


@require("declarations.declare")
def declaration_new(request):
    me = _me(request)
    if me is None:
        return render(request, "declarations/no_person.html", status=404)
    form = DeclarationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            declaration = services.declaration_submit(person=me, answers=form.cleaned_data)
        except services.DeclarationsError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, "Thank you. Your declaration is recorded.")
            return redirect("declaration_detail", declaration_id=declaration.pk)
    return render(request, "declarations/new.html", {"form": form})


def _answer_rows(declaration, items):
    rows = []
    for answer in declaration.answers.select_related("exception"):
        item = items.get(answer.item_id)
        rows.append({"answer": answer, "item": item})
    return rows


@require("declarations.declare")
def declaration_detail(request, declaration_id):
    declaration = get_object_for_user(
        request.user, Declaration.objects.select_related("person"), pk=declaration_id
    )
    audit_view(obj=declaration)
    is_own = _me(request).pk == declaration.person_id
    if is_own:
        services.declaration_guidance_shown(declaration=declaration)
    items = {i.id: i for i in declarations_pack().items}
    rows = _answer_rows(declaration, items)
    return render(
        request,
        "declarations/detail.html",
        {
            "declaration": declaration,
            "rows": rows,
            "concerns": [r for r in rows if r["answer"].outcome == "concern"],
            "is_own": is_own,
            "report_url": services.report_url(),
        },
    )


def _status_rows(pairs):
    rows = []
    for person, status in pairs:
        text, tag = STATUS_TAGS[status.state]
        latest = (
            {"text": "View", "href": reverse("declaration_detail", args=[status.latest.pk])}
            if status.latest
            else "Not yet completed"
        )
        rows.append(
            [
                person.full_name,
                {"text": text, "status": tag},
                status.due_at.strftime("%-d %b %Y"),
                latest,
            ]
        )
    return rows


@require("declarations.declare")
def declaration_team(request):
    me = _me(request)
    pairs = [
        (p, s) for p, s in services.declaration_statuses() if me and p.line_manager_id == me.pk
    ]
    audit_list_view(
        object_type="people.person", ids=[p.pk for p, _ in pairs], page="declarations team"
    )
    return render(
        request, "declarations/team.html", {"head": STATUS_HEAD, "rows": _status_rows(pairs)}
    )


@require("declarations.overview")
def declaration_overview(request):
    pairs = services.declaration_statuses()
    overdue = sum(1 for _, s in pairs if s.state == "overdue")
    audit_list_view(
        object_type="people.person", ids=[p.pk for p, _ in pairs], page="declarations overview"
    )
    return render(
        request,
        "declarations/overview.html",
        {"head": STATUS_HEAD, "rows": _status_rows(pairs), "overdue": overdue, "total": len(pairs)},
    )


# ---- exceptions (PERS-8) ----


def _exception_row(exception, with_requester):
    text, tag = EXCEPTION_TAGS[services.exception_state(exception)]
    kinds = declarations_pack().exception_kinds
    row = [
        {"text": f"#{exception.pk}", "href": reverse("exception_detail", args=[exception.pk])},
        kinds[exception.kind].label if exception.kind in kinds else exception.kind,
        exception.platform,
        exception.until.strftime("%-d %b %Y"),
        {"text": text, "status": tag},
    ]
    if with_requester:
        row.insert(1, exception.requester.full_name)
    return row


@require("declarations.exceptions")
def exception_list(request):
    me = _me(request)
    mine = ExceptionRequest.objects.filter(requester=me) if me else ExceptionRequest.objects.none()
    can_decide = has_capability(request.user, "declarations.exceptions.decide")
    register = list(ExceptionRequest.objects.select_related("requester")) if can_decide else []
    if register:
        audit_list_view(
            object_type="declarations.exceptionrequest",
            ids=[e.pk for e in register],
            page="exceptions register",
        )
    return render(
        request,
        "declarations/exceptions.html",
        {
            "mine_head": EXCEPTION_HEAD,
            "register_head": [EXCEPTION_HEAD[0], "Asked by", *EXCEPTION_HEAD[1:]],
            "mine": [_exception_row(e, False) for e in mine],
            "can_decide": can_decide,
            "pending_count": services.exceptions_pending_for(request.user).count(),
            "register": [_exception_row(e, True) for e in register],
            "can_request": me is not None,
        },
    )


@require("declarations.exceptions")
def exception_new(request):
    me = _me(request)
    if me is None:
        return render(request, "declarations/no_person.html", status=404)
    form = ExceptionRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            exception = services.exception_request(requester=me, **form.cleaned_data)
        except services.DeclarationsError as exc:
            _apply_error(form, exc)
        else:
            messages.success(
                request, f"Your request #{exception.pk} has been sent to school leadership."
            )
            return redirect("exception_detail", exception_id=exception.pk)
    return render(request, "declarations/exception_new.html", {"form": form})


@require("declarations.exceptions")
def exception_detail(request, exception_id):
    exception = get_object_for_user(
        request.user,
        ExceptionRequest.objects.select_related("requester", "decided_by"),
        pk=exception_id,
    )
    can_decide = (
        services.can_decide_exception(request.user, exception)
        and exception.status == ExceptionRequest.PENDING
    )
    form = (
        ExceptionDecisionForm(request.POST if request.method == "POST" else None)
        if can_decide
        else None
    )
    if request.method == "POST":
        if form is None:
            messages.error(request, "You cannot decide this request.")
            return redirect("exception_detail", exception_id=exception.pk)
        if form.is_valid():
            try:
                services.exception_decide(
                    exception=exception,
                    user=request.user,
                    approve=form.cleaned_data["decision"] == "approve",
                    reason=form.cleaned_data["reason"],
                )
            except services.DeclarationsError as exc:
                _apply_error(form, exc)
            else:
                messages.success(
                    request, "Your decision is recorded and the member of staff has been told."
                )
                return redirect("exception_detail", exception_id=exception.pk)
    audit_view(obj=exception)
    kinds = declarations_pack().exception_kinds
    state = services.exception_state(exception)
    return render(
        request,
        "declarations/exception_detail.html",
        {
            "exception": exception,
            "kind_label": kinds[exception.kind].label
            if exception.kind in kinds
            else exception.kind,
            "tag": EXCEPTION_TAGS[state],
            "form": form,
            "own_request": _me(request) is not None and _me(request).pk == exception.requester_id,
        },
    )


# ---- training (PAR-6) ----


@require("declarations.training")
def training_overview(request):
    rows = []
    for row in services.training_overview():
        text, colour = TRAINING_TAGS[row.status]
        rows.append(
            {
                "person": row.person,
                "kind": row.kind,
                "text": text,
                "colour": colour,
                "record": row.record,
            }
        )
    audit_list_view(
        object_type="people.person",
        ids=sorted({r["person"].external_id for r in rows}),
        page="training records",
    )
    return render(request, "declarations/training.html", {"rows": rows})


@require("declarations.training")
def training_new(request):
    kinds = services.recordable_kinds(request.user)
    initial = {k: request.GET[k] for k in ("person", "kind") if k in request.GET}
    form = TrainingRecordForm(
        request.POST if request.method == "POST" else None, kinds=kinds, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        person = Person.objects.get(external_id=data.pop("person"))
        try:
            services.training_record(person=person, recorded_by=request.user, **data)
        except services.DeclarationsError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, f"Training recorded for {person.full_name}.")
            return redirect("training_overview")
    return render(request, "declarations/training_new.html", {"form": form})


# ---- home ----


@register_home
def home_items(request):
    items = []
    user = request.user
    me = _me(request)
    if me is not None and has_capability(user, "declarations.declare"):
        status = services.declaration_status(person=me)
        if status.state != "current":
            items.append(
                HomeItem(
                    title="Complete your personal social media declaration"
                    if status.state == "due"
                    else "Your personal social media declaration is overdue",
                    url=reverse("declaration_new"),
                    description=f"Due by {status.due_at.strftime('%-d %B %Y')}. It takes about five minutes.",
                    urgent=status.state == "overdue",
                )
            )
    if has_capability(user, "declarations.overview"):
        overdue = sum(1 for _, s in services.declaration_statuses() if s.state == "overdue")
        if overdue:
            items.append(
                HomeItem(
                    title="Overdue personal social media declarations",
                    url=reverse("declaration_overview"),
                    description="Members of staff whose annual declaration has passed its review date.",
                    count=overdue,
                )
            )
        attention = sum(1 for r in services.training_overview() if r.status != "current")
        if attention:
            items.append(
                HomeItem(
                    title="Training expiring, expired or missing",
                    url=reverse("training_overview"),
                    description="Designated officers and safeguarding roles whose training needs booking.",
                    count=attention,
                )
            )
    pending = services.exceptions_pending_for(user).count()
    if pending:
        items.append(
            HomeItem(
                title="Exception requests waiting for your decision",
                url=reverse("exception_list"),
                description="Staff asking to use school contact details for a social media account (PERS-8).",
                count=pending,
            )
        )
    return items


__all__ = ["permissions"]
