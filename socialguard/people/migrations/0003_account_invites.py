from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("people", "0002_account_security")]

    operations = []
