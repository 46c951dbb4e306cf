"""Every create, change and deletion of a SocialGuard record goes into the audit trail.

Services add richer events of their own (`case.triaged`, ...); this catch-all makes sure that
no write is ever missed, whichever path made it. Field *names* are recorded, not values, so
the trail does not become a second copy of personal data.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .services import audit_record

_AUDITED_PREFIX = "socialguard."
_ALSO_AUDITED = {"auth.user", "auth.group"}
_NOT_AUDITED = {"audit.auditevent"}
# Changes to these fields alone are bookkeeping, recorded elsewhere (sign-in events) or not at all.
_IGNORED_FIELDS = {"last_login", "updated_at", "last_used_at"}


def _is_audited(sender) -> bool:
    meta = sender._meta
    if meta.label_lower in _ALSO_AUDITED:
        return True
    return (
        meta.app_config is not None
        and meta.app_config.name.startswith(_AUDITED_PREFIX)
        and meta.label_lower not in _NOT_AUDITED
        and not getattr(sender, "audit_exempt", False)
    )


@receiver(pre_save)
def remember_old_values(sender, instance, raw=False, **kwargs):
    if raw or not _is_audited(sender) or instance.pk is None or instance._state.adding:
        return
    try:
        old = sender._default_manager.filter(pk=instance.pk).values().first()
    except (
        Exception
    ):  # a model whose row cannot be read back: record the change without field names
        old = None
    instance._audit_old_values = old


@receiver(post_save)
def record_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _is_audited(sender):
        return
    if created:
        audit_record(action="create", obj=instance)
        return
    old = getattr(instance, "_audit_old_values", None) or {}
    changed = sorted(
        field.attname
        for field in sender._meta.concrete_fields
        if field.attname in old
        and field.attname not in _IGNORED_FIELDS
        and old[field.attname] != getattr(instance, field.attname)
    )
    if old and not changed:
        return
    audit_record(action="change", obj=instance, detail={"fields": changed})


@receiver(post_delete)
def record_delete(sender, instance, **kwargs):
    if _is_audited(sender):
        audit_record(action="delete", obj=instance)
