import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _user_fk():
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
    )


class Migration(migrations.Migration):
    """Handler controls on actions (add, reassign, cancel), the CB-11 police agreement and pause,
    and the CB-12 support task's person and brief (casework/actions.py)."""

    dependencies = [
        ("casework", "0004_urgency"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="police_hold_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="caseaction",
            name="status",
            field=models.CharField(
                choices=[("open", "Open"), ("done", "Done"), ("cancelled", "Cancelled")],
                default="open",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="caseaction",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(model_name="caseaction", name="cancelled_by", field=_user_fk()),
        migrations.AddField(
            model_name="caseaction", name="cancel_reason", field=models.TextField(blank=True)
        ),
        migrations.AddField(
            model_name="caseaction",
            name="police_agreed_by",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="caseaction",
            name="police_agreed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="caseaction",
            name="police_agreement_note",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="caseaction", name="police_agreement_recorded_by", field=_user_fk()
        ),
        migrations.AddField(
            model_name="caseaction",
            name="support_person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="people.person",
            ),
        ),
        migrations.AddField(
            model_name="caseaction", name="brief", field=models.TextField(blank=True)
        ),
    ]
