from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("casework", "0004_urgency")]

    operations = []
