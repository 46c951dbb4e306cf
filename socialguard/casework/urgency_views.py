"""Urgent cases: the Acknowledge and "not urgent" buttons, and the home-page banner."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from socialguard.people.permissions import get_object_for_user, has_capability, require
from socialguard.web.registry import HomeItem, register_home

from . import services, urgency, views
from .models import Case


def _case(request, reference) -> Case:
    return get_object_for_user(request.user, Case.objects.all(), reference=reference)


def _refused(request, case, message):
    """Show the case page again, the error naming what was wrong (never a 500)."""
    return views._render_detail(request, case, status=400, error=message)


@require("cases.handle")
def case_acknowledge(request, reference):
    case = _case(request, reference)
    if request.method != "POST":
        return redirect("casework:case_detail", reference=case.reference)
    try:
        urgency.case_acknowledge(case=case, user=request.user)
    except services.CaseworkError as exc:
        return _refused(request, case, str(exc))
    messages.success(request, "Acknowledged: nobody else will be asked to pick this up")
    return redirect("casework:case_detail", reference=case.reference)


@require("cases.handle")
def case_not_urgent(request, reference):
    case = _case(request, reference)
    if request.method != "POST":
        return redirect("casework:case_detail", reference=case.reference)
    try:
        urgency.case_not_urgent(case=case, user=request.user, reason=request.POST.get("reason", ""))
    except services.CaseworkError as exc:
        return _refused(request, case, f"Why it is not urgent: {exc}")
    messages.success(request, "Marked as not urgent")
    return redirect("casework:case_detail", reference=case.reference)


@register_home
def urgent_home(request):
    """The banner on home: urgent concerns the person may open that nobody has acknowledged."""
    if not has_capability(request.user, "cases.handle"):
        return []
    waiting = list(
        urgency.urgent_unacknowledged(request.user).values_list("reference", flat=True)[:2]
    )
    if not waiting:
        return []
    count = urgency.urgent_unacknowledged(request.user).count()
    url = (
        reverse("casework:case_detail", kwargs={"reference": waiting[0]})
        if count == 1
        else reverse("casework:case_list") + "?urgency=urgent"
    )
    title = f"{count} urgent concern{'s' if count != 1 else ''} not yet acknowledged"
    return [
        HomeItem(
            title=title,
            url=url,
            description="Open it and press Acknowledge.",
            urgent=True,
            banner=True,
        )
    ]
