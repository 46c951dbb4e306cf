from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("casework", "0005_action_controls")]

    operations = []
