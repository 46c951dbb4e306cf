"""Official publishing: the cached post checker, official accounts, drafts, four-eyes approval,
publishing with retries, the archive and takedowns, and the website register.

Other apps and the CLI/API call `check_post`, `post_checker` and `officer_gate`: keep them stable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from socialguard import clock
from socialguard.audit.services import audit_record
from socialguard.people.models import Person, PersonRole
from socialguard.people.permissions import user_person
from socialguard.policy.pack import get_pack
from socialguard.policy.trace import enforces

from . import media
from .checks import CheckResult, DirectoryEntry, Finding, PostChecker
from .checks.findings import verdict_for
from .connectors import X_MAX_CHARACTERS, ConnectorError, OutgoingImage, OutgoingPost, connector_for
from .credentials import encrypt_credentials, hint_for
from .models import (
    ArchiveItem,
    Draft,
    DraftImage,
    OfficialAccount,
    Publication,
    Takedown,
    WebsitePage,
    WebsiteReviewDigest,
)
from .packdata import publishing_pack

logger = logging.getLogger("socialguard.publishing")

MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(minutes=1)
CLAIM_LEASE = timedelta(minutes=5)
# A post that goes out later than this after its approval (a scheduled post, a retry) has its
# photos checked again first: consent may have been withdrawn, or a child restricted, meanwhile.
RECHECK_AFTER = timedelta(minutes=5)
# Every consent purpose a photo needs on each channel. St Martin's Post is printed and is also a
# public web page here (/publishing/st-martins-post/), so it needs the website consent as well.
CHANNEL_PURPOSES = {
    "website": ("website",),
    "newsletter": ("print", "website"),
    "official_social_media": ("social_media",),
}


class PublishingError(ValueError):
    """Bad input or a refused action; `field` names the input at fault (for forms and the API)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


# --------------------------------------------------------------------------- the post checker


def restricted_external_ids() -> frozenset[str]:
    """The consent app's restricted list; empty until that app provides it."""
    try:
        from socialguard.consent.services import restricted_external_ids as consent_restricted
    except (ImportError, AttributeError):
        return frozenset()
    return frozenset(consent_restricted())


def _directory_people():
    staff_roles = get_pack().staff_roles()
    return (
        Person.objects.filter(is_active=True, roles__role__in={"pupil", *staff_roles})
        .distinct()
        .prefetch_related("roles")
    )


def _directory(restricted: frozenset[str]) -> list[DirectoryEntry]:
    entries = []
    for person in _directory_people():
        roles = {r.role for r in person.roles.all()}
        role = "pupil" if "pupil" in roles else "staff"
        entries.append(
            DirectoryEntry(
                person.external_id,
                role,
                person.given_name,
                person.family_name,
                person.preferred_name or None,
                restricted=person.external_id in restricted,
            )
        )
    return entries


def _fingerprint(restricted: frozenset[str]) -> tuple:
    people = Person.objects.aggregate(count=Count("pk"), latest=Max("updated_at"))
    roles = PersonRole.objects.aggregate(count=Count("pk"), latest=Max("pk"))
    restricted_digest = hashlib.sha256("\n".join(sorted(restricted)).encode()).hexdigest()
    pack = publishing_pack()
    return (
        people["count"],
        people["latest"],
        roles["count"],
        roles["latest"],
        restricted_digest,
        pack.readability_target,
        pack.school_names,
        pack.school_contacts,
    )


_checker_lock = threading.Lock()
_checker_cache: dict = {}


def post_checker() -> PostChecker:
    """One PostChecker per process, rebuilt when the directory, the restricted list or the pack
    changes (a cheap fingerprint: counts and the latest change)."""
    restricted = restricted_external_ids()
    key = _fingerprint(restricted)
    cached = _checker_cache.get("checker")
    if cached and cached[0] == key:
        return cached[1]
    with _checker_lock:
        cached = _checker_cache.get("checker")
        if cached and cached[0] == key:
            return cached[1]
        pack = publishing_pack()
        checker = PostChecker(
            _directory(restricted),
            readability_target=pack.readability_target,
            school_names=pack.school_names,
            school_contacts=pack.school_contacts,
        )
        _checker_cache["checker"] = (key, checker)
        return checker


def validate_text(text: str) -> str:
    if text is None or not text.strip():
        raise PublishingError("Enter the text of the post", "text")
    limit = publishing_pack().max_text_characters
    if len(text) > limit:
        raise PublishingError(f"The post must be {limit:,} characters or fewer", "text")
    return text


def validate_channel(channel: str) -> str:
    channels = get_pack().channels
    if channel not in channels:
        raise PublishingError(
            f"Unknown channel {channel!r}. Use one of: {', '.join(sorted(channels))}", "channel"
        )
    return channel


@enforces("PRIN-b", "PRIN-c", "PRIN-d", "PRIN-f", "PRIN-g", "CB-2", "RESP-1", "OFF-3")
def check_text(*, text: str, channel: str) -> CheckResult:
    return post_checker().check(text, channel)


