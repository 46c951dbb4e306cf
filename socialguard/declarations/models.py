from django.conf import settings
from django.db import models

from socialguard.people.models import Person


class Declaration(models.Model):
    """One member of staff's annual personal-use declaration (PERS-1..13). Answers are private:
    only the person, the Headteacher and their line manager may see them."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="declarations")
    completed_at = models.DateTimeField()
    review_due_at = models.DateTimeField()
    pack_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-completed_at"]
        indexes = [models.Index(fields=["person", "-completed_at"])]

    def __str__(self) -> str:
        return f"Declaration #{self.pk} by {self.person}"

    @property
    def concerns(self):
        return [a for a in self.answers.all() if a.outcome == DeclarationAnswer.CONCERN]


class DeclarationAnswer(models.Model):
    OK, CONCERN, COVERED = "ok", "concern", "covered"
    OUTCOME_CHOICES = [
        (OK, "All is well"),
        (CONCERN, "Possible breach"),
        (COVERED, "Covered by an exception"),
    ]
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="answers")
    item_id = models.CharField(max_length=60)
    clause = models.CharField(max_length=20)
    question = models.TextField()
    answer = models.CharField(max_length=3)
    outcome = models.CharField(max_length=10, choices=OUTCOME_CHOICES)
    exception = models.ForeignKey(
        "ExceptionRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    guidance_shown_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "item_id"], name="unique_declaration_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.answer}"


class DeclarationReminder(models.Model):
    """A reminder already sent for one due date, so the sweep sends each one once."""

    BEFORE, OVERDUE = "before", "overdue"
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()
    stage = models.CharField(max_length=10)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "due_at", "stage"], name="unique_declaration_reminder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stage} reminder for {self.person_id}"


class ExceptionRequest(models.Model):
    """PERS-8: pre-approval to use a school email or official contact details for a social account."""

    PENDING, APPROVED, REFUSED = "pending", "approved", "refused"
    STATUS_CHOICES = [
        (PENDING, "Waiting for a decision"),
        (APPROVED, "Approved"),
        (REFUSED, "Refused"),
    ]
    requester = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="exception_requests"
    )
    kind = models.CharField(max_length=60)
    platform = models.CharField(max_length=100)
    purpose = models.TextField()
    account_handle = models.CharField(max_length=200)
    until = models.DateField()
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=PENDING)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Exception #{self.pk}"


class TrainingRecord(models.Model):
    """PAR-6: training of designated officers and safeguarding roles, with its expiry."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="training_records")
    kind = models.CharField(max_length=60)
    course = models.CharField(max_length=200)
    completed_on = models.DateField()
    expires_on = models.DateField()
    certificate_reference = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-expires_on", "-pk"]
        indexes = [models.Index(fields=["person", "kind", "-expires_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("completed_on")),
                name="training_expires_after_completion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} training of {self.person}"


class TrainingReminder(models.Model):
    EXPIRING, EXPIRED = "expiring", "expired"
    record = models.ForeignKey(TrainingRecord, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(max_length=10)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "stage"], name="unique_training_reminder")
        ]

    def __str__(self) -> str:
        return f"{self.stage} reminder for training {self.record_id}"
