from django.db import migrations


class Migration(migrations.Migration):
    """Placeholder: filled in by the work that owns it."""

    dependencies = [("people", "0004_person_flags")]

    operations = []
