"""Who is acting and in which request: set by middleware, read by the audit trail."""

from contextvars import ContextVar
from dataclasses import dataclass, field, replace


@dataclass
class RequestLog:
    """What one request owes the audit trail after its own transaction is over.

    A refusal (403/404) is recorded even when the view's transaction rolls back: inside a
    transaction it waits here, and the middleware writes it once the response is made."""

    pending: list[dict] = field(default_factory=list)
    refusal_recorded: bool = False


@dataclass(frozen=True)
class AuditContext:
    actor_id: int | None = None
    actor_label: str = "system"
    request_id: str = ""
    # How the actor proved who they are, when not by the session: "sg_1a2b3c4" for an API token.
    token: str = ""
    request_log: RequestLog | None = None


_current: ContextVar[AuditContext] = ContextVar("socialguard_audit_context", default=AuditContext())  # noqa: B039 (frozen, immutable)


def current() -> AuditContext:
    return _current.get()


def set_context(context: AuditContext):
    return _current.set(context)


def reset_context(token) -> None:
    _current.reset(token)


def set_actor(user, *, token: str = "") -> None:
    """The request's actor became known late (API token auth runs inside the view): every event
    from here on carries that user, in the same request."""
    _current.set(replace(current(), actor_id=user.pk, actor_label=user.get_username(), token=token))
