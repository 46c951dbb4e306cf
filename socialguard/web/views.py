from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render

from .registry import HOME_PROVIDERS


@login_required
def home(request):
    items = []
    for provider in HOME_PROVIDERS:
        items.extend(provider(request))
    items.sort(key=lambda item: not item.urgent)
    return render(request, "web/home.html", {"items": items})


def healthz(request):
    return JsonResponse({"status": "ok"})


def csrf_failure(request, reason=""):
    return render(request, "csrf_failure.html", status=403)