def photo_check(*, data: bytes, channel: str) -> dict | None:
    """The consent app's photo check for this channel's purposes, or None while it is not there."""
    return photo_check_for_channels(data=data, channels=[channel])


@enforces("IMG-1", "IMG-3")
def photo_check_for_channels(*, data: bytes, channels) -> dict | None:
    """The photo checked against the consent for every purpose the post's channels need (a post
    to Facebook and the website needs both consents); the worst result wins. Kept and shown with
    the verdict and the boxes only: a draft's author must not learn who is on the restricted
    list (IMG-3)."""
    try:
        from socialguard.consent.photo_check import VERDICT_RANK
        from socialguard.consent.services import check_photo_for_purpose, redact_photo_result
    except (ImportError, AttributeError):
        return None
    worst = None
    for purpose in sorted(purposes_for_channels(channels or ["official_social_media"])):
        try:
            result = check_photo_for_purpose(data=data, purpose=purpose)
        except ValueError as exc:  # an unreadable or oversized photo: a person must look at it
            return {"verdict": "review", "faces": [], "error": str(exc)}
        if worst is None or VERDICT_RANK.get(result.get("verdict"), 1) > VERDICT_RANK.get(
            worst.get("verdict"), 1
        ):
            worst = result
    return redact_photo_result(worst)


def purposes_for_channels(channels) -> set[str]:
    """The consent purposes a photo needs to appear on all these channels (CHANNEL_PURPOSES)."""
    return {p for c in channels for p in CHANNEL_PURPOSES.get(c, ("social_media",))}


PHOTO_STATUS_WORDS = {
    "restricted": "not allowed in this use",
    "no_consent": "not allowed in this use",
    "not_allowed": "not allowed in this use",
    "unknown": "not recognised",
}


def photo_findings(result: dict | None, *, label: str) -> list[dict]:
    """A photo verdict as findings of the post (check "photo", clause IMG-3), spanning nothing."""
    if not result or result.get("verdict") in (None, "pass"):
        return []
    if result.get("error"):
        return [
            Finding(
                "photo",
                "IMG-3",
                "review",
                0,
                0,
                f"{label} could not be checked: {result['error']}",
                "Look at who is in the photo yourself before it is approved.",
            ).to_dict()
        ]
    faces = result.get("faces") or []
    statuses = {f.get("status", "unknown") for f in faces} - {"consented"}
    # One word for a restricted child and one without consent: the finding is shown to the
    # draft's author, who must not learn who is on the restricted list (IMG-3).
    details = sorted({PHOTO_STATUS_WORDS.get(s, "not recognised") for s in statuses})
    detail = " or ".join(details) or "not cleared"
    block = result["verdict"] == "block"
    return [
        Finding(
            "photo",
            "IMG-3",
            "block" if block else "review",
            0,
            0,
            f"{label}: a face in the photo is {detail}.",
            "Use a photo without this child, or blur their face, before it is published."
            if block
            else "Check who is in the photo and that their consent covers this use.",
        ).to_dict()
    ]


def check_post(*, text: str, channel: str, images: list[bytes] = ()) -> dict:
    """The DESIGN.md contract for `check-post` and POST /api/v1/checks/post."""
    validate_channel(channel)
    validate_text(text)
    for data in images:
        media.image_format(data)
    result = check_text(text=text, channel=channel).to_dict()
    findings = result["findings"]
    for number, data in enumerate(images, start=1):
        findings += photo_findings(photo_check(data=data, channel=channel), label=f"Image {number}")
    return {"verdict": _verdict(findings), "findings": findings}


def _verdict(findings: list[dict]) -> str:
    return verdict_for(
        Finding(
            **{
                k: f[k]
                for k in ("check", "clause", "severity", "start", "end", "message", "suggestion")
            }
        )
        for f in findings
    )


def decode_images(encoded: list[str]) -> list[bytes]:
    images = []
    for number, value in enumerate(encoded or [], start=1):
        try:
            # Line breaks and spaces, as `base64` tools write them, are not part of the data.
            images.append(base64.b64decode("".join(value.split()), validate=True))
        except (binascii.Error, ValueError) as exc:
            raise PublishingError(f"Image {number} is not valid base64", "images") from exc
    return images


# --------------------------------------------------------------------------- designated officers


@dataclass(frozen=True)
class Gate:
    allowed: bool
    message: str = ""


def _training_current(person: Person):
    """(record or None, declarations app present?)."""
    try:
        from socialguard.declarations.services import training_current
    except (ImportError, AttributeError):
        return None, False
    return training_current(person=person, kind=publishing_pack().training_kind), True


def _last_expiry(person: Person) -> date | None:
    try:
        from socialguard.declarations.models import TrainingRecord
    except (ImportError, AttributeError):
        return None
    record = (
        TrainingRecord.objects.filter(person=person, kind=publishing_pack().training_kind)
        .order_by("-expires_on")
        .first()
    )
    return record.expires_on if record else None


