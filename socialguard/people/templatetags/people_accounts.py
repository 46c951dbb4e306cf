"""Sign-in panels shown on pages other helpers own (a person's page, an import's result), so
those views need no change: each tag decides for itself whether the viewer may see it."""

from django import template

from socialguard.people import accounts
from socialguard.people.permissions import can_manage_accounts, has_capability
from socialguard.policy.pack import get_pack

register = template.Library()


@register.inclusion_tag("people/_account_summary.html", takes_context=True)
def account_summary(context, person):
    user = context["request"].user
    if not can_manage_accounts(user):
        return {"show": False}
    if person.user_id is None and not set(person.role_ids) & get_pack().account_roles():
        return {"show": False}  # pupils and parents never sign in
    return {"show": True, "person": person, "status": accounts.account_status(person)}


@register.inclusion_tag("people/_bulk_invite_offer.html", takes_context=True)
def bulk_invite_offer(context, job):
    user = context["request"].user
    if job.state != "done" or not (
        can_manage_accounts(user) and has_capability(user, "people.import")
    ):
        return {"count": 0}
    may, _ = accounts.invite_candidates(
        external_ids=accounts.import_job_external_ids(job), actor=user
    )
    return {"count": len(may), "job": job}
