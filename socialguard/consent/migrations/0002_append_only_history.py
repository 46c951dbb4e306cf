from django.db import migrations

from socialguard.audit.triggers import make_append_only


class Migration(migrations.Migration):
    """Consent history is append-only: the database refuses UPDATE and DELETE (IMG-1)."""

    dependencies = [("consent", "0001_initial")]

    operations = [make_append_only("consent_consentchange")]