@enforces("PAR-6", "OFF-1")
def officer_gate(person: Person | None) -> Gate:
    """Only designated social media officers with in-date training may approve or publish."""
    pack = publishing_pack()
    if person is None or not person.roles.filter(role=pack.officer_role).exists():
        return Gate(
            False,
            "Only the designated social media officers may approve and publish posts "
            f"({', '.join(h.display_name for h in get_pack().holders_of(pack.officer_role))}).",
        )
    record, available = _training_current(person)
    if record is not None:
        return Gate(True)
    if not available:
        return Gate(
            False,
            "There is no training record for you yet, so you cannot approve or publish. "
            "Ask the Headteacher to record your social media officer training.",
        )
    expired = _last_expiry(person)
    if expired is not None:
        return Gate(
            False,
            f"Your social media officer training expired on {expired:%-d %B %Y}, so you cannot "
            "approve or publish until the Headteacher records your renewed training.",
        )
    return Gate(
        False,
        "There is no training record for you, so you cannot approve or publish. "
        "Ask the Headteacher to record your social media officer training.",
    )


def officers() -> list[Person]:
    role = publishing_pack().officer_role
    return list(Person.objects.filter(is_active=True, roles__role=role).select_related("user"))


# --------------------------------------------------------------------------- official accounts

ACCOUNT_DEFAULT_URLS = {
    "mastodon": "",
    "facebook": "https://graph.facebook.com/v21.0",
    "x": "https://api.x.com",
}


@enforces("PAR-6", "OFF-2")
def account_save(
    *,
    user,
    account: OfficialAccount | None = None,
    platform: str,
    name: str,
    address: str = "",
    connector: str = "manual",
    base_url: str = "",
    remote_account_id: str = "",
    access_token: str = "",
    is_active: bool = True,
) -> OfficialAccount:
    """Register or change an account of the school. It has no owner field: it belongs to the school.
    A blank `access_token` keeps the stored one; the token is encrypted and never shown back."""
    name = (name or "").strip()
    if not name:
        raise PublishingError("Enter the name of the account", "name")
    if (
        OfficialAccount.objects.filter(name__iexact=name)
        .exclude(pk=getattr(account, "pk", None))
        .exists()
    ):
        raise PublishingError("An official account with this name already exists", "name")
    if connector in ("mastodon", "facebook", "x"):
        base_url = (base_url or ACCOUNT_DEFAULT_URLS[connector]).strip()
        if not base_url:
            raise PublishingError(
                "Enter the service address, like https://mastodon.example", "base_url"
            )
        if connector == "facebook" and not remote_account_id.strip():
            raise PublishingError("Enter the Facebook page ID", "remote_account_id")
        if not access_token and not (account and account.credentials_encrypted):
            raise PublishingError("Enter the access token for the connector", "access_token")
    with transaction.atomic():
        account = account or OfficialAccount()
        account.platform = platform
        account.name = name
        account.address = address.strip()
        account.connector = connector
        account.base_url = base_url
        account.remote_account_id = remote_account_id.strip()
        account.is_active = is_active
        if access_token:
            account.credentials_encrypted = encrypt_credentials(
                {"access_token": access_token.strip()}
            )
            account.credentials_hint = hint_for(access_token.strip())
        account.save()
        audit_record(
            action="publishing.account_saved",
            obj=account,
            detail={
                "platform": platform,
                "connector": connector,
                "credentials_changed": bool(access_token),
            },
        )
    return account


def accounts_for_choice():
    return OfficialAccount.objects.filter(is_active=True)


# --------------------------------------------------------------------------- drafts


@dataclass(frozen=True)
class NewImage:
    name: str
    data: bytes
    alt_text: str = ""


ALT_TEXT_MAX = 300


def image_descriptions(text: str | None, files) -> list[str]:
    """The image descriptions typed one line per new image; missing lines are empty."""
    lines = [line.strip() for line in (text or "").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) > len(files):
        raise PublishingError(
            f"You gave {len(lines)} image descriptions for {len(files)} new "
            f"image{'s' if len(files) != 1 else ''}: give one line for each image",
            "image_descriptions",
        )
    for number, line in enumerate(lines, start=1):
        if len(line) > ALT_TEXT_MAX:
            raise PublishingError(
                f"The description of image {number} must be {ALT_TEXT_MAX} characters or fewer",
                "image_descriptions",
            )
    return lines + [""] * (len(files) - len(lines))


@enforces("PRIN-d")
def _check_descriptions(images: list[NewImage], channel: str) -> None:
    """A description is published with its image, so it gets the same blocking checks as the text."""
    for image in images:
        if not image.alt_text.strip():
            continue
        blocking = [
            f
            for f in check_text(text=image.alt_text, channel=channel).findings
            if f.severity == "block"
        ]
        if blocking:
            raise PublishingError(
                f"The description of {image.name} cannot be published: {blocking[0].message}",
                "image_descriptions",
            )


