"""The product's URLs plus two views that fail with personal data to hand (test_logs_and_email)."""

import logging

from django.urls import include, path

logger = logging.getLogger("socialguard.casework")


def crash(request, external_id):
    raise ValueError(f"no consent for Amy Jones <amy.jones@parents.example.org> ({external_id})")


def logs_and_answers(request, external_id):
    from django.http import HttpResponse

    try:
        raise KeyError("amy.jones@parents.example.org")
    except KeyError:
        # As socialguard/api.py does for an unexpected error.
        logger.exception("API error on %s %s", request.method, request.path)
    return HttpResponse("ok")


urlpatterns = [
    path("log-test/<str:external_id>/crash/", crash, name="log_test_crash"),
    path("log-test/<str:external_id>/logged/", logs_and_answers, name="log_test_logged"),
    path("", include("socialguard.urls")),
]
