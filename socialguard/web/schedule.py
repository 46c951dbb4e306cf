"""Periodic work (deadline sweeps, reminders, escalations) that the background worker runs.

Apps register a `sweep(now)` function; `socialguard serve` enqueues the sweep every minute and
`socialguard sweep` runs it once (for cron, or for a look at what it would do).
"""

import logging
from collections.abc import Callable

from socialguard import clock

logger = logging.getLogger("socialguard.sweep")
SWEEPS: list[Callable] = []


def register_sweep(func: Callable) -> Callable:
    if func not in SWEEPS:
        SWEEPS.append(func)
    return func


def run_sweeps(now=None) -> dict[str, int]:
    """Run every registered sweep; one failing sweep never stops the others."""
    from socialguard.audit.checkpoints import checkpoint_sweep

    now = now or clock.now()
    results = {}
    for sweep in [*SWEEPS, checkpoint_sweep]:  # last: the checkpoint anchors the sweep's events too
        name = f"{sweep.__module__}.{sweep.__name__}"
        try:
            results[name] = sweep(now) or 0
        except Exception:
            logger.exception("sweep %s failed", name)
            results[name] = -1
    return results


def load_sweeps() -> None:
    """Import each app's tasks module so its sweeps register themselves."""
    from importlib import import_module

    apps = ("people", "policy", "casework", "publishing", "consent", "contact", "declarations")
    for app in (*apps, "monitoring", "records"):
        try:
            import_module(f"socialguard.{app}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"socialguard.{app}.tasks":
                raise