def _channel_of(draft: Draft) -> str:
    """The strictest channel of a draft's accounts: social media if any, else website/newsletter."""
    channels = {a.channel for a in draft.accounts.all()}
    for channel in ("official_social_media", "website", "newsletter"):
        if channel in channels:
            return channel
    return "official_social_media"


def _channels_of(draft: Draft) -> list[str]:
    return sorted({a.channel for a in draft.accounts.all()}) or ["official_social_media"]


def draft_recheck(draft: Draft, *, photos: bool = False) -> dict:
    """Text and photo checks of the draft as it is now; stored on the draft. With `photos`, every
    image is checked again against today's consent and restricted list for all its accounts (a
    photo checked when it was uploaded may since show a withdrawn or restricted child)."""
    channel = _channel_of(draft)
    findings = check_text(text=draft.text, channel=channel).to_dict()["findings"]
    for number, image in enumerate(draft.images.all(), start=1):
        if photos:
            image.photo_check = photo_check_for_channels(
                data=media.image_read(image.stored_name), channels=_channels_of(draft)
            )
            image.save(update_fields=["photo_check"])
        findings += photo_findings(
            image.photo_check, label=f"Image {number} ({image.original_name})"
        )
    draft.findings = findings
    draft.verdict = _verdict(findings)
    return {"verdict": draft.verdict, "findings": findings}


def content_hash(draft: Draft) -> str:
    payload = {
        "title": draft.title,
        "text": draft.text,
        "images": [i.sha256 for i in draft.images.all()],
        "accounts": sorted(a.pk for a in draft.accounts.all()),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _validate_schedule(scheduled_for: datetime | None) -> None:
    if scheduled_for is not None and scheduled_for <= clock.now():
        raise PublishingError("The time to publish must be in the future", "scheduled_for")


def _validate_accounts(account_ids, text: str) -> list[OfficialAccount]:
    ids = {int(i) for i in account_ids or []}
    if not ids:
        raise PublishingError("Select at least one official account", "accounts")
    accounts = list(OfficialAccount.objects.filter(pk__in=ids, is_active=True))
    if len(accounts) != len(ids):
        raise PublishingError("Select official accounts from the list", "accounts")
    if any(a.platform == "x" for a in accounts) and len(text) > X_MAX_CHARACTERS:
        raise PublishingError(f"Posts to X must be {X_MAX_CHARACTERS} characters or fewer", "text")
    return accounts


def _store_images(draft: Draft, images: list[NewImage]) -> None:
    channels = _channels_of(draft)
    for image in images:
        stored = media.image_store(image.data)
        result = photo_check_for_channels(
            data=media.image_read(stored.stored_name), channels=channels
        )
        DraftImage.objects.create(
            draft=draft,
            original_name=image.name[:255],
            stored_name=stored.stored_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            alt_text=image.alt_text[:300],
            photo_check=result,
        )


def can_edit_draft(user, draft: Draft) -> bool:
    person = user_person(user)
    return (
        person is not None
        and draft.author_id == person.pk
        and draft.state not in ("published", "rejected")
    )


@enforces("PRIN-d", "RESP-1")
def draft_save(
    *,
    author: Person,
    draft: Draft | None = None,
    title: str = "",
    text: str,
    account_ids,
    scheduled_for: datetime | None = None,
    new_images: list[NewImage] = (),
    remove_image_ids=(),
) -> Draft:
    """Create or change a draft. Any change after submission or approval sends it back to draft:
    it needs (new) approval, and an approval never covers content it did not see."""
    validate_text(text)
    accounts = _validate_accounts(account_ids, text)
    _validate_schedule(scheduled_for)
    if draft is not None and (
        draft.author_id != author.pk or draft.state in ("published", "rejected")
    ):
        raise PublishingError("You cannot change this draft")
    keep = draft.images.exclude(pk__in=remove_image_ids).count() if draft else 0
    if keep + len(new_images) > publishing_pack().max_images:
        raise PublishingError(
            f"A post can have at most {publishing_pack().max_images} images", "images"
        )
    for image in new_images:
        media.image_format(image.data)
        if len(image.alt_text) > ALT_TEXT_MAX:
            raise PublishingError(
                f"An image description must be {ALT_TEXT_MAX} characters or fewer",
                "image_descriptions",
            )
    with transaction.atomic():
        previous_state = draft.state if draft else None
        previous_channels = _channels_of(draft) if draft else None
        draft = draft or Draft(author=author)
        draft.title = title.strip()[:150]
        draft.text = text
        draft.scheduled_for = scheduled_for
        draft.save()
        draft.accounts.set(accounts)
        if remove_image_ids:
            draft.images.filter(pk__in=remove_image_ids).delete()
        _check_descriptions(list(new_images), _channel_of(draft))
        _store_images(draft, list(new_images))
        reset = previous_state in ("submitted", "approved", "returned")
        if reset or previous_state is None:
            draft.state = "draft"
        if previous_state == "approved":
            draft.approved_hash = ""
            audit_record(action="publishing.approval_reset", obj=draft, detail={"reason": "edited"})
            Publication.objects.filter(
                draft=draft, state__in=("queued", "retrying", "failed")
            ).delete()
        # New accounts may need other consent: check the images already there again.
        draft_recheck(draft, photos=previous_channels not in (None, _channels_of(draft)))
        draft.save()
        audit_record(action="publishing.draft_saved", obj=draft, detail={"verdict": draft.verdict})
    return draft


def _approvers_for(author_id) -> list[Person]:
    """Designated officers with in-date training who are not the author (four eyes, PAR-6)."""
    return [p for p in officers() if p.pk != author_id and officer_gate(p).allowed]


def _least_busy_officer(author: Person) -> Person | None:
    candidates = _approvers_for(author.pk)
    if not candidates:
        return None
    load = dict(
        Draft.objects.filter(state="submitted", approver__in=candidates)
        .values_list("approver")
        .annotate(n=Count("pk"))
    )
    return min(candidates, key=lambda p: (load.get(p.pk, 0), p.family_name))


def _email(people, subject: str, body: str) -> None:
    recipients = sorted({p.email or (p.user.email if p.user_id else "") for p in people} - {""})
    if recipients:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)


