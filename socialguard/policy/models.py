from django.conf import settings
from django.db import models


class PolicyVersion(models.Model):
    """One distinct content of the school's policy pack, identified by its SHA-256."""

    content_hash = models.CharField(max_length=64, unique=True)
    school_id = models.CharField(max_length=100)
    source = models.CharField(max_length=500)
    content = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.school_id} policy {self.short_hash}"

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]


class Acknowledgement(models.Model):
    """A person has read and acknowledged one version of the policy."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="policy_acknowledgements"
    )
    version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    version_hash = models.CharField(max_length=64)
    acknowledged_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="one_ack_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} acknowledged {self.version_hash[:12]}"
