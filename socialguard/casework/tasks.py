from socialguard.web.schedule import register_sweep

from .services import deadlines_sweep


@register_sweep
def casework_deadlines(now) -> int:
    """Reminders before due and escalations when overdue (PRIN-h, SLT-2)."""
    return deadlines_sweep(now)
