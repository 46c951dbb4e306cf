"""Account security (issue 9): two-factor seeds sealed with the master key, API tokens with an
expiry and a scope.

Existing rows: every django-otp TOTPDevice is copied into EncryptedTOTPDevice (seed sealed) and
the plaintext row deleted; every existing API token gets 30 days from now and read-only access
to every area, so scripts keep working for a month while their owners make scoped tokens."""

from binascii import unhexlify
from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

AREAS = ("people", "policy", "cases", "publishing", "checks", "consent", "contact", "declarations")


def seal_totp_seeds(apps, schema_editor):
    from socialguard.people.models import TOTP_PURPOSE
    from socialguard.people.secrets_at_rest import seal

    Plain = apps.get_model("otp_totp", "TOTPDevice")
    Sealed = apps.get_model("people", "EncryptedTOTPDevice")
    for device in Plain.objects.all():
        Sealed.objects.create(
            user_id=device.user_id,
            name=device.name,
            confirmed=device.confirmed,
            encrypted_key=seal(
                unhexlify(device.key.encode()),
                purpose=TOTP_PURPOSE,
                bound_to=f"totp-device:user={device.user_id}".encode(),
            ),
            step=device.step,
            t0=device.t0,
            digits=device.digits,
            tolerance=device.tolerance,
            drift=device.drift,
            last_t=device.last_t,
        )
    Plain.objects.all().delete()


def thirty_days_from_now():
    return timezone.now() + timedelta(days=30)


def read_only_everywhere():
    return {area: "read" for area in AREAS}


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Defaults given once for the existing rows (no UPDATE, so PostgreSQL can alter the table
        # in the same transaction), then dropped: a new token always gets its own.
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(default=thirty_days_from_now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_reason",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.JSONField(blank=True, default=read_only_everywhere),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="scope",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.CreateModel(
            name="EncryptedTOTPDevice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The human-readable name of this device.", max_length=64
                    ),
                ),
                (
                    "confirmed",
                    models.BooleanField(default=True, help_text="Is this device ready for use?"),
                ),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. "
                        "Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(
                        default=0, help_text="Number of successive failed attempts."
                    ),
                ),
                ("encrypted_key", models.BinaryField()),
                ("step", models.PositiveSmallIntegerField(default=30)),
                ("t0", models.BigIntegerField(default=0)),
                ("digits", models.PositiveSmallIntegerField(default=6)),
                ("tolerance", models.PositiveSmallIntegerField(default=1)),
                ("drift", models.SmallIntegerField(default=0)),
                ("last_t", models.BigIntegerField(default=-1)),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "authenticator app",
                "abstract": False,
            },
        ),
        migrations.RunPython(seal_totp_seeds, migrations.RunPython.noop),
    ]
