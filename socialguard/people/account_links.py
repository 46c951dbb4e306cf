"""A one-time sign-in link's own page: find the live link, and use it up by setting the
password (and, for the safeguarding roles, confirming the authenticator app with a code)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from socialguard.audit.services import audit_record

from .accounts import AccountBadInput, AccountRefused
from .models import AccountLink, EncryptedTOTPDevice
from .permissions import requires_two_factor


def account_link_find(raw: str) -> AccountLink | None:
    """The live link for a token, or None (unknown, used, replaced, expired, or switched off)."""
    if not raw or len(raw) > 100:
        return None
    return _usable(
        AccountLink.objects.select_related("user")
        .filter(token_hash=AccountLink.hash_token(raw))
        .first()
    )


def account_link_by_id(link_id) -> AccountLink | None:
    return _usable(AccountLink.objects.select_related("user").filter(pk=link_id).first())


def _usable(link):
    if link is None or link.used_at or link.revoked_at or link.expires_at <= timezone.now():
        return None
    return link if link.user.is_active else None


def link_device(link: AccountLink):
    """The authenticator to check on the link's page: the confirmed one, or one being set up.
    None when the person's role needs no second factor."""
    user = link.user
    if not requires_two_factor(user):
        return None
    devices = EncryptedTOTPDevice.objects.filter(user=user)
    device = devices.filter(confirmed=True).first() or devices.filter(confirmed=False).first()
    return device or EncryptedTOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=False
    )


def account_link_complete(*, link_id, password: str, code: str = ""):
    """Set the password (and, for the safeguarding roles, confirm the authenticator with a code)
    and use up the link. Returns (user, device or None) for the caller to sign them in."""
    link = account_link_by_id(link_id)
    if link is None:
        raise AccountRefused("link", "this link has been used, replaced or has run out")
    user = link.user
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountBadInput("new_password1", " ".join(exc.messages)) from None
    device = link_device(link)
    # Checked before the transaction, so a wrong code's throttling is kept even though we refuse.
    if device is not None and not device.verify_token(code):
        raise AccountBadInput(
            "code", "that code is not right: codes change every 30 seconds, try the newest one"
        )
    with transaction.atomic():
        fresh = AccountLink.objects.select_for_update().filter(pk=link.pk).first()
        if fresh is None or fresh.used_at or fresh.revoked_at:
            raise AccountRefused("link", "this link has been used, replaced or has run out")
        fresh.used_at = timezone.now()
        fresh.save(update_fields=["used_at"])
        user.set_password(password)
        user.save()
        enrolled = device is not None and not device.confirmed
        if enrolled:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit_record(action="auth.two_factor_enrolled", obj=user, actor=user)
        audit_record(
            action="account.password_set",
            obj=user,
            actor=user,
            detail={"purpose": link.purpose, "link": link.pk, "two_factor_enrolled": enrolled},
        )
    return user, device
