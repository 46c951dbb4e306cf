from django.db import models


class AuditEvent(models.Model):
    """One link of the append-only, hash-chained audit trail.

    The table refuses UPDATE and DELETE (triggers in migration 0002) and, on PostgreSQL, TRUNCATE
    (0003), so the trail can only grow. `hash` seals every field and `previous_hash`: an
    HMAC-SHA256 under the audit key kept outside the database (hash version 2), or, for events
    written before the chain was keyed, a plain SHA-256 (version 1). Any edit, deletion,
    insertion, reordering or recomputation breaks the chain and `socialguard audit-verify` finds it.
    """

    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=100, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    hash_version = models.PositiveSmallIntegerField(default=1)
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only")
