from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render

from .context_processors import nav_entries_for
from .registry import HOME_PROVIDERS, SECTIONS


@login_required
def home(request):
    items = []
    for provider in HOME_PROVIDERS:
        items.extend(provider(request))
    items.sort(key=lambda item: not item.urgent)
    return render(request, "web/home.html", {"items": items})


@login_required
def menu(request):
    order = {label: i for i, (_, label) in enumerate(SECTIONS)}
    entries = sorted(
        nav_entries_for(request.user), key=lambda e: order.get(e["section"], len(order))
    )
    sections = [(name, list(group)) for name, group in groupby(entries, key=lambda e: e["section"])]
    return render(request, "web/menu.html", {"sections": sections})


def healthz(request):
    return JsonResponse({"status": "ok"})


def csrf_failure(request, reason=""):
    return render(request, "csrf_failure.html", status=403)
