import logging
import secrets

from socialguard.audit import context as audit_context

logger = logging.getLogger("socialguard.request")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class RequestIdMiddleware:
    """Every request gets an id, echoed in a header and written on its audit events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = secrets.token_hex(8)
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class SecurityHeadersMiddleware:
    """Strict CSP (no inline script or style anywhere), permissions policy, no caching of pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            response.setdefault("Cache-Control", "no-store")
        return response


class AuditContextMiddleware:
    """Tells the audit trail who is acting in this request, and records refused attempts.

    An API token's user is only known inside the view (TokenAuth sets it with
    `audit_context.set_actor`). A 403, or a 404 from a view, is recorded as `access.refused`
    unless something more specific was; refusals made inside a transaction that rolls back
    are written here, after the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from socialguard.audit import services as audit_services

        user = getattr(request, "user", None)
        request_id = getattr(request, "request_id", "")
        log = audit_context.RequestLog()
        if user is not None and user.is_authenticated:
            ctx = audit_context.AuditContext(
                user.pk, user.get_username(), request_id, request_log=log
            )
        else:
            ctx = audit_context.AuditContext(None, "anonymous", request_id, request_log=log)
        token = audit_context.set_context(ctx)
        try:
            response = self.get_response(request)
            if not request.path.startswith("/static/"):
                try:
                    audit_services.audit_refused_response(request, response)
                except Exception:  # the response is made: an audit failure is logged, not a 500
                    logger.exception("could not record a refused access")
            return response
        finally:
            audit_services.flush_refusals()
            audit_context.reset_context(token)
