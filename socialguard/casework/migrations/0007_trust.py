from django.db import migrations


class Migration(migrations.Migration):
    """Placeholder: filled in by the work that owns it."""

    dependencies = [("casework", "0006_case_list_indexes")]

    operations = []
