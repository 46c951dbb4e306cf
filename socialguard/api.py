"""The JSON API at /api/v1/ (django-ninja). Each app adds its router here."""

import logging
from datetime import datetime
from typing import Annotated

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.utils.module_loading import import_string
from ninja import NinjaAPI, Router
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, django_auth
from pydantic import BeforeValidator, ConfigDict

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


ERROR_RESPONSES = {
    "400": "The request was read but a field is wrong: `detail` names the field and why",
    "401": "No valid token or session: sign in, or send `Authorization: Bearer sg_…`",
    "403": "Your role, the token's scope or two-factor sign-in does not allow this",
    "404": "No such record, or not one you may see",
    "409": "The record is not in a state that allows this (for example: already done)",
    "413": "The request is larger than the server accepts",
    "422": "The body or a parameter does not match this schema: `detail` names each field",
    "429": "Too many requests: wait a moment and try again",
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What was wrong, naming the field"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["detail"],
}


class SocialGuardAPI(NinjaAPI):
    """The schema documents every error answer, in the one shape every error has (`detail`)."""

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_RESPONSES.items():
                    responses.setdefault(status, {"description": description, "content": error})
        return schema


def _date_time_as_text(value):
    if isinstance(value, int | float):  # pydantic would read 0 as 1970: the schema says text
        raise ValueError("give a date and time as text, for example 2026-12-01T09:00:00Z")
    return value


# A date and time in a body: ISO 8601 text only, as the schema says ("format": "date-time").
DateTimeText = Annotated[datetime, BeforeValidator(_date_time_as_text)]


def body_rules(
    *, required=(), choices=None, max_lengths=None, patterns=None, formats=None, one_of=()
) -> ConfigDict:
    """What a body must hold, as its schema tells clients. The fields keep their Python defaults,
    so that permission is checked (403) before the body is judged; the view then enforces these
    rules (check_text for lengths, its own checks for the rest) with a 400 naming the field.
    `choices` maps a field to its allowed values, or to a function giving them (from the pack);
    a required text field that must say something takes the pattern r"\S"; `one_of` lists
    fields of which at least one must be given (and say something)."""
    choices, max_lengths = choices or {}, max_lengths or {}
    patterns, formats = patterns or {}, formats or {}

    def extra(schema, cls):
        props = schema.get("properties", {})
        for name in required:
            prop = props[name]
            prop.pop("default", None)
            options = [o for o in prop.pop("anyOf", []) if o.get("type") != "null"]
            if options:
                prop.update(options[0])
        if required:
            schema["required"] = sorted(set(schema.get("required", [])) | set(required))
        for name, values in choices.items():
            props[name]["enum"] = list(values() if callable(values) else values)
        for name, limit in max_lengths.items():
            props[name]["maxLength"] = limit
        for name, pattern in patterns.items():
            props[name]["pattern"] = pattern  # e.g. r"\S": not empty, not only spaces
        if one_of:
            schema["anyOf"] = [
                {"required": [name], "properties": {name: {"pattern": r"\S"}}} for name in one_of
            ]
        for name, value in formats.items():
            target = props[name]["items"] if props[name].get("type") == "array" else props[name]
            target["format"] = value

    return ConfigDict(json_schema_extra=extra)


api = SocialGuardAPI(
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
    # A well-formed request the record's state refuses (for example CaseworkConflict) is a 409.
    return api.create_response(request, {"detail": detail}, status=getattr(exc, "http_status", 400))


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
