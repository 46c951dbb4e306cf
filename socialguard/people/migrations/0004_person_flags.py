from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("people", "0003_account_invites")]

    operations = []
