"""Policy versions and acknowledgements."""

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from socialguard.audit.services import audit_record

from .models import Acknowledgement, PolicyVersion
from .pack import Pack, get_pack
from .trace import enforces


def policy_version_current(*, pack: Pack | None = None) -> PolicyVersion:
    """The stored version for the pack in force; a changed pack becomes a new version."""
    pack = pack or get_pack()
    version = PolicyVersion.objects.filter(content_hash=pack.content_hash).first()
    if version is None:
        with transaction.atomic():
            version, created = PolicyVersion.objects.get_or_create(
                content_hash=pack.content_hash,
                defaults={
                    "school_id": pack.school["id"],
                    "source": pack.source,
                    "content": _pack_text(pack),
                },
            )
            if created:
                audit_record(
                    action="policy.version_stored", obj=version, detail={"hash": pack.content_hash}
                )
    return version


def _pack_text(pack: Pack) -> str:
    try:
        with open(pack.source, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return ""


def has_acknowledged(user, version: PolicyVersion | None = None) -> bool:
    version = version or policy_version_current()
    return Acknowledgement.objects.filter(user=user, version=version).exists()


@enforces("AIM-1", "MON-1")
def policy_acknowledge(*, user, version: PolicyVersion) -> Acknowledgement:
    with transaction.atomic():
        ack, created = Acknowledgement.objects.get_or_create(
            user=user,
            version=version,
            defaults={"version_hash": version.content_hash, "acknowledged_at": timezone.now()},
        )
        if created:
            audit_record(
                action="policy.acknowledged", obj=ack, detail={"version": version.content_hash}
            )
    return ack


def acknowledgement_status(version: PolicyVersion) -> list[dict]:
    """Everyone who can sign in, with whether and when they acknowledged this version."""
    acks = {a.user_id: a for a in Acknowledgement.objects.filter(version=version)}
    rows = []
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .select_related("person")
        .order_by("last_name", "first_name", "username")
    )
    for user in users:
        ack = acks.get(user.pk)
        rows.append({"user": user, "acknowledged_at": ack.acknowledged_at if ack else None})
    return rows


def policy_remind(*, version: PolicyVersion, sent_by) -> int:
    """Email everyone who has not acknowledged `version` yet; return how many were reminded."""
    pack = get_pack()
    outstanding = [
        r["user"]
        for r in acknowledgement_status(version)
        if r["acknowledged_at"] is None and r["user"].email
    ]
    for user in outstanding:
        send_mail(
            subject=f"Please read and acknowledge the {pack.school['policy_title']}",
            message=(
                f"Dear {user.get_full_name() or user.get_username()},\n\n"
                f"{pack.school_name} asks every member of staff to read and acknowledge the current "
                f"{pack.school['policy_title']} (version {version.short_hash}).\n"
                "Sign in to SocialGuard and open 'Policy' to read it; it takes about ten minutes.\n"
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    audit_record(
        action="policy.reminders_sent",
        obj=version,
        actor=sent_by,
        detail={"count": len(outstanding)},
    )
    return len(outstanding)
