"""Key the audit chain (HMAC-SHA256 under the audit key) and refuse TRUNCATE on PostgreSQL.

Events already written keep their plain SHA-256 seal (hash version 1) and are never rewritten:
history stays as it was. One keyed `chain.rekeyed` event is appended after them, sealing their
count and the hash of the last of them, so that they cannot be recomputed unnoticed either.
"""

from django.db import migrations, models

from socialguard.audit.triggers import append_only_sql, drop_no_truncate_sql, no_truncate_sql

TABLE = "audit_auditevent"


def protect(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    # Adding columns on SQLite rebuilds the table, which drops its triggers: put them back.
    for statement in [*append_only_sql(vendor, TABLE), *no_truncate_sql(vendor, TABLE)]:
        schema_editor.execute(statement, params=None)


def unprotect(apps, schema_editor):
    for statement in drop_no_truncate_sql(schema_editor.connection.vendor, TABLE):
        schema_editor.execute(statement, params=None)


def key_the_chain(apps, schema_editor):
    from socialguard.audit.services import REKEYED, append_event, key_id, rekey_detail

    event_model = apps.get_model("audit", "AuditEvent")
    legacy = event_model.objects.filter(hash_version=1).count()
    if not legacy:
        return
    head = event_model.objects.order_by("-id").values("id", "hash").first()
    append_event(
        event_model,
        action=REKEYED,
        actor_label="system",
        object_type="audit.auditevent",
        detail=rekey_detail(head["id"], head["hash"], legacy, key_id()),
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.RunPython(protect, unprotect),
        migrations.RunPython(key_the_chain, migrations.RunPython.noop),
    ]
