from django.db import migrations


class Migration(migrations.Migration):
    """Placeholder: filled in by the work that owns it."""

    dependencies = [("monitoring", "0001_initial")]

    operations = []
