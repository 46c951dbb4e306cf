from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from socialguard.people.permissions import has_capability, require
from socialguard.web.registry import HomeItem, register_home, register_nav

from . import services
from .models import PolicyVersion
from .pack import get_pack

register_nav("Policy", "policy", "policy.read", order=10)


@require("policy.read")
def policy_page(request):
    pack = get_pack()
    version = services.policy_version_current(pack=pack)
    return render(
        request,
        "policy/policy.html",
        {
            "pack": pack,
            "version": version,
            "acknowledged": services.has_acknowledged(request.user, version),
            "can_see_acknowledgements": has_capability(request.user, "policy.acknowledgements"),
        },
    )


@require("policy.read")
@require_POST
def policy_acknowledge(request):
    version = services.policy_version_current()
    if request.POST.get("version") != version.content_hash:
        messages.error(
            request,
            "The policy changed while you were reading it. Please read the new version and acknowledge it.",
        )
        return redirect("policy")
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm you have read and understood the policy.")
        return redirect(reverse("policy") + "#acknowledge")
    services.policy_acknowledge(user=request.user, version=version)
    messages.success(request, "Thank you. Your acknowledgement of the policy is recorded.")
    return redirect("home")


@require("policy.acknowledgements")
def acknowledgements(request, version_id=None):
    current = services.policy_version_current()
    version = get_object_or_404(PolicyVersion, pk=version_id) if version_id else current
    rows = services.acknowledgement_status(version)
    done = sum(1 for r in rows if r["acknowledged_at"])
    return render(
        request,
        "policy/acknowledgements.html",
        {
            "version": version,
            "current": current,
            "rows": rows,
            "done": done,
            "outstanding": len(rows) - done,
            "versions": PolicyVersion.objects.all(),
        },
    )


@require("policy.acknowledgements")
@require_POST
def acknowledgement_reminders(request, version_id):
    version = get_object_or_404(PolicyVersion, pk=version_id)
    count = services.policy_remind(version=version, sent_by=request.user)
    messages.success(request, f"Reminder sent to {count} {'person' if count == 1 else 'people'}.")
    return redirect("policy_acknowledgements_version", version_id=version.pk)


@register_home
def home_items(request):
    items = []
    version = services.policy_version_current()
    if not services.has_acknowledged(request.user, version):
        items.append(
            HomeItem(
                title="Read and acknowledge the Social Media Policy",
                url=reverse("policy"),
                description="Everyone must acknowledge the current version. It takes about ten minutes.",
                urgent=True,
            )
        )
    if has_capability(request.user, "policy.acknowledgements"):
        rows = services.acknowledgement_status(version)
        outstanding = sum(1 for r in rows if r["acknowledged_at"] is None)
        if outstanding:
            items.append(
                HomeItem(
                    title="People who have not acknowledged the policy",
                    url=reverse("policy_acknowledgements"),
                    description="Send them a reminder.",
                    count=outstanding,
                )
            )
    return items
