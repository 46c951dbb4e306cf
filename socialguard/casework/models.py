import uuid

from django.conf import settings
from django.db import models

from socialguard.people.models import Person


class Case(models.Model):
    """A concern reported by anyone (RESP-4), routed by category (REP-1)."""

    STATES = [
        ("new", "New"),
        ("triaged", "Triaged"),
        ("investigating", "Investigating"),
        ("outcome", "Outcome reached"),
        ("closed", "Closed"),
    ]
    SOURCES = [
        ("staff", "Reported by a signed-in person"),
        ("public", "Reported from outside the school"),
        ("api", "Reported through the API"),
    ]
    LOCATIONS = [
        ("social_media", "A social media post, profile or message"),
        ("message_board", "A message board or forum"),
        ("news_comment", "Comments under a news item or article"),
        ("email", "An email"),
        ("website", "Another website"),
        ("phone", "A phone call or text message"),
        ("other", "Somewhere else"),
    ]
    AWARE = [("yes", "Yes"), ("no", "No, they do not know yet"), ("unknown", "I do not know")]
    STAFF_CONCERN_LEVELS = [
        ("", "Not about a member of staff"),
        ("low_level", "Low-level concern (below the harm threshold)"),
        ("allegation", "Allegation that meets the harm threshold"),
    ]

    reference = models.CharField(max_length=24, unique=True)
    source = models.CharField(max_length=10, choices=SOURCES, default="staff")
    category = models.CharField(max_length=60)
    what_happened = models.TextField()
    location_kind = models.CharField(max_length=20, choices=LOCATIONS, default="social_media")
    platform = models.CharField(max_length=120, blank=True)
    url_or_sender = models.CharField(max_length=500, blank=True)
    happened_at = models.DateTimeField(null=True, blank=True)
    victim_aware = models.CharField(max_length=10, choices=AWARE, default="unknown")
    illegal_or_threats = models.BooleanField(default=False)
    indecent_image = models.BooleanField(default=False)
    restricted = models.BooleanField(default=False)
    police_hold = models.BooleanField(default=False)
    # CB-11: when the current police enquiry began (paused actions are extended by the pause).
    police_hold_since = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=STATES, default="new")
    pathway = models.CharField(max_length=20, blank=True)
    staff_concern_level = models.CharField(max_length=20, choices=STAFF_CONCERN_LEVELS, blank=True)
    about_headteacher = models.BooleanField(default=False)
    outcome = models.CharField(max_length=40, blank=True)
    outcome_text = models.TextField(blank=True)
    legal_heads = models.JSONField(default=list, blank=True)
    reporter = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="reported_cases"
    )
    public_reporter_name = models.CharField(max_length=200, blank=True)
    public_reporter_contact = models.CharField(max_length=200, blank=True)
    lead_handler = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="led_cases"
    )
    route = models.JSONField(default=list)
    escalation_level = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    triage_due = models.DateTimeField()
    due_at = models.DateTimeField()
    triaged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    triage_reminded = models.BooleanField(default=False)
    case_reminded = models.BooleanField(default=False)
    case_escalated = models.BooleanField(default=False)
    linked_cases = models.ManyToManyField("self", blank=True, symmetrical=True)
    # Urgent (SLT-4, SLT-5, the pack's urgent categories): top of the list until acknowledged.
    urgent = models.BooleanField(default=False, db_index=True)
    urgent_reason = models.CharField(max_length=300, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Hourly urgent escalation (casework/urgency.py): when the last urgent notice went out.
    urgent_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # The case list and dashboard at 100,000 cases (migration 0006).
        indexes = [
            models.Index(fields=["created_at", "id"], name="case_created_idx"),
            models.Index(fields=["state", "created_at"], name="case_state_created_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state != "closed"


class CaseAudience(models.Model):
    """Roles with need-to-know for a case (the route, narrowed for SLT-5 and low-level concerns)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="audience")
    role = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "role"], name="unique_case_audience_role")
        ]
        indexes = [models.Index(fields=["role", "case"], name="caseaudience_role_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.role}"


class CaseRecipient(models.Model):
    """Someone a case was routed or escalated to, and notified."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recipients")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=40)
    reason = models.CharField(max_length=20, default="routed")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.case_id}:{self.role}:{self.person_id}"


class CaseParty(models.Model):
    """A person involved in a case and their part. A named person never sees the case (PRIN-a)."""

    PARTS = [
        ("victim", "Person affected (victim)"),
        ("alleged_perpetrator", "Alleged perpetrator"),
        ("witness", "Witness"),
        ("reporter", "Reporter"),
        ("other", "Other"),
    ]
    KINDS = [
        ("staff", "Member of staff"),
        ("pupil", "Pupil"),
        ("parent", "Parent or carer"),
        ("public", "Member of the public"),
        ("unknown", "Not known"),
    ]

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="case_parts"
    )
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=KINDS, default="unknown")
    part = models.CharField(max_length=30, choices=PARTS)

    def __str__(self) -> str:
        return f"{self.case_id}:{self.part}"

    @property
    def label(self) -> str:
        return self.person.full_name if self.person else self.name