def _link(url_name: str, **kwargs) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(url_name, kwargs=kwargs)


@enforces("PAR-6", "PRIN-h", "RESP-1")
def draft_submit(*, draft: Draft, author: Person) -> Draft:
    """Send a draft for four-eyes approval to a designated officer who is not the author."""
    if draft.author_id != author.pk:
        raise PublishingError("Only the author can submit this draft")
    if draft.state not in ("draft", "returned"):
        raise PublishingError("This draft has already been submitted")
    now = clock.now()
    with transaction.atomic():
        draft_recheck(draft)
        draft.approver = _least_busy_officer(author)
        draft.state = "submitted"
        draft.submitted_at = now
        draft.due_at = now + timedelta(hours=publishing_pack().approval_hours)
        draft.reminded_at = draft.escalated_at = None
        draft.decision_comment = ""
        draft.save()
        audit_record(
            action="publishing.draft_submitted",
            obj=draft,
            detail={"approver": draft.approver.external_id if draft.approver else None},
        )
    if draft.approver is None:
        _nobody_can_approve(draft, author)
        return draft
    _email(
        [draft.approver],
        "A post is waiting for your approval",
        f"{author.display_name} has submitted a post for the school's official accounts.\n"
        f"Please approve it, return it with comments or reject it by {timezone.localtime(draft.due_at):%-d %B %Y %H:%M}:\n"
        f"{_link('publishing:approval_detail', pk=draft.pk)}\n",
    )
    return draft


def _headteachers() -> list[Person]:
    return list(
        Person.objects.filter(is_active=True, roles__role="headteacher").select_related("user")
    )


def _nobody_can_approve(draft: Draft, author: Person) -> None:
    """No designated officer other than the author has in-date training (PAR-6): the post waits,
    and the Headteacher and the officers are told why, so training can be booked or recorded."""
    others = [p for p in officers() if p.pk != author.pk]
    untrained = [p.display_name for p in others]
    _email(
        _headteachers() + others,
        "Nobody can approve a post: officer training needed",
        f"{author.display_name} has submitted a post for the school's official accounts, but no "
        "designated social media officer other than the author has in-date training, so nobody "
        "can approve it (PAR-6).\n"
        + (
            f"Officers whose training must be renewed: {', '.join(untrained)}.\n"
            if untrained
            else ""
        )
        + f"Record the training here: {_link('training_new')}\n"
        f"The post: {_link('publishing:approval_detail', pk=draft.pk)}\n",
    )
    audit_record(action="publishing.no_approver", obj=draft)


def can_anyone_approve(draft: Draft) -> bool:
    return bool(_approvers_for(draft.author_id))


def _decider(user) -> Person:
    person = user_person(user)
    gate = officer_gate(person)
    if not gate.allowed:
        raise PublishingError(gate.message)
    return person


