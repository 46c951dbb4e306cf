from socialguard.web.schedule import register_sweep

from . import services


@register_sweep
def publishing_scheduled_posts(now) -> int:
    """Approved posts whose time has come, and retries after failures (with backoff)."""
    return services.publications_publish_due(now)


@register_sweep
def publishing_approval_deadlines(now) -> int:
    """Reminders before an approval is due; escalation to the Headteacher when overdue (PRIN-h)."""
    return services.approval_deadlines_sweep(now)


@register_sweep
def publishing_website_reviews(now) -> int:
    """The weekly email of overdue website page reviews (WEB-2), once per ISO week."""
    return services.website_review_digest(now)
