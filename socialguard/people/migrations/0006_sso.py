from django.db import migrations


class Migration(migrations.Migration):
    """Placeholder: filled in by the work that owns it."""

    dependencies = [("people", "0005_ctf_mappings")]

    operations = []
