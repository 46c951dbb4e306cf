import hashlib

from django.conf import settings
from django.db import models


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
    """A personal API token for scripts. Only its SHA-256 is kept; it is shown once when created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_token(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
