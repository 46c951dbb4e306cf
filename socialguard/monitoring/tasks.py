"""Monitoring sweeps: the daily digest and deletion of raw lines past the pack's retention."""

from socialguard.audit.services import audit_record
from socialguard.web.schedule import register_sweep

from .flags import daily_digest
from .models import LogLine


@register_sweep
def monitoring_sweep(now) -> int:
    expired = LogLine.objects.filter(expires_at__lte=now)
    count = expired.count()
    if count:
        expired.delete()
        audit_record(action="monitoring.lines_deleted", object_type="monitoring.logline",
                     detail={"lines": count, "reason": "retention period ended"})  # fmt: skip
    return count + daily_digest(now)
