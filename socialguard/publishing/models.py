"""Official accounts, drafts and their approval, publications, the archive and the website register."""

from django.db import models

from socialguard.people.models import Person

PLATFORMS = [
    ("website", "School website news"),
    ("newsletter", "Newsletter"),
    ("facebook", "Facebook page"),
    ("x", "X (Twitter)"),
    ("instagram", "Instagram"),
    ("youtube", "YouTube"),
    ("mastodon", "Mastodon"),
]
# Which policy channel (pack channel ID) each platform is.
PLATFORM_CHANNELS = {
    "website": "website",
    "newsletter": "newsletter",
}
# Platforms with an adapter that posts for us; the others are posted by hand by the officer.
CONNECTORS = [
    ("website", "SocialGuard website news page"),
    ("newsletter", "SocialGuard newsletter issue"),
    ("mastodon", "Mastodon API"),
    ("facebook", "Facebook Graph API"),
    ("x", "X API v2"),
    ("manual", "Posted by hand by the officer"),
]


def _with_newsletter_name(choices, template: str) -> list[tuple[str, str]]:
    """The choices with the newsletter called by its name in the school's pack."""
    from .packdata import publishing_pack

    name = publishing_pack().newsletter_name
    return [(k, template.format(name=name) if k == "newsletter" else v) for k, v in choices]


def platform_choices() -> list[tuple[str, str]]:
    return _with_newsletter_name(PLATFORMS, "{name} newsletter")


def connector_choices() -> list[tuple[str, str]]:
    return _with_newsletter_name(CONNECTORS, "SocialGuard {name} issue")


class OfficialAccount(models.Model):
    """An account of the school, never of a person (PAR-6, OFF-2): there is no owner field to fill."""

    platform = models.CharField(max_length=20, choices=PLATFORMS)
    name = models.CharField(max_length=120, unique=True)
    address = models.CharField("Public address", max_length=300, blank=True)
    connector = models.CharField(max_length=20, choices=CONNECTORS, default="manual")
    base_url = models.URLField("Service address", max_length=300, blank=True)
    remote_account_id = models.CharField("Page or account ID", max_length=120, blank=True)
    credentials_encrypted = models.TextField(blank=True)
    credentials_hint = models.CharField(max_length=12, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def channel(self) -> str:
        return PLATFORM_CHANNELS.get(self.platform, "official_social_media")

    @property
    def platform_label(self) -> str:
        return dict(platform_choices()).get(self.platform, self.platform)

    @property
    def connector_label(self) -> str:
        return dict(connector_choices()).get(self.connector, self.connector)


class Draft(models.Model):
    STATES = [
        ("draft", "Draft"),
        ("submitted", "Awaiting approval"),
        ("returned", "Returned with comments"),
        ("rejected", "Rejected"),
        ("approved", "Approved"),
        ("published", "Published"),
    ]
    author = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="drafts")
    title = models.CharField(max_length=150, blank=True)
    text = models.TextField()
    accounts = models.ManyToManyField(OfficialAccount, related_name="drafts")
    scheduled_for = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=STATES, default="draft")
    verdict = models.CharField(max_length=10, default="pass")
    findings = models.JSONField(default=list, blank=True)
    approver = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="drafts_to_approve"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="drafts_decided"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    approved_hash = models.CharField(max_length=64, blank=True)
    findings_at_approval = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.title or f"Draft {self.pk}"

    @property
    def heading(self) -> str:
        return self.title or (self.text[:60] + ("…" if len(self.text) > 60 else ""))


class DraftImage(models.Model):
    """An image of a draft, kept under DATA_DIR/publishing with a random name, metadata stripped."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="images")
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=80, unique=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    alt_text = models.CharField(max_length=300, blank=True)
    photo_check = models.JSONField(null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class Publication(models.Model):
    """One approved draft going to one account, with retries (exponential backoff)."""

    STATES = [
        ("queued", "Waiting to go out"),
        ("retrying", "Failed; trying again"),
        ("published", "Published"),
        ("failed", "Failed"),
    ]
    draft = models.ForeignKey(Draft, on_delete=models.PROTECT, related_name="publications")
    account = models.ForeignKey(OfficialAccount, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=STATES, default="queued")
    due_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    remote_id = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "account"], name="one_publication_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.draft} → {self.account}"


class ArchiveItem(models.Model):
    """Everything that went out, kept as it was (append-only in the database)."""

    publication = models.OneToOneField(
        Publication, on_delete=models.PROTECT, related_name="archive_item"
    )
    account = models.ForeignKey(OfficialAccount, on_delete=models.PROTECT, related_name="+")
    account_name = models.CharField(max_length=120)
    platform = models.CharField(max_length=20)
    title = models.CharField(max_length=150, blank=True)
    text = models.TextField()
    images = models.JSONField(default=list)  # [{"name", "stored_name", "sha256", "alt_text"}]
    drafted_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    drafted_by_name = models.CharField(max_length=200)
    approved_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    approved_by_name = models.CharField(max_length=200)
    approved_at = models.DateTimeField()
    findings_at_approval = models.JSONField(default=list)
    content_hash = models.CharField(max_length=64)
    published_at = models.DateTimeField(db_index=True)
    remote_id = models.CharField(max_length=200, blank=True)
    remote_url = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.account_name}: {self.title or self.text[:40]}"


class Takedown(models.Model):
    """A published item withdrawn: recorded beside it, never by deleting it (append-only)."""

    item = models.ForeignKey(ArchiveItem, on_delete=models.PROTECT, related_name="takedowns")
    reason = models.TextField()
    taken_down_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    taken_down_at = models.DateTimeField()
    remote_result = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-taken_down_at"]

    def __str__(self) -> str:
        return f"Takedown of {self.item_id}"


class WebsitePage(models.Model):
    """WEB-1/2: a page of the school website, the member of staff who owns its content, and how
    often it is reviewed."""

    title = models.CharField(max_length=150)
    path = models.CharField("Address on the website", max_length=300, unique=True)
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="website_pages")
    review_every_days = models.PositiveIntegerField(default=90)
    last_reviewed_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class WebsiteReviewDigest(models.Model):
    """The weekly overdue-review email, once per ISO week (WEB-2)."""

    week = models.CharField(max_length=10, unique=True)  # e.g. "2026-W48"
    sent_at = models.DateTimeField()
    overdue_count = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.week
