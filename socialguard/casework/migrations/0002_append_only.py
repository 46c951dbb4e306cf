"""Evidence, its chain of custody, shredding records and the case chronology never change (SLT-3)."""

from django.db import migrations

from socialguard.audit.triggers import make_append_only


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [
        make_append_only("casework_evidence"),
        make_append_only("casework_custodyevent"),
        make_append_only("casework_evidenceshred"),
        make_append_only("casework_caseevent"),
    ]
