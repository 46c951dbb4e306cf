"""Authorisation, decided in one place.

Capabilities map to the policy pack's role IDs. Views, the API and the CLI all ask
`has_capability(user, "...")`; object-level "need to know" rules (a person named in a case
never sees it, PRIN-a) are registered per model with `register_object_rule` and asked with
`can_view_object`. Tests walk every URL as every role against this module.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from socialguard.policy.pack import get_pack

LEADERSHIP = frozenset({"headteacher", "proprietor"})
SAFEGUARDING_LEADS = frozenset({"headteacher", "dsl", "deputy_dsl"})
STAFF_ACCOUNT_ROLES = frozenset(
    {
        "headteacher",
        "dsl",
        "deputy_dsl",
        "dpl",
        "social_media_officer",
        "proprietor",
        "website_admin",
        "line_manager",
        "staff",
        "trainee_teacher",
        "contractor",
        "volunteer",
        "governor",
    }
)

# capability -> roles that hold it. "*" means anyone who can sign in.
CAPABILITIES: dict[str, frozenset[str] | str] = {
    "policy.read": "*",
    "policy.acknowledgements": LEADERSHIP,
    "people.view": frozenset({"headteacher", "dsl", "deputy_dsl", "dpl", "proprietor"}),
    "people.import": frozenset({"headteacher", "dpl"}),
    # Dates of birth and UPNs (collect and show the minimum): the safeguarding leads, who may need
    # them for a referral, and the Data Protection Lead, who keeps the records right. Everyone else
    # who may open the directory sees names, roles and year groups only.
    "people.identifiers": frozenset({"headteacher", "dsl", "deputy_dsl", "dpl"}),
    "audit.view": frozenset({"headteacher", "dpl"}),
    # Lifting a sign-in lockout (django-axes) before it runs out.
    "people.unlock": frozenset({"headteacher", "dpl"}),
    "api.tokens": "*",
}


def register_capability(name: str, roles: frozenset[str] | str) -> None:
    """Apps add their capabilities here at import time, so the table stays in one place."""
    CAPABILITIES[name] = roles


def user_roles(user) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_socialguard_roles", None)
    if cached is not None:
        return cached
    person = getattr(user, "person", None) if hasattr(user, "person") else None
    roles = frozenset(person.roles.values_list("role", flat=True)) if person else frozenset()
    roles = roles & get_pack().account_roles()
    user._socialguard_roles = roles
    return roles


def user_person(user):
    try:
        return user.person
    except Exception:  # RelatedObjectDoesNotExist: an account with no person record
        return None


def has_capability(user, capability: str) -> bool:
    roles = user_roles(user)
    if not roles:
        return False
    allowed = CAPABILITIES[capability]
    return True if allowed == "*" else bool(roles & allowed)


def can_manage_accounts(user) -> bool:
    """May open the sign-in pages (invite, switch off, reset): the pack's `accounts.managed_by`.
    Whose sign-in they may change is decided per person by account_rules.management_refusal."""
    return bool(user_roles(user) & set(get_pack().data["accounts"]["managed_by"]))


def requires_two_factor(user) -> bool:
    """TOTP is enforced for anyone whose role can see safeguarding records."""
    return bool(user_roles(user) & get_pack().safeguarding_roles())


def require(capability: str):
    """View decorator: signed-in and holding `capability`, or 403."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not has_capability(request.user, capability):
                raise PermissionDenied(f"needs {capability}")
            return view(request, *args, **kwargs)

        wrapper.required_capability = capability
        return wrapper

    return decorate


_OBJECT_RULES: dict[str, Callable] = {}
_VISIBLE_QUERYSETS: dict[str, Callable] = {}


def register_object_rule(
    model_label: str, predicate: Callable, *, visible: Callable | None = None
) -> None:
    """Register `predicate(user, obj) -> bool` deciding need-to-know for one model, and optionally
    `visible(user) -> QuerySet` of the same objects (the same rule, in the database), which lets
    lists such as the audit trail filter in one query instead of asking object by object."""
    _OBJECT_RULES[model_label.lower()] = predicate
    if visible is not None:
        _VISIBLE_QUERYSETS[model_label.lower()] = visible


def object_rules() -> dict[str, Callable]:
    return dict(_OBJECT_RULES)


def visible_queryset(user, model_label: str):
    """The objects of `model_label` the user may view, or None when the model registered no query."""
    visible = _VISIBLE_QUERYSETS.get(model_label.lower())
    return visible(user) if visible else None


def can_view_object(user, obj) -> bool:
    rule = _OBJECT_RULES.get(obj._meta.label_lower)
    return bool(rule(user, obj)) if rule else False


def get_object_for_user(user, queryset, **lookup):
    """404 for what a user may not know exists, whether it exists or not; the attempt is audited
    (committed even if the request's transaction rolls back)."""
    obj = queryset.filter(**lookup).first()
    if obj is None or not can_view_object(user, obj):
        from socialguard.audit.services import audit_refusal

        audit_refusal(
            object_type=queryset.model._meta.label_lower,
            object_id=str(obj.pk) if obj is not None else "",
            detail={"status": 404, "lookup": {k: str(v)[:100] for k, v in lookup.items()}},
        )
        raise Http404
    return obj
