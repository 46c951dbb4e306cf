"""The one clock SocialGuard reads. Tests move it to prove reminders and escalations fire."""

from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_frozen: list[datetime] = []


def now() -> datetime:
    return _frozen[-1] if _frozen else timezone.now()


@contextmanager
def frozen(moment: datetime):
    _frozen.append(moment)
    try:
        yield moment
    finally:
        _frozen.pop()
