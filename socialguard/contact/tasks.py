"""Periodic work of the contact area: reply reminders and escalations (PRIN-h), and school
mobiles not returned after their trip (PAR-5, OFF-4)."""

from socialguard.web.schedule import register_sweep

from .services import flag_unreturned_phones, parent_messages_sweep


@register_sweep
def contact_sweep(now) -> int:
    return parent_messages_sweep(now) + flag_unreturned_phones(now)
