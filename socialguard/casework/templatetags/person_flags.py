"""Flag badges beside people's names on a case page, read for all of them in one query:
{% flags_for_parties parties as case_flags %} … {% person_flag_badges case_flags party.person_id %}."""

from django import template

from socialguard.casework import personflags

register = template.Library()


@register.simple_tag
def flags_for_parties(parties) -> dict:
    ids = {p.person_id for p in parties if p.person_id}
    return personflags.current_flags(ids) if ids else {}


@register.inclusion_tag("casework/_flag_badges.html")
def person_flag_badges(case_flags, person_id):
    return {"flags": case_flags.get(person_id, []) if person_id else []}
