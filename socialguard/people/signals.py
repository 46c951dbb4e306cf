"""Sign-ins, sign-outs and failed sign-ins go into the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from socialguard.audit.services import audit_record


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
