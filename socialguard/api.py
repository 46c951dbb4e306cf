"""The JSON API at /api/v1/ (django-ninja). Each app adds its router here."""

from django.utils.module_loading import import_string
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.security import HttpBearer, django_auth

from socialguard.people.permissions import has_capability
from socialguard.people.services import api_token_user


class TokenAuth(HttpBearer):
    """Personal API tokens: `Authorization: Bearer sg_…`."""

    def authenticate(self, request, token):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


AUTH = [TokenAuth(), django_auth]


def require_capability(request, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise HttpError(403, "Your role does not allow this")


api = NinjaAPI(
    title="SocialGuard API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=AUTH,
)


@api.exception_handler(ValueError)
def value_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


ROUTERS = [
    ("/people", "socialguard.people.api.router"),
    ("/policy", "socialguard.policy.api.router"),
    ("/cases", "socialguard.casework.api.router"),
    ("/publishing", "socialguard.publishing.api.router"),
    ("/checks", "socialguard.publishing.api.checks_router"),
    ("/consent", "socialguard.consent.api.router"),
    ("/checks", "socialguard.consent.api.checks_router"),
    ("/contact", "socialguard.contact.api.router"),
    ("/checks", "socialguard.contact.api.checks_router"),
    ("/declarations", "socialguard.declarations.api.router"),
]


def _mount_routers():
    for prefix, dotted in ROUTERS:
        api.add_router(prefix, import_string(dotted))
