"""The JSON API at /api/v1/ (django-ninja). Each app adds its router here."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.utils.module_loading import import_string
from ninja import NinjaAPI, Router
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, django_auth

from socialguard.audit import context as audit_context
from socialguard.people.permissions import has_capability
from socialguard.people.services import api_token_check

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """Personal API tokens: `Authorization: Bearer sg_…`."""

    def authenticate(self, request, token):
        # Expiry, revocation and scope (people.services): refusals raise a 401/403 naming why.
        user = api_token_check(request, token)
        if user is not None:
            request.user = user
            # The middleware took the audit context before this ran: every event from here on
            # carries the token's user, and which token (its public prefix) was used.
            audit_context.set_actor(user, token=token[:10])
        return user


AUTH = [TokenAuth(), django_auth]


def require_capability(request, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise HttpError(403, "Your role does not allow this")


class JsonObjectParser(Parser):
    """A JSON body must be an object: `[]`, `"text"` or `null` are refused, not read as "no fields"."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return data


api = NinjaAPI(
    title="SocialGuard API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=AUTH,
    parser=JsonObjectParser(),
)


@api.exception_handler(HttpError)
def http_error(request, exc):
    detail = str(exc)
    if detail.startswith("Cannot parse request body"):  # raised by django-ninja itself
        detail = "body: send a JSON object, with the header Content-Type: application/json"
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(ValueError)
def value_error(request, exc):
    field = getattr(exc, "field", "")
    detail = str(exc)
    if field and not detail.startswith(f"{field}:"):
        detail = f"{field}: {detail}"
    return api.create_response(request, {"detail": detail}, status=400)


def _field_name(loc) -> str:
    """("body", "payload", "involved", 0, "part") -> "involved[0].part"; ("query", "limit") -> "limit"."""
    parts = list(loc[1:])
    if loc and loc[0] == "body" and len(parts) > 1:
        parts = parts[1:]  # the name of the view's body argument means nothing to a client
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    """Every error has a `detail` string that names the field; `errors` keeps the details."""
    messages = [f"{_field_name(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors]
    return api.create_response(
        request, {"detail": "; ".join(messages), "errors": exc.errors}, status=422
    )


@api.exception_handler(RequestDataTooBig)
def request_too_big(request, exc):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return api.create_response(
        request,
        {"detail": f"body: the request is larger than {limit // (1024 * 1024)} MB"},
        status=413,
    )


@api.exception_handler(MultiPartParserError)
def multipart_error(request, exc):
    return api.create_response(
        request,
        {"detail": "file: send the file as multipart/form-data, with its boundary in Content-Type"},
        status=400,
    )


@api.exception_handler(SuspiciousOperation)
def suspicious_request(request, exc):
    return api.create_response(request, {"detail": "The request could not be read"}, status=400)


@api.exception_handler(Exception)
def unexpected_error(request, exc):
    """A bug is logged for us and answered in JSON, never with a traceback (even with DEBUG on)."""
    logger.exception("API error on %s %s", request.method, request.path)
    return api.create_response(
        request,
        {"detail": "Something went wrong on our side: try again, or tell the school office"},
        status=500,
    )


def check_text(payload, max_lengths: dict[str, int], *, prefix: str = "") -> None:
    """Refuse, naming the field, text no database can store whole: over the column's length (never
    cut short silently), or holding a NUL or an unpaired surrogate (JSON "\\u0000", "\\ud800")."""
    for name, value in payload:
        if not isinstance(value, str):
            continue
        limit = max_lengths.get(name)
        if limit is not None and len(value) > limit:
            raise HttpError(400, f"{prefix}{name}: write at most {limit} characters")
        if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
            raise HttpError(400, f"{prefix}{name}: contains characters that cannot be stored")


MAX_OFFSET = 1_000_000


def page_bounds(limit: int, offset: int, max_limit: int = 500) -> tuple[int, int]:
    """(start, stop) for a list page, refusing offsets a database cannot take."""
    if not 0 <= offset <= MAX_OFFSET:
        raise HttpError(400, f"offset: give a number from 0 to {MAX_OFFSET}")
    if not 1 <= limit <= max_limit:
        raise HttpError(400, f"limit: give a number from 1 to {max_limit}")
    return offset, offset + limit


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


# Mounted last: any other address under /api/v1/ answers 404 in JSON, not with the HTML page.
unknown_router = Router()


@unknown_router.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def unknown_address(request, rest: str):
    raise HttpError(404, "Not found: there is no such address in the API (see /api/v1/docs)")


def _mount_routers():
    for prefix, dotted in ROUTERS:
        api.add_router(prefix, import_string(dotted))
    api.add_router("", unknown_router)