@enforces("PAR-6", "OFF-1", "OFF-2", "OFF-3", "PRIN-d", "PRIN-f", "CB-2")
def draft_approve(*, draft: Draft, user, publish_now: bool = True) -> Draft:
    """Four eyes: a trained officer who is not the author approves a draft with no block finding.
    The approval covers exactly this content (its hash); the posts go out at once or when scheduled."""
    approver = _decider(user)
    if draft.author_id == approver.pk:
        raise PublishingError("You cannot approve your own post: another officer must approve it")
    if draft.state != "submitted":
        raise PublishingError("Only a post awaiting approval can be approved")
    now = clock.now()
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(pk=draft.pk)
        result = draft_recheck(draft, photos=True)
        blocked = result["verdict"] == "block"
        if blocked:
            # Committed, not rolled back: the officer and the author see the finding that blocks.
            draft.save()
        else:
            if draft.scheduled_for is not None and draft.scheduled_for <= now:
                draft.scheduled_for = None
            draft.state = "approved"
            draft.decided_by = approver
            draft.decided_at = now
            draft.approved_hash = content_hash(draft)
            draft.findings_at_approval = result["findings"]
            draft.save()
            due = draft.scheduled_for or now
            for account in draft.accounts.all():
                Publication.objects.get_or_create(
                    draft=draft, account=account, defaults={"due_at": due}
                )
            audit_record(
                action="publishing.draft_approved",
                obj=draft,
                detail={"verdict": result["verdict"], "scheduled_for": draft.scheduled_for},
            )
    if blocked:
        raise PublishingError(
            "This post cannot be approved while it has a finding that blocks it. "
            "Return it to the author to fix."
        )
    _email(
        [draft.author],
        "Your post was approved",
        f"{approver.display_name} approved your post.\n"
        f"{_link('publishing:draft_detail', pk=draft.pk)}\n",
    )
    if publish_now and draft.scheduled_for is None:
        publications_publish_due(now)
    draft.refresh_from_db()
    return draft


@enforces("PAR-6", "PRIN-h")
def draft_decline(*, draft: Draft, user, comment: str, reject: bool = False) -> Draft:
    """Return a draft to its author with comments, or reject it."""
    decider = _decider(user)
    if draft.author_id == decider.pk:
        raise PublishingError("You cannot decide on your own post: another officer must do it")
    if draft.state != "submitted":
        raise PublishingError("Only a post awaiting approval can be returned or rejected")
    if not (comment or "").strip():
        raise PublishingError("Enter your comments for the author", "comment")
    with transaction.atomic():
        draft.state = "rejected" if reject else "returned"
        draft.decided_by = decider
        draft.decided_at = clock.now()
        draft.decision_comment = comment.strip()
        draft.save()
        audit_record(action=f"publishing.draft_{draft.state}", obj=draft)
    word = "rejected" if reject else "returned with comments"
    _email(
        [draft.author],
        f"Your post was {word}",
        f"{decider.display_name} {word} your post. Read the comments in SocialGuard:\n"
        f"{_link('publishing:draft_detail', pk=draft.pk)}\n",
    )
    return draft


# --------------------------------------------------------------------------- publishing


def _claim(publication: Publication, now: datetime) -> bool:
    """Atomically take a due publication, so the sweep and "publish now" never both send it."""
    return bool(
        Publication.objects.filter(
            pk=publication.pk, state__in=("queued", "retrying"), due_at__lte=now
        ).update(due_at=now + CLAIM_LEASE)
    )


