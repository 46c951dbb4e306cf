from django.db import migrations


class Migration(migrations.Migration):
    """Placeholder: filled in by the work that owns it."""

    dependencies = [("records", "0002_destruction")]

    operations = []
