from django.db import migrations

from socialguard.audit.triggers import make_append_only


class Migration(migrations.Migration):
    """The archive and its takedown records are append-only: the database refuses UPDATE and DELETE."""

    dependencies = [("publishing", "0001_initial")]

    operations = [
        make_append_only("publishing_archiveitem"),
        make_append_only("publishing_takedown"),
    ]
