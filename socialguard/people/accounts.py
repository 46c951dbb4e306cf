"""Sign-ins for staff: invite by email, switch off and on, reset the password or two-factor, unlock.

Every action is refused unless the pack's `accounts.managed_by` and `granted_by` allow it (see
account_rules.management_refusal), is written to the audit trail with its actor in the same
transaction, and tells the person by email. A link is a random token of which only the SHA-256
is stored; it works once, for `accounts.link_hours`, and never appears in the audit trail."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from socialguard.audit.services import audit_record
from socialguard.policy.pack import get_pack

from .account_rules import management_refusal, username_candidates
from .csvimport import CsvImportError, read_csv
from .models import AccountLink, EncryptedTOTPDevice, ImportJob, Person
from .permissions import user_person, user_roles
from .services import PEOPLE_COLUMNS, account_create, api_tokens_revoke_all, lockout_unlock


class AccountRefused(Exception):
    """The action is not allowed for this person or this actor (the command line's exit 1)."""

    exit_code = 1

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


class AccountBadInput(AccountRefused):
    """Bad input: an unknown person, a weak password, a wrong code (the command line's exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class AccountStatus:
    state: str  # "none", "invited", "active", "off"
    username: str = ""
    last_login: object = None
    link_expires: object = None
    two_factor: bool = False
    needs_two_factor: bool = False
    locked: bool = False

    @property
    def label(self) -> str:
        return {
            "none": "No sign-in",
            "invited": "Invited, not signed in yet",
            "active": "Can sign in",
            "off": "Switched off",
        }[self.state]


def person_for_account(external_id: str) -> Person:
    person = Person.objects.select_related("user").filter(external_id=external_id).first()
    if person is None:
        raise AccountBadInput("external_id", f"no one with the id {external_id!r}")
    return person


def _accounts_pack() -> dict:
    return get_pack().data["accounts"]


def account_refusal(*, actor, person: Person, trusted: bool = False) -> str | None:
    """Why `actor` may not manage `person`'s sign-in, or None. `trusted` is the command line
    without --as (whoever runs it already holds the server)."""
    pack = get_pack()
    own = user_person(actor) if actor is not None else None
    return management_refusal(
        actor_roles=None if trusted else set(user_roles(actor)),
        is_self=own is not None and own.pk == person.pk,
        target_roles=set(person.role_ids),
        managed_by=list(_accounts_pack()["managed_by"]),
        granted_by=_accounts_pack()["granted_by"],
        label=pack.role_label,
    )


def _check(actor, person: Person, trusted: bool) -> None:
    reason = account_refusal(actor=actor, person=person, trusted=trusted)
    if reason:
        raise AccountRefused("person", f"{person.full_name}: {reason}")


def _needs_account(person: Person) -> None:
    if not person.is_active:
        raise AccountRefused("person", f"{person.full_name} is no longer in the directory")
    if not set(person.role_ids) & get_pack().account_roles():
        raise AccountRefused(
            "role", f"{person.full_name} has no role that signs in (pupils and parents never do)"
        )


def _user_of(person: Person):
    if person.user_id is None:
        raise AccountRefused("account", f"{person.full_name} has no sign-in yet: invite them")
    return person.user


def account_status(person: Person) -> AccountStatus:
    user = person.user if person.user_id else None
    if user is None:
        return AccountStatus("none")
    from .services import lockouts_current

    link = _live_links(user).first()
    accepted = user.has_usable_password() or user.last_login is not None
    state = "off" if not user.is_active else ("active" if accepted else "invited")
    return AccountStatus(
        state,
        username=user.get_username(),
        last_login=user.last_login,
        link_expires=link.expires_at if link else None,
        two_factor=EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        needs_two_factor=bool(set(person.role_ids) & get_pack().safeguarding_roles()),
        locked=any(e["username"] == user.get_username() for e in lockouts_current()),
    )


def _live_links(user):
    return AccountLink.objects.filter(
        user=user, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def _revoke_links(user) -> None:
    AccountLink.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _end_sessions(user) -> int:
    """Sign the account out everywhere (database sessions, the default engine)."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return 0  # other engines: a changed password or is_active=False ends them on next use
    ended = [
        s.pk
        for s in Session.objects.filter(expire_date__gt=timezone.now())
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def _free_username(person: Person) -> str:
    taken = get_user_model().objects.filter
    for candidate in username_candidates(
        email=person.email, given_name=person.given_name, family_name=person.family_name
    ):
        if not taken(username__iexact=candidate).exists():
            return candidate
    raise AccountRefused("username", "could not find a free username")  # pragma: no cover


def link_url(raw: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("account_link_open", kwargs={"token": raw})


def _issue_link(*, user, purpose: str, actor) -> tuple[AccountLink, str]:
    _revoke_links(user)
    raw = secrets.token_urlsafe(32)
    link = AccountLink.objects.create(
        user=user,
        purpose=purpose,
        token_hash=AccountLink.hash_token(raw),
        created_by=actor,
        expires_at=timezone.now() + timedelta(hours=_accounts_pack()["link_hours"]),
    )
    return link, raw


def _address(person: Person) -> str:
    return person.email or (person.user.email if person.user_id else "")


def _send(person: Person, subject: str, lines: list[str]) -> bool:
    """Tell the person; False when there is no address or the mail server refused."""
    address = _address(person)
    if not address:
        return False
    body = "\n".join([f"Dear {person.full_name},", "", *lines, "", get_pack().school_name])
    try:
        send_mail(
            subject=f"[SocialGuard] {subject}",
            message=body,
            from_email=None,
            recipient_list=[address],
        )
    except Exception:  # SMTP and OS errors: reported to the caller, never a 500
        return False
    return True


def _link_lines(person: Person, user, link: AccountLink, raw: str) -> list[str]:
    expires = timezone.localtime(link.expires_at)
    lines = [
        f"Your username is: {user.get_username()}",
        "",
        f"Choose your password with this link. It works once, until {expires:%H:%M on %d %B %Y}:",
        link_url(raw),
    ]
    if set(person.role_ids) & get_pack().safeguarding_roles():
        lines += [
            "",
            "Your role can see safeguarding records, so you will also set up an authenticator "
            "app on your phone (for example Microsoft Authenticator). Have your phone ready.",
        ]
    return lines + ["", "If you did not expect this email, tell the Headteacher at once."]


def _mail_link(person, user, link, raw, subject, intro) -> None:
    """A link that cannot be emailed is withdrawn at once (it is shown nowhere else)."""
    if not _send(person, subject, [intro, "", *_link_lines(person, user, link, raw)]):
        AccountLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
        raise AccountRefused(
            "email",
            f"the email to {person.full_name} could not be sent, so the link was withdrawn: "
            "check the mail settings, then send a new sign-in link",
        )


def _needs_address(person: Person) -> None:
    if not _address(person):
        raise AccountRefused("email", f"{person.full_name} has no email address in the directory")


def account_invite(*, person: Person, actor, trusted: bool = False, via: str = "web") -> dict:
    """Give a member of staff a sign-in and email them a link to choose their password."""
    _check(actor, person, trusted)
    _needs_account(person)
    if person.user_id is not None:
        raise AccountRefused(
            "account",
            f"{person.full_name} already has a sign-in ({person.user.get_username()}): "
            "send a new sign-in link instead",
        )
    _needs_address(person)
    with transaction.atomic():
        user = account_create(person=person, username=_free_username(person))
        user.set_unusable_password()  # account_create leaves an empty one
        user.save(update_fields=["password"])
        link, raw = _issue_link(user=user, purpose=AccountLink.INVITE, actor=actor)
        audit_record(
            action="account.invited",
            obj=person,
            actor=actor,
            detail={"username": user.get_username(), "link": link.pk, "via": via},
        )
    pack = get_pack()
    _mail_link(
        person,
        user,
        link,
        raw,
        f"Your sign-in for {pack.school_name}",
        f"You have been given a sign-in to SocialGuard, {pack.school_name}'s safeguarding and "
        "social media system.",
    )
    return {"external_id": person.external_id, "username": user.get_username(), "invited": True}


def account_set_active(
    *, person: Person, active: bool, actor, trusted: bool = False, via: str = "web"
) -> dict:
    """Switch a sign-in off (it cannot sign in; sessions, links and API tokens end) or on."""
    _check(actor, person, trusted)
    user = _user_of(person)
    if user.is_active == active:
        raise AccountRefused(
            "account", f"{person.full_name}'s sign-in is already {'on' if active else 'off'}"
        )
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])  # the post_save signal revokes API tokens
        if not active:
            _revoke_links(user)
            api_tokens_revoke_all(user=user, reason="account switched off")
            _end_sessions(user)
        audit_record(
            action="account.enabled" if active else "account.disabled",
            obj=person,
            actor=actor,
            detail={"username": user.get_username(), "via": via},
        )
    emailed = _send(
        person,
        "Your sign-in has been switched " + ("back on" if active else "off"),
        [
            f"Your SocialGuard sign-in ({user.get_username()}) has been switched "
            + ("back on: you can sign in again." if active else "off: it cannot sign in."),
            "",
            "If you did not expect this, tell the Headteacher.",
        ],
    )
    return {
        "external_id": person.external_id,
        "username": user.get_username(),
        "active": active,
        "emailed": emailed,
    }


def account_password_reset(*, person: Person, actor, trusted: bool = False, via: str = "web"):
    """The old password stops working at once; a new one-time link goes to the person."""
    _check(actor, person, trusted)
    user = _user_of(person)
    if not user.is_active:
        raise AccountRefused("account", f"{person.full_name}'s sign-in is switched off")
    _needs_address(person)
    never_signed_in = user.last_login is None and not user.has_usable_password()
    purpose = AccountLink.INVITE if never_signed_in else AccountLink.RESET
    with transaction.atomic():
        user.set_unusable_password()
        user.save(update_fields=["password"])
        api_tokens_revoke_all(user=user, reason="password reset")
        _end_sessions(user)
        link, raw = _issue_link(user=user, purpose=purpose, actor=actor)
        audit_record(
            action="account.password_reset",
            obj=person,
            actor=actor,
            detail={"username": user.get_username(), "link": link.pk, "via": via},
        )
    _mail_link(
        person,
        user,
        link,
        raw,
        "A new sign-in link" if never_signed_in else "Your password has been reset",
        "Here is a new link to choose your SocialGuard password."
        if never_signed_in
        else "Your SocialGuard password has been reset: the old one no longer works.",
    )
    return {"external_id": person.external_id, "username": user.get_username(), "reset": True}


def account_two_factor_reset(*, person: Person, actor, trusted: bool = False, via: str = "web"):
    """Remove the authenticator app: the person signs in again and sets up a new one."""
    _check(actor, person, trusted)
    user = _user_of(person)
    with transaction.atomic():
        removed = 0
        for device in EncryptedTOTPDevice.objects.filter(user=user):
            device.delete()  # one by one: the post_delete signal revokes API tokens
            removed += 1
        _end_sessions(user)
        audit_record(
            action="account.2fa_reset",
            obj=person,
            actor=actor,
            detail={"username": user.get_username(), "devices_removed": removed, "via": via},
        )
    emailed = _send(
        person,
        "Your authenticator app has been reset",
        [
            "The authenticator app on your SocialGuard sign-in has been removed. Next time you "
            "sign in you will set up a new one: have your phone ready.",
            "",
            "If you did not ask for this, tell the Headteacher.",
        ],
    )
    return {
        "external_id": person.external_id,
        "username": user.get_username(),
        "devices": removed,
        "emailed": emailed,
    }


def account_unlock(*, person: Person, actor, trusted: bool = False, via: str = "web") -> dict:
    _check(actor, person, trusted)
    user = _user_of(person)
    cleared = lockout_unlock(username=user.get_username(), actor=actor, via=via)
    if not cleared:
        raise AccountRefused("account", f"{person.full_name} is not locked out")
    return {"external_id": person.external_id, "username": user.get_username(), "unlocked": True}


# ---------------------------------------------------------------- after an import


def import_job_external_ids(job: ImportJob) -> list[str]:
    if job.kind != "people" or job.state != "done":
        return []
    try:
        rows = read_csv(job.content, PEOPLE_COLUMNS)
    except CsvImportError:
        return []
    return [row["external_id"] for _, row in rows if row["external_id"]]


def invite_candidates(*, external_ids, actor) -> tuple[list[Person], list[tuple[Person, str]]]:
    """People among `external_ids` who sign in by role, have an email and no sign-in yet:
    (those this actor may invite, [(person, why not)])."""
    people = (
        Person.objects.filter(
            external_id__in=list(external_ids),
            user__isnull=True,
            is_active=True,
            roles__role__in=get_pack().account_roles(),
        )
        .exclude(email="")
        .distinct()
        .prefetch_related("roles")
    )
    may, may_not = [], []
    for person in people:
        reason = account_refusal(actor=actor, person=person)
        if reason:
            may_not.append((person, reason))
        else:
            may.append(person)
    return may, may_not


def accounts_bulk_invite(*, people, actor, via: str = "web import") -> dict:
    """Invite each person in turn (each its own transaction); report who could not be."""
    invited, problems = [], []
    for person in people:
        try:
            invited.append(account_invite(person=person, actor=actor, via=via)["username"])
        except AccountRefused as exc:
            problems.append({"external_id": person.external_id, "message": exc.message})
    return {"invited": invited, "problems": problems}
