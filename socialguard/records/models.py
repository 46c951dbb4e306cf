"""Records lifecycle (issue 12): legal holds that keep records from the review list."""

from django.conf import settings
from django.db import models


class LegalHold(models.Model):
    """A hold on a case, a person or everything (IICSA-style): nothing it covers is due (SLT-3)."""

    SCOPES = [
        ("case", "One case"),
        ("person", "Everything about one person"),
        ("everything", "Everything (an inquiry-style hold)"),
    ]
    ASKED_BY = [
        ("police", "The police"),
        ("lado", "The LADO"),
        ("inquiry", "A public inquiry"),
        ("litigation", "Litigation"),
    ]

    scope = models.CharField(max_length=20, choices=SCOPES)
    case = models.ForeignKey(
        "casework.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    asked_by = models.CharField(max_length=20, choices=ASKED_BY)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]

    def __str__(self) -> str:
        return f"hold {self.pk} ({self.scope})"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class RetentionReview(models.Model):
    """A record that reached the end of its retention period, on the DPL's review list.

    Filled by the daily sweep (records.tasks); the DPL or Headteacher approves destruction or
    extends with a reason. Destruction itself is not done here (issue 12, later pass)."""

    STATES = [
        ("pending", "Waiting for a decision"),
        ("approved", "Destruction approved"),
        ("extended", "Kept longer"),
    ]

    record_type = models.CharField(max_length=40)
    record_id = models.CharField(max_length=100)
    case = models.ForeignKey(
        "casework.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.CharField(max_length=100)
    due = models.DateField()
    action = models.CharField(max_length=20)
    state = models.CharField(max_length=20, choices=STATES, default="pending")
    listed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    extended_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["record_type", "record_id"], name="review_record_idx")]

    def __str__(self) -> str:
        return f"review {self.record_type} {self.record_id} ({self.state})"


class RetentionSweepDay(models.Model):
    """One row per day the retention sweep ran, so the every-minute worker lists once a day."""

    day = models.DateField(unique=True)

    def __str__(self) -> str:
        return f"retention sweep {self.day}"
