"""Two-factor seeds are sealed with the master key; the demo's seeds are random per install."""

import base64
import re
from binascii import unhexlify

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from socialguard.people.models import EncryptedTOTPDevice
from tests.conftest import sign_in


def _stored(device) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT encrypted_key FROM {EncryptedTOTPDevice._meta.db_table} WHERE id = %s",
            [device.pk],
        )
        return bytes(cursor.fetchone()[0])


def _seed_forms(seed: bytes) -> list[bytes]:
    return [seed, seed.hex().encode(), base64.b32encode(seed), base64.b32encode(seed).rstrip(b"=")]


@pytest.mark.django_db
def test_the_database_holds_no_seed_in_plain_text(make_user):
    user = make_user("dsl")
    device = EncryptedTOTPDevice.objects.get(user=user)
    seed = device.bin_key
    stored = _stored(device)
    assert len(seed) == 20 and stored
    for form in _seed_forms(seed):
        assert form not in stored
    with connection.cursor() as cursor:  # nor anywhere else in the row
        cursor.execute(
            f"SELECT * FROM {EncryptedTOTPDevice._meta.db_table} WHERE id = %s", [device.pk]
        )
        row = " ".join(str(v) for v in cursor.fetchone())
    assert seed.hex() not in row and base64.b32encode(seed).decode() not in row


@pytest.mark.django_db
def test_a_seed_copied_onto_another_account_does_not_open(make_user):
    victim = EncryptedTOTPDevice.objects.get(user=make_user("dsl"))
    attacker = EncryptedTOTPDevice.objects.get(user=make_user("dsl"))
    attacker.encrypted_key = victim.encrypted_key
    with pytest.raises(InvalidTag):
        attacker.bin_key  # noqa: B018


@pytest.mark.django_db
def test_the_sealed_device_passes_the_second_factor(client, make_user):
    user = make_user("headteacher", username="head1")
    client.post("/account/sign-in/", {"username": "head1", "password": "correct-horse-battery"})
    device = EncryptedTOTPDevice.objects.get(user=user)
    response = client.post("/account/two-factor/", {"code": device.current_code(), "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/people/").status_code == 200


@pytest.mark.django_db
def test_enrolment_shows_the_seed_once_and_stores_it_sealed(client, make_user):
    user = make_user("dsl")
    EncryptedTOTPDevice.objects.filter(user=user).delete()
    client.force_login(user)
    page = client.get("/account/two-factor/").content.decode()
    device = EncryptedTOTPDevice.objects.get(user=user, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode()
    assert secret in page
    assert secret.encode() not in _stored(device)


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_existing_plaintext_seeds(make_user):
    user = make_user("dsl")
    EncryptedTOTPDevice.objects.filter(user=user).delete()
    executor = MigrationExecutor(connection)
    executor.migrate([("people", "0001_initial")])
    executor.loader.build_graph()
    old = executor.loader.project_state(
        [("people", "0001_initial"), ("otp_totp", "0003_add_timestamps")]
    ).apps
    key = "3132333435363738393031323334353637383930"
    old.get_model("otp_totp", "TOTPDevice").objects.create(
        user_id=user.pk, name="phone", key=key, confirmed=True, drift=1
    )
    token = old.get_model("people", "ApiToken").objects.create(
        user_id=user.pk, name="old", prefix="sg_abc", token_hash="0" * 64
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    device = EncryptedTOTPDevice.objects.get(user=user)
    assert device.bin_key == unhexlify(key) and device.drift == 1 and device.confirmed
    assert key.encode() not in _stored(device)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM otp_totp_totpdevice")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT expires_at, scope FROM people_apitoken WHERE id = %s", [token.pk])
        expires_at, scope = cursor.fetchone()
    assert expires_at and "people" in str(scope)


@pytest.mark.django_db
def test_demo_seeds_are_random_and_demo_code_reads_them(capsys, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("load-demo", "--format", "json")
    capsys.readouterr()
    seeds = {
        d.user.username: d.bin_key
        for d in EncryptedTOTPDevice.objects.select_related("user").filter(confirmed=True)
    }
    assert {"head", "dsl", "deputy", "dpl", "proprietor"} <= set(seeds)
    assert len(set(seeds.values())) == len(seeds)
    call_command("load-demo", "--format", "json")  # idempotent: the seeds stay
    capsys.readouterr()
    assert {d.user.username: d.bin_key for d in EncryptedTOTPDevice.objects.all()} == seeds

    call_command("demo-code", "dsl")
    code = capsys.readouterr().out.strip()
    assert re.fullmatch(r"\d{6}", code)
    client = Client()
    client.post("/account/sign-in/", {"username": "dsl", "password": "stmartins-demo-2026"})
    assert client.post("/account/two-factor/", {"code": code}).status_code == 302

    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no demo two-factor key"):
        call_command("demo-code", "teacher")


@pytest.mark.django_db
def test_demo_code_refuses_an_account_that_is_not_the_demos(make_user):
    from django.core.management.base import CommandError

    user = make_user("dsl", username="real-dsl")
    sign_in(Client(), user)
    with pytest.raises(CommandError):
        call_command("demo-code", "real-dsl")
