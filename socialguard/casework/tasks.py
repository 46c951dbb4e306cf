from socialguard.web.schedule import register_sweep

from .services import deadlines_sweep, vault_orphans_sweep


@register_sweep
def casework_deadlines(now) -> int:
    """Reminders before due and escalations when overdue (PRIN-h, SLT-2)."""
    return deadlines_sweep(now)


@register_sweep
def casework_vault_orphans(now) -> int:
    """Remove evidence files whose transaction never committed, and ciphertext left after a shred."""
    return vault_orphans_sweep(now)
