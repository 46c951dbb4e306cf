"""Periodic reminders: declarations before their review date, training before it expires."""

from socialguard.web.schedule import register_sweep

from . import services


@register_sweep
def declarations_sweep(now) -> int:
    return services.declaration_reminders_send(now) + services.training_reminders_send(now)
