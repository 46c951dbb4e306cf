from django.db import migrations


class Migration(migrations.Migration):
    """Placeholder: filled in by the work that owns it."""

    dependencies = [("publishing", "0005_review_overrides")]

    operations = []
