"""Who is acting and in which request: set by middleware, read by the audit trail."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditContext:
    actor_id: int | None = None
    actor_label: str = "system"
    request_id: str = ""


_current: ContextVar[AuditContext] = ContextVar("socialguard_audit_context", default=AuditContext())  # noqa: B039 (frozen, immutable)


def current() -> AuditContext:
    return _current.get()


def set_context(context: AuditContext):
    return _current.set(context)


def reset_context(token) -> None:
    _current.reset(token)