class PossibleMatch(models.Model):
    """Someone in the directory who may be the person a typed name means (PRIN-a, REP-1).

    Until a handler who is not named confirms or rules it out, the person is treated as named in
    the case: left out of its routing, access, lists, notifications and actions."""

    STATES = [("possible", "Possible match"), ("confirmed", "Confirmed"), ("rejected", "Ruled out")]
    SOURCES = [("party", "Name of a person involved"), ("text", "What happened")]
    NAMING_STATES = ("possible", "confirmed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="possible_matches")
    party = models.ForeignKey(
        CaseParty, null=True, blank=True, on_delete=models.CASCADE, related_name="possible_matches"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=SOURCES, default="party")
    state = models.CharField(max_length=10, choices=STATES, default="possible")
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "party", "person"],
                condition=models.Q(party__isnull=False),
                name="unique_possible_match_per_party",
            ),
            models.UniqueConstraint(
                fields=["case", "person"],
                condition=models.Q(party__isnull=True),
                name="unique_possible_match_in_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.person_id}:{self.state}"


class CaseEvent(models.Model):
    """The chronology: append-only (database triggers refuse UPDATE and DELETE)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=40)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}"


class CaseAction(models.Model):
    STATUS = [("open", "Open"), ("done", "Done"), ("cancelled", "Cancelled")]

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    key = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=300)
    clause = models.CharField(max_length=20, blank=True)
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="case_actions"
    )
    owner_role = models.CharField(max_length=40, blank=True)
    internal = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=STATUS, default="open")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_note = models.TextField(blank=True)
    police_confirmation = models.TextField(blank=True)  # free text before issue 10: old data only
    reminded = models.BooleanField(default=False)
    escalation_level = models.PositiveIntegerField(default=0)
    # Handler controls (casework/actions.py): cancelled with a reason, never deleted.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.TextField(blank=True)
    # CB-11: an internal action agreed with the police goes ahead during a police enquiry.
    police_agreed_by = models.CharField(max_length=200, blank=True)  # the officer: name and role
    police_agreed_at = models.DateTimeField(null=True, blank=True)
    police_agreement_note = models.TextField(blank=True)
    police_agreement_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # CB-12: a support task names the person to support and what the owner needs to know.
    support_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    brief = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["case", "status", "due_at"], name="caseaction_case_due_idx"),
            models.Index(fields=["status", "due_at"], name="caseaction_status_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, now) -> bool:
        return self.status == "open" and self.due_at < now


class Evidence(models.Model):
    """One item of evidence (CB-6, SLT-3). Append-only: never updated, never deleted.

    A file's bytes live encrypted under DATA_DIR/evidence; its data key is in EvidenceKey,
    whose row is deleted to crypto-shred the item (SLT-5)."""

    KINDS = [
        ("screenshot", "Screenshot"),
        ("file", "File"),
        ("web_page", "Saved web page"),
        ("email", "Email (.eml)"),
        ("phone_call", "Phone call log"),
        ("physical_item", "Item held in a secure physical location (not stored)"),
    ]

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=20, choices=KINDS)
    description = models.TextField(blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    site_address = models.CharField(max_length=500, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    storage_name = models.CharField(max_length=64, blank=True)
    nonce = models.BinaryField(blank=True, default=b"")
    phone_call_at = models.DateTimeField(null=True, blank=True)
    phone_who = models.CharField(max_length=200, blank=True)
    phone_summary = models.TextField(blank=True)
    physical_location = models.CharField(max_length=300, blank=True)
    held_by = models.CharField(max_length=200, blank=True)
    held_since = models.DateTimeField(null=True, blank=True)
    refused_reason = models.CharField(max_length=30, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_by_label = models.CharField(max_length=200, blank=True)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return str(self.reference)

    @property
    def is_file(self) -> bool:
        return bool(self.storage_name)


class EvidenceKey(models.Model):
    """The wrapped data key of one evidence file. Deleting it crypto-shreds the file."""

    evidence = models.OneToOneField(Evidence, on_delete=models.PROTECT, related_name="key")
    wrapped_key = models.BinaryField()
    wrap_nonce = models.BinaryField()

    def __str__(self) -> str:
        return f"key of evidence {self.evidence_id}"


class EvidenceShred(models.Model):
    """An evidence file destroyed under SLT-5: only its hash and metadata remain. Append-only."""

    evidence = models.OneToOneField(Evidence, on_delete=models.PROTECT, related_name="shred")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    physical_location = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"shred of evidence {self.evidence_id}"


class CustodyEvent(models.Model):
    """Chain of custody of one item of evidence. Append-only."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="custody")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=30)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.evidence_id}:{self.action}"