def _outgoing(draft: Draft) -> OutgoingPost:
    images = [
        OutgoingImage(i.original_name, i.content_type, media.image_read(i.stored_name), i.alt_text)
        for i in draft.images.all()
    ]
    return OutgoingPost(
        draft.title, draft.text, images, idempotency_key=f"sg-{draft.pk}-{draft.approved_hash[:16]}"
    )


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16 minutes after the 1st..5th failure."""
    return RETRY_BASE * (2 ** max(attempts - 1, 0))


@enforces("PAR-6", "OFF-2", "PERS-7")
def publication_attempt(publication: Publication, now: datetime) -> bool:
    """Send one approved post to one official account; archive it on success, retry with backoff
    on failure. Refuses content that differs from what was approved."""
    draft = publication.draft
    if draft.state not in ("approved", "published") or content_hash(draft) != draft.approved_hash:
        _failed(
            publication,
            now,
            "The post changed after it was approved: it needs approval again.",
            final=True,
        )
        return False
    gate = officer_gate(draft.decided_by)
    if not gate.allowed:
        _failed(publication, now, f"Held: {gate.message}", final=True)
        return False
    blocked = _photos_blocked_now(draft, publication.account, now)
    if blocked:
        _failed(publication, now, f"Held: {blocked} It was not published.", final=True)
        return False
    try:
        result = connector_for(publication.account).publish(_outgoing(draft))
    except ConnectorError as exc:
        _failed(publication, now, str(exc))
        return False
    except Exception as exc:  # a connector bug must not stop the other posts
        logger.exception("publishing connector crashed")
        _failed(publication, now, f"Unexpected error: {exc.__class__.__name__}")
        return False
    with transaction.atomic():
        images = [
            {
                "name": i.original_name,
                "stored_name": media.image_copy_to_archive(i.stored_name),
                "sha256": i.sha256,
                "content_type": i.content_type,
                "alt_text": i.alt_text,
            }
            for i in draft.images.all()
        ]
        item = ArchiveItem.objects.create(
            publication=publication,
            account=publication.account,
            account_name=publication.account.name,
            platform=publication.account.platform,
            title=draft.title,
            text=draft.text,
            images=images,
            drafted_by=draft.author,
            drafted_by_name=draft.author.full_name,
            approved_by=draft.decided_by,
            approved_by_name=draft.decided_by.full_name,
            approved_at=draft.decided_at,
            findings_at_approval=draft.findings_at_approval,
            content_hash=draft.approved_hash,
            published_at=now,
            remote_id=result.remote_id,
            remote_url=result.remote_url,
        )
        publication.state = "published"
        publication.published_at = now
        publication.remote_id = result.remote_id
        publication.attempts += 1
        publication.last_error = ""
        publication.save()
        if not draft.publications.exclude(state="published").exists():
            Draft.objects.filter(pk=draft.pk).update(state="published")
        audit_record(
            action="publishing.published",
            obj=item,
            detail={"account": publication.account.name, "remote_id": result.remote_id},
        )
    return True


@enforces("IMG-1", "IMG-3")
def _photos_blocked_now(draft: Draft, account: OfficialAccount, now: datetime) -> str:
    """Why the draft's photos may no longer go to this account ("" when they may). Checked only
    when the post goes out well after its approval, which checked them already."""
    if draft.decided_at is None or now - draft.decided_at < RECHECK_AFTER:
        return ""
    for number, image in enumerate(draft.images.all(), start=1):
        result = photo_check_for_channels(
            data=media.image_read(image.stored_name), channels=[account.channel]
        )
        label = f"Image {number} ({image.original_name})"
        blocking = [f for f in photo_findings(result, label=label) if f["severity"] == "block"]
        if blocking:
            return (
                f"{blocking[0]['message']} Consent or the restricted list changed after approval."
            )
    return ""


def _failed(publication: Publication, now: datetime, message: str, final: bool = False) -> None:
    publication.attempts += 1
    publication.last_error = message[:2000]
    if final or publication.attempts >= MAX_ATTEMPTS:
        publication.state = "failed"
        publication.due_at = now
    else:
        publication.state = "retrying"
        publication.due_at = now + backoff(publication.attempts)
    publication.save()
    audit_record(
        action="publishing.publish_failed",
        obj=publication,
        detail={"attempts": publication.attempts},
    )
    if publication.state == "failed":
        draft = publication.draft
        _email(
            [p for p in [draft.decided_by] if p] or officers(),
            f"A post to {publication.account.name} could not be published",
            f"{message}\n\nSee {_link('publishing:publication_list')}\n",
        )


def publications_publish_due(now: datetime) -> int:
    """Publish every approved post whose time has come (the background worker runs this)."""
    sent = 0
    due = Publication.objects.filter(
        state__in=("queued", "retrying"), due_at__lte=now
    ).select_related("draft__author", "draft__decided_by", "account")
    for publication in list(due):
        if _claim(publication, now):
            publication.refresh_from_db()
            sent += publication_attempt(publication, now)
    return sent


def publication_retry(*, publication: Publication, user) -> Publication:
    _decider(user)
    if publication.state != "failed":
        raise PublishingError("Only a failed post can be tried again")
    with transaction.atomic():
        publication.state = "queued"
        publication.attempts = 0
        publication.due_at = clock.now()
        publication.save()
        audit_record(action="publishing.publish_retry", obj=publication)
    publications_publish_due(clock.now())
    publication.refresh_from_db()
    return publication


# --------------------------------------------------------------------------- deadlines (PRIN-h)


@enforces("PRIN-h")
def approval_deadlines_sweep(now: datetime) -> int:
    """Remind the officer before an approval is due; escalate to the Headteacher when it is overdue."""
    pack = publishing_pack()
    done = 0
    waiting = Draft.objects.filter(state="submitted", due_at__isnull=False).select_related(
        "approver", "author"
    )
    for draft in waiting:
        link = _link("publishing:approval_detail", pk=draft.pk)
        if draft.escalated_at is None and draft.due_at <= now:
            _email(
                _headteachers() + ([draft.approver] if draft.approver else []),
                "A post is overdue for approval",
                f"A post by {draft.author.display_name} was due for approval on "
                f"{timezone.localtime(draft.due_at):%-d %B %Y %H:%M} and is still waiting.\n{link}\n",
            )
            Draft.objects.filter(pk=draft.pk).update(
                escalated_at=now, reminded_at=draft.reminded_at or now
            )
            audit_record(action="publishing.approval_escalated", obj=draft)
            done += 1
        elif (
            draft.reminded_at is None
            and draft.due_at - timedelta(hours=pack.reminder_before_hours) <= now
        ):
            to = (
                [draft.approver]
                if draft.approver
                else [p for p in officers() if p.pk != draft.author_id]
            )
            _email(
                to,
                "Reminder: a post is waiting for your approval",
                f"Please decide by {timezone.localtime(draft.due_at):%-d %B %Y %H:%M}:\n{link}\n",
            )
            Draft.objects.filter(pk=draft.pk).update(reminded_at=now)
            audit_record(action="publishing.approval_reminded", obj=draft)
            done += 1
    return done


# --------------------------------------------------------------------------- archive and takedown


def archive_search(query: str = ""):
    items = ArchiveItem.objects.select_related("account").prefetch_related("takedowns")
    query = (query or "").strip()
    if query:
        items = items.filter(
            Q(text__icontains=query)
            | Q(title__icontains=query)
            | Q(account_name__icontains=query)
            | Q(drafted_by_name__icontains=query)
            | Q(approved_by_name__icontains=query)
            | Q(remote_id__icontains=query)
        )
    return items


def public_items(platform: str):
    return ArchiveItem.objects.filter(platform=platform, takedowns__isnull=True)


@enforces("PRIN-b", "RESP-1")
def item_take_down(*, item: ArchiveItem, user, reason: str) -> Takedown:
    """Withdraw a published item: removed from the place it went where we can, recorded beside the
    archive item (which is never changed or deleted)."""
    person = user_person(user)
    if person is None:
        raise PublishingError("Your account has no person record")
    if not (reason or "").strip():
        raise PublishingError("Enter why the post is being taken down", "reason")
    if item.takedowns.exists():
        raise PublishingError("This post has already been taken down")
    try:
        remote_result = connector_for(item.account).withdraw(item.remote_id)
    except ConnectorError as exc:
        remote_result = f"Could not remove it from {item.account_name}: {exc}. Remove it by hand."
    with transaction.atomic():
        takedown = Takedown.objects.create(
            item=item,
            reason=reason.strip(),
            taken_down_by=person,
            taken_down_at=clock.now(),
            remote_result=remote_result[:300],
        )
        audit_record(
            action="publishing.taken_down", obj=item, detail={"remote_result": remote_result[:300]}
        )
    return takedown


# --------------------------------------------------------------------------- website register


def page_due_on(page: WebsitePage) -> date:
    return page.last_reviewed_on + timedelta(days=page.review_every_days)


def overdue_pages(today: date | None = None):
    today = today or timezone.localdate(clock.now())
    pages = WebsitePage.objects.select_related("owner")
    return [p for p in pages if page_due_on(p) < today]


@enforces("WEB-1", "WEB-2")
def website_page_save(
    *,
    page: WebsitePage | None = None,
    title: str,
    path: str,
    owner: Person,
    review_every_days: int,
    last_reviewed_on: date,
) -> WebsitePage:
    if not (title or "").strip():
        raise PublishingError("Enter the title of the page", "title")
    path = (path or "").strip()
    if not path.startswith("/"):
        raise PublishingError(
            "Enter the address of the page on the website, starting with /", "path"
        )
    if WebsitePage.objects.filter(path=path).exclude(pk=getattr(page, "pk", None)).exists():
        raise PublishingError("This page is already in the register", "path")
    if owner is None or not set(owner.role_ids) & get_pack().staff_roles():
        raise PublishingError("The content owner must be a member of staff", "owner")
    if not review_every_days or review_every_days < 1:
        raise PublishingError("Enter how often the page is reviewed, in days", "review_every_days")
    if last_reviewed_on > timezone.localdate(clock.now()):
        raise PublishingError(
            "The date of the last review must be today or in the past", "last_reviewed_on"
        )
    with transaction.atomic():
        page = page or WebsitePage()
        page.title, page.path, page.owner = title.strip(), path, owner
        page.review_every_days, page.last_reviewed_on = review_every_days, last_reviewed_on
        page.save()
        audit_record(action="publishing.website_page_saved", obj=page)
    return page


@enforces("WEB-2")
def website_page_reviewed(*, page: WebsitePage) -> WebsitePage:
    with transaction.atomic():
        page.last_reviewed_on = timezone.localdate(clock.now())
        page.save()
        audit_record(action="publishing.website_page_reviewed", obj=page)
    return page


@enforces("WEB-2")
def website_review_digest(now: datetime) -> int:
    """Once per ISO week: the overdue page reviews, emailed to the website administrator (CST) and
    the Headteacher. Idempotent: a second run in the same week sends nothing."""
    today = timezone.localdate(now)
    year, week, _ = today.isocalendar()
    key = f"{year}-W{week:02d}"
    if WebsiteReviewDigest.objects.filter(week=key).exists():
        return 0
    pages = overdue_pages(today)
    with transaction.atomic():
        _, created = WebsiteReviewDigest.objects.get_or_create(
            week=key, defaults={"sent_at": now, "overdue_count": len(pages)}
        )
        if not created:
            return 0
    if not pages:
        return 0
    roles = publishing_pack().website_review_roles
    people = (
        Person.objects.filter(is_active=True, roles__role__in=roles)
        .distinct()
        .select_related("user")
    )
    lines = [
        f"- {p.title} ({p.path}): owner {p.owner.full_name}, review was due {page_due_on(p):%-d %B %Y}"
        for p in pages
    ]
    _email(
        list(people),
        f"Website pages overdue for review ({len(pages)})",
        "These pages of the school website are overdue for their content review (WEB-2):\n\n"
        + "\n".join(lines)
        + f"\n\nThe register: {_link('publishing:website_register')}\n",
    )
    return 1
