"""School mobiles and trips (PAR-5, OFF-4), withheld-number permissions (PAR-5) and the log of
messages and calls from parents with their reply deadlines (PRIN-h, PAR-3, SLT-3)."""

from django.conf import settings
from django.db import models

from socialguard.people.models import Person


class SchoolDevice(models.Model):
    """A mobile phone the school provides (OFF-5), signed out to trips (PAR-5, OFF-4)."""

    STATUS_CHOICES = [
        ("in_service", "In service"),
        ("out_of_service", "Out of service"),
        ("lost", "Lost"),
    ]
    name = models.CharField(max_length=100, unique=True)
    number = models.CharField(max_length=30)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default="in_service")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class Trip(models.Model):
    name = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    lead = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="trips_led")
    staff = models.ManyToManyField(Person, related_name="trips_staffed", blank=True)
    pupils = models.ManyToManyField(Person, related_name="trips_joined", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class DeviceLoan(models.Model):
    """A school mobile signed out to a trip and a member of staff, until it is returned."""

    device = models.ForeignKey(SchoolDevice, on_delete=models.PROTECT, related_name="loans")
    trip = models.ForeignKey(Trip, on_delete=models.PROTECT, related_name="loans")
    holder = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="device_loans")
    signed_out_at = models.DateTimeField()
    signed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When the office was told the phone was not back after the trip.
    flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_out_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["device"],
                condition=models.Q(returned_at__isnull=True),
                name="contact_one_open_loan_per_device",
            )
        ]

    def __str__(self) -> str:
        return f"{self.device} on {self.trip}"


class WithheldNumberPermission(models.Model):
    """PAR-5: prior permission from the Headteacher or proprietor to call from a withheld number."""

    STATUS_CHOICES = [
        ("pending", "Waiting for a decision"),
        ("granted", "Granted"),
        ("refused", "Refused"),
    ]
    requester = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="withheld_permissions"
    )
    trip = models.ForeignKey(Trip, on_delete=models.PROTECT, related_name="withheld_permissions")
    reason = models.TextField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()  # the permission expires at this moment
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default="pending")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Withheld-number permission {self.pk}"

    def is_live(self, now) -> bool:
        return self.status == "granted" and self.starts_at <= now < self.ends_at


class ParentMessage(models.Model):
    """A message or telephone call from a parent or carer, with its reply deadline (PRIN-h).

    Entries are never edited or deleted (SLT-3: phone calls are logged as evidence); only the
    reply, reminder and escalation stamps are added."""

    KIND_CHOICES = [("message", "Message"), ("call", "Telephone call")]
    DIRECTION_CHOICES = [("from_parent", "From the parent"), ("to_parent", "To the parent")]
    kind = models.CharField(max_length=10, choices=KIND_CHOICES, default="message")
    direction = models.CharField(max_length=12, choices=DIRECTION_CHOICES, default="from_parent")
    parent = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="messages_sent")
    channel = models.CharField(max_length=40)
    topic = models.CharField(max_length=120)
    summary = models.TextField()
    received_at = models.DateTimeField()
    reply_due_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="parent_messages_assigned"
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["reply_due_at", "-received_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.parent}: {self.topic}"

    def is_overdue(self, now) -> bool:
        return (
            self.replied_at is None and self.reply_due_at is not None and now >= self.reply_due_at
        )
