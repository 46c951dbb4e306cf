"""Sign-ins, sign-outs and failed sign-ins go into the audit trail; tokens are revoked when the
credentials they were made under change."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_init, post_save, pre_save
from django.dispatch import receiver

from socialguard.audit.services import audit_record

from .models import EncryptedTOTPDevice


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs):
    audit_record(action="auth.sign_in", obj=user, actor=user)


@receiver(user_logged_out)
def audit_sign_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="auth.sign_out", obj=user, actor=user)


@receiver(user_login_failed)
def audit_failed_sign_in(sender, credentials, request=None, **kwargs):
    # The attempted username is kept (needed to investigate lockouts); the password never is.
    audit_record(
        action="auth.sign_in_failed",
        detail={"username": str(credentials.get("username", ""))[:150]},
    )


# Tokens die with the credentials they were made under: a new password, a new or removed
# authenticator, or an account switched off revokes every token of the account.
@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def note_password_change(sender, instance, **kwargs):
    # set_password() leaves the new raw password on `_password` until save(); a hash upgraded on
    # sign-in clears it first, so a rehash is not mistaken for a change.
    instance._socialguard_password_changed = bool(
        instance.pk and getattr(instance, "_password", None) is not None
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def revoke_tokens_on_account_change(sender, instance, created, **kwargs):
    from .services import api_tokens_revoke_all

    if created:
        return
    if not instance.is_active:
        api_tokens_revoke_all(user=instance, reason="account switched off")
    elif getattr(instance, "_socialguard_password_changed", False):
        api_tokens_revoke_all(user=instance, reason="password changed")


@receiver(post_init, sender=EncryptedTOTPDevice)
def remember_device_state(sender, instance, **kwargs):
    instance._socialguard_was = (instance.confirmed, bytes(instance.encrypted_key or b""))


@receiver(post_save, sender=EncryptedTOTPDevice)
def revoke_tokens_on_new_authenticator(sender, instance, created, **kwargs):
    from .services import api_tokens_revoke_all

    was_confirmed, was_key = getattr(instance, "_socialguard_was", (False, b""))
    now = (instance.confirmed, bytes(instance.encrypted_key or b""))
    if instance.confirmed and (created or not was_confirmed or now[1] != was_key):
        api_tokens_revoke_all(user=instance.user, reason="authenticator changed")
    instance._socialguard_was = now


@receiver(post_delete, sender=EncryptedTOTPDevice)
def revoke_tokens_on_removed_authenticator(sender, instance, **kwargs):
    from .services import api_tokens_revoke_all

    if instance.confirmed:
        api_tokens_revoke_all(user=instance.user, reason="authenticator removed")
