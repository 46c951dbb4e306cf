import hashlib
import secrets
import time
from base64 import b32encode
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django_otp.models import Device, ThrottlingMixin
from django_otp.oath import TOTP

from .secrets_at_rest import seal, unseal


class Person(models.Model):
    """Anyone the policy covers (COV-3): staff, trainees, contractors, volunteers, governors,
    the proprietor, pupils, parents and carers, ex-pupils. Parents and pupils have no account."""

    external_id = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=20, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    upn = models.CharField("Unique Pupil Number", max_length=13, blank=True)
    year_group = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    line_manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name", "external_id"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.display_name

    @property
    def full_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}".strip()

    @property
    def display_name(self) -> str:
        if self.title:
            return f"{self.title} {self.family_name}"
        return self.full_name

    @property
    def role_ids(self) -> list[str]:
        return sorted(r.role for r in self.roles.all())


class PersonRole(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=40, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "role"], name="unique_person_role")
        ]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.role}"


class ParentOf(models.Model):
    """A parent or carer of a pupil. A member of staff can be a parent too (PERS-13)."""

    parent = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="children_links")
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="parent_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["parent", "child"], name="unique_parent_child")
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} parent of {self.child_id}"


class ImportJob(models.Model):
    """A people or consent CSV import started from the web UI; the worker runs it and reports progress."""

    KIND_CHOICES = [("people", "People"), ("consent", "Image consent")]
    STATE_CHOICES = [
        ("queued", "Queued"),
        ("running", "Running"),
        ("done", "Imported"),
        ("failed", "Not imported"),
    ]
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    filename = models.CharField(max_length=255)
    content = models.TextField()
    state = models.CharField(max_length=20, choices=STATE_CHOICES, default="queued")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} import {self.filename} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class ApiToken(models.Model):
    """A personal API token for scripts. Only its SHA-256 is kept; it is shown once when created.

    `scope` maps an API area (people, cases, …) to "read" (GET and HEAD only) or "write"; an area
    not in it is refused. Every token expires; changing the password or the authenticator, or
    switching the account off, revokes them all."""

    READ = "read"
    WRITE = "write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_token(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def scope_summary(self) -> list[tuple[str, str]]:
        return sorted(self.scope.items())


TOTP_PURPOSE = b"socialguard two-factor seeds v1"


class EncryptedTOTPDevice(ThrottlingMixin, Device):
    """A TOTP authenticator whose seed is sealed with the master key (django-otp's own TOTPDevice
    keeps it in plain hex). django-otp finds it like any Device, so `user.is_verified()` works."""

    encrypted_key = models.BinaryField()
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    def _bound_to(self) -> bytes:
        return f"totp-device:user={self.user_id}".encode()

    def set_key(self, key: bytes) -> None:
        self.encrypted_key = seal(key, purpose=TOTP_PURPOSE, bound_to=self._bound_to())

    @property
    def bin_key(self) -> bytes:
        return unseal(self.encrypted_key, purpose=TOTP_PURPOSE, bound_to=self._bound_to())

    def save(self, *args, **kwargs):
        if not self.encrypted_key:
            self.set_key(secrets.token_bytes(20))
        super().save(*args, **kwargs)

    def current_code(self) -> str:
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        return f"{totp.token():0{self.digits}d}"

    def verify_token(self, token) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            token = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(token, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self):
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """The otpauth:// address an authenticator app reads from the QR code."""
        issuer = (getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        label = self.user.get_username()
        params = {
            "secret": b32encode(self.bin_key),
            "algorithm": "SHA1",
            "digits": self.digits,
            "period": self.step,
        }
        query = urlencode(params)
        if issuer:
            label = f"{issuer}:{label}"
            query += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{query}"


class AccountLink(models.Model):
    """A one-time link to set a password (an invitation or a reset). Only the token's SHA-256 is
    kept; the link works once, until `expires_at`, and a newer link for the account ends it."""

    INVITE = "invite"
    RESET = "reset"
    PURPOSE_CHOICES = [(INVITE, "Invitation"), (RESET, "Password reset")]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_links"
    )
    purpose = models.CharField(max_length=10, choices=PURPOSE_CHOICES)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for user {self.user_id}"

    @staticmethod
    def hash_token(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class PersonFlag(models.Model):
    """A safeguarding flag on a person (child protection plan, looked after, SEND…): one of the
    pack's `[casework.person_flags]`. Set and cleared by a handler; a cleared flag is kept, with
    who cleared it and when, so the person's page shows its history."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="flags")
    flag = models.CharField(max_length=40)
    note = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField()
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-set_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "flag"],
                condition=models.Q(cleared_at__isnull=True),
                name="unique_current_person_flag",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.flag}"
