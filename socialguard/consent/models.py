"""Image consent (IMG-1, IMG-2), the restricted list (IMG-3), biometric consent and face
enrolment (Protection of Freedoms Act 2012 ss. 26-28), photo checks and takedowns.

Every consent answer is a row of the append-only history (`ConsentChange`); the current answer
for each item is kept in `ConsentState`, which only the services write.
"""

from django.conf import settings
from django.db import models

from socialguard.people.models import Person

PURPOSE_ITEMS = ("internal", "print", "website", "social_media", "press")
RESTRICTED = "restricted"
BIOMETRIC_CONSENT = "biometric_consent"
BIOMETRIC_OBJECTION = "biometric_objection"
BIOMETRIC_REFUSAL = "biometric_refusal"
ITEM_CHOICES = [
    ("internal", "Displays inside school"),
    ("print", "Printed materials"),
    ("website", "School website"),
    ("social_media", "Official social media"),
    ("press", "Newspapers and other media"),
    (RESTRICTED, "Restricted list"),
    (BIOMETRIC_CONSENT, "Consent to face matching"),
    (BIOMETRIC_OBJECTION, "Objection to face matching"),
    (BIOMETRIC_REFUSAL, "Child refuses face matching"),
]


class ConsentChange(models.Model):
    """One answer, as given: append-only (the database refuses UPDATE and DELETE)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    item = models.CharField(max_length=30, choices=ITEM_CHOICES)
    # Biometric consent and objection are per parent (their external id, or "self" for staff);
    # every other item has one current answer per person ("").
    key = models.CharField(max_length=64, blank=True)
    value = models.BooleanField()
    given_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    given_by_name = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=30)
    # The restricted list's reason: shown to the DSL and Headteacher only.
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.item}={self.value}"


class ConsentState(models.Model):
    """The current answer for one item of one person: the latest change."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consent_states")
    item = models.CharField(max_length=30, choices=ITEM_CHOICES)
    key = models.CharField(max_length=64, blank=True)
    change = models.ForeignKey(ConsentChange, on_delete=models.PROTECT, related_name="+")
    value = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "item", "key"], name="unique_consent_state")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.item}[{self.key}]={self.value}"


class ConsentLink(models.Model):
    """A parent's single-use, expiring e-consent link for one child. The URL carries a signed
    nonce; the row says whether it has been used."""

    nonce = models.CharField(max_length=64, unique=True)
    parent = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    sent_to = models.EmailField(blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Consent link for {self.child_id} to {self.parent_id}"


class FaceEmbedding(models.Model):
    """A 128-d face embedding, AES-GCM encrypted (nonce + ciphertext). Nothing else of the face."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="face_embeddings")
    ciphertext = models.BinaryField()
    source_sha256 = models.CharField(max_length=64)
    enrolled_at = models.DateTimeField()
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Face embedding of {self.person_id}"


class ReferencePhoto(models.Model):
    """A photo of a child on the restricted list, for a person to compare by eye. Encrypted file
    under DATA_DIR/consent/reference/; seen by the DSL and the social media officers only."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reference_photos")
    stored_name = models.CharField(max_length=64, unique=True)
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Reference photo of {self.person_id}"


class PhotoCheck(models.Model):
    """One photo checked for one purpose. The photo itself is kept (encrypted) only when it was
    checked on the web page or a person must review it."""

    sha256 = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=20)
    verdict = models.CharField(max_length=10)
    faces = models.JSONField(default=list)
    stored_name = models.CharField(max_length=64, blank=True)
    via = models.CharField(max_length=20)
    checked_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"Photo {self.sha256[:12]} for {self.purpose}: {self.verdict}"

    @property
    def needs_review(self) -> bool:
        return self.verdict == "review"


class PhotoMatch(models.Model):
    """Which person was found in which photo (by SHA-256): what a withdrawal must take down."""

    sha256 = models.CharField(max_length=64, db_index=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="photo_matches")
    checked_photo = models.ForeignKey(PhotoCheck, on_delete=models.CASCADE, related_name="matches")
    face_index = models.PositiveIntegerField()
    by_review = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.person_id} in {self.sha256[:12]}"


class FaceReview(models.Model):
    """A person's decision about a face the check could not name."""

    NOT_PUPIL = "not_pupil"
    PERSON = "person"
    RESTRICTED = "restricted"
    DECISIONS = [
        (NOT_PUPIL, "Not a pupil (an adult or visitor who agreed to the photo)"),
        (PERSON, "A person in the directory"),
        (RESTRICTED, "A child on the restricted list"),
    ]
    checked_photo = models.ForeignKey(PhotoCheck, on_delete=models.CASCADE, related_name="reviews")
    face_index = models.PositiveIntegerField()
    decision = models.CharField(max_length=20, choices=DECISIONS)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checked_photo", "face_index"], name="unique_face_review"
            )
        ]

    def __str__(self) -> str:
        return f"Face {self.face_index} of check {self.checked_photo_id}: {self.decision}"


class TakedownNeeded(models.Model):
    """Consent withdrawn or a child restricted: the photos known to show them must come down."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200)
    purposes = models.JSONField(default=list)
    photos = models.JSONField(default=list)  # [{"sha256", "purposes", "checked_at"}]
    published_items = models.JSONField(default=list)  # from the publishing app, when it tells us
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_note = models.TextField(blank=True)

    class Meta:
        ordering = ["done_at", "-created_at"]

    def __str__(self) -> str:
        return f"Takedown needed for {self.person_id}"


class BatchCheck(models.Model):
    """A zip (or several files) of event photos checked in the background. The uploads are kept
    encrypted only until the run ends; afterwards only small encrypted thumbnails remain, for the
    contact sheet, with each photo's verdict and faces in `results`."""

    STATES = [
        ("queued", "Waiting to start"),
        ("running", "Checking"),
        ("done", "Checked"),
        ("failed", "Stopped"),
    ]
    purpose = models.CharField(max_length=20)
    label = models.CharField(max_length=255)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=10, choices=STATES, default="queued")
    # [{"name", "stored", "kind": "zip" | "file"}]: encrypted uploads, deleted after the run.
    staged = models.JSONField(default=list, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    # [{"name", "verdict" | None, "message", "check_id", "thumb", "faces": [...thumbnail boxes]}]
    results = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Batch check {self.pk} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.processed / self.total) if self.total else 0

    @property
    def running(self) -> bool:
        return self.state in ("queued", "running")

    def counts(self) -> dict[str, int]:
        counts = {"pass": 0, "review": 0, "block": 0, "skipped": 0}
        for row in self.results:
            counts[row.get("verdict") or "skipped"] = (
                counts.get(row.get("verdict") or "skipped", 0) + 1
            )
        return counts
