"""Monitoring records: ingested files, identities, sealed raw lines, flags, exclusions, warrants."""

from django.db import models


class IngestFile(models.Model):
    """One file read from one source; (source, sha256) is unique so a file is never counted twice."""

    source = models.CharField(max_length=30)
    sha256 = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    lines = models.PositiveBigIntegerField(default=0)  # checkpoint: lines committed so far
    parsed = models.PositiveBigIntegerField(default=0)
    malformed = models.PositiveBigIntegerField(default=0)
    malformed_samples = models.JSONField(default=list)
    flags = models.PositiveIntegerField(default=0)
    by_severity = models.JSONField(default=dict)
    complete = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "sha256"], name="monitoring_unique_file")
        ]

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"


class Identity(models.Model):
    KINDS = [("username", "Username"), ("email", "Email"), ("device", "Device"), ("ip", "IP")]
    kind = models.CharField(max_length=10, choices=KINDS)
    value = models.CharField(max_length=255)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_to = models.DateTimeField(null=True, blank=True)
    seen = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"])]

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"


class LogLine(models.Model):
    """A raw line, sealed (AES-GCM), kept for the pack's retention, then deleted by the sweep."""

    ingest = models.ForeignKey(IngestFile, on_delete=models.CASCADE, related_name="+")
    line_no = models.PositiveBigIntegerField()
    source = models.CharField(max_length=30)
    time = models.DateTimeField()
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sealed = models.BinaryField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["person", "time"])]

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"


class Flag(models.Model):
    STATES = [
        ("new", "New"),
        ("reviewed", "Reviewed"),
        ("false_positive", "False positive"),
        ("escalated", "Escalated"),
    ]
    ingest = models.ForeignKey(
        IngestFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    line_no = models.PositiveBigIntegerField(default=0)
    source = models.CharField(max_length=30)
    time = models.DateTimeField()
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    identity = models.CharField(max_length=255, blank=True)
    subject_kind = models.CharField(max_length=10, default="unknown")  # pupil / staff / unknown
    category = models.CharField(max_length=40)
    severity = models.CharField(max_length=20)
    matched = models.CharField(max_length=200)
    target = models.CharField(max_length=500)
    state = models.CharField(max_length=20, choices=STATES, default="new")
    state_reason = models.TextField(blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    case_reference = models.CharField(max_length=40, blank=True)
    notified = models.BooleanField(default=False)
    digested = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["category", "state"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"


class Exclusion(models.Model):
    SCOPES = [
        ("word", "A word or phrase"),
        ("domain", "A website"),
        ("person", "One person"),
        ("year_group", "A year group"),
    ]
    scope = models.CharField(max_length=12, choices=SCOPES)
    value = models.CharField(max_length=255)
    category = models.CharField(max_length=40, blank=True)  # blank: every category
    reason = models.TextField()
    until = models.DateField(null=True, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"


class Notification(models.Model):
    """An urgent alert sent at once (rate-limit per person and category)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=40)
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"


class Warrant(models.Model):
    STATES = [
        ("pending", "Waiting for approval"),
        ("approved", "Approved"),
        ("refused", "Refused"),
        ("revoked", "Revoked"),
    ]
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    justification = models.TextField()
    sources = models.JSONField(default=list)
    date_from = models.DateField()
    date_to = models.DateField()
    expires_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=STATES, default="pending")
    approver_role = models.CharField(max_length=40)
    decided_by = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"


class WarrantSearch(models.Model):
    warrant = models.ForeignKey(Warrant, on_delete=models.PROTECT, related_name="searches")
    searched_by = models.CharField(max_length=150)
    at = models.DateTimeField()
    date_from = models.DateField()
    date_to = models.DateField()
    allowed = models.BooleanField()
    reason = models.TextField()
    lines_returned = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"
