"""{% urgent_banner case %}: the urgent banner of a case page, with the out-of-hours contact."""

from django import template

from socialguard.casework import urgency

register = template.Library()


@register.inclusion_tag("casework/_urgent_banner.html")
def urgent_banner(case):
    if not case.urgent:
        return {"case": case}
    return {"case": case, "contact": urgency.out_of_hours(), "every": urgency.every_text()}
