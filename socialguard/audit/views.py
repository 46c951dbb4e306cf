import logging

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render

from socialguard.people.permissions import require
from socialguard.policy.trace import enforces
from socialguard.web.registry import register_nav

from .checkpoints import checkpoint_write
from .models import AuditEvent
from .services import audit_list_view, audit_verify
from .visibility import TrailVisibility

logger = logging.getLogger("socialguard.audit")
register_nav("Audit trail", "audit", "audit.view", order=90)


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Who (username)", required=False, max_length=150)
    action = forms.CharField(
        label="Action",
        required=False,
        max_length=100,
        help_text="For example view, create, auth.sign_in",
    )
    object_type = forms.CharField(
        label="Record type", required=False, max_length=100, help_text="For example people.person"
    )
    date_from = forms.DateField(
        label="From (date)",
        required=False,
        help_text="For example 2026-11-01",
        error_messages={"invalid": "The ‘From’ date must be a real date, like 2026-11-01"},
    )
    date_to = forms.DateField(
        label="To (date)",
        required=False,
        error_messages={"invalid": "The ‘To’ date must be a real date, like 2026-11-30"},
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The ‘To’ date must be the same as or after the ‘From’ date")
        return data


@enforces("PRIN-a")
@require("audit.view")
def audit_trail(request):
    """The trail, filtered, showing only events about records this user may see.

    "Check the chain" walks the whole chain and lists every problem it finds."""
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.order_by("-id")
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            events = events.filter(actor_label__iexact=data["actor"])
        if data["action"]:
            events = events.filter(action__istartswith=data["action"])
        if data["object_type"]:
            events = events.filter(object_type__iexact=data["object_type"])
        if data["date_from"]:
            events = events.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(created_at__date__lte=data["date_to"])
    visibility = TrailVisibility(request.user)
    page = Paginator(visibility.restrict(events), 50).get_page(request.GET.get("page"))
    rows = visibility.check_page(page.object_list)
    audit_list_view(
        object_type="audit.auditevent",
        ids=[e.id for e in rows],
        page="audit trail",
        detail={"filters": {k: v for k, v in request.GET.items() if k != "page" and v}},
    )
    verified = request.GET.get("verify") == "1"
    report = audit_verify() if verified else None
    if report is not None and report.intact:
        try:
            checkpoint_write(by="audit page")
        except OSError:  # the check itself stands; the next sweep writes one
            logger.exception("could not write an audit checkpoint")
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("verify", None)
    return render(
        request,
        "audit/trail.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "verified": verified,
            "report": report,
            "query": query.urlencode(),
        },
    )
