import itertools
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY

from socialguard.people.models import EncryptedTOTPDevice, ParentOf, Person, PersonRole
from socialguard.people.permissions import requires_two_factor

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
_ids = itertools.count(1)


def pytest_configure(config):
    config.addinivalue_line("markers", "clause(id): the policy clause this test proves")


@pytest.fixture
def shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"{SHARED_DATA} not present: the shared data set is only beside the team's checkout"
        )
    return SHARED_DATA


@pytest.fixture
def make_person(db):
    def make(*roles: str, given_name=None, family_name=None, external_id=None, **fields) -> Person:
        n = next(_ids)
        person = Person.objects.create(
            external_id=external_id or f"T-{n:05d}",
            given_name=given_name or f"Given{n}",
            family_name=family_name or f"Family{n}",
            **fields,
        )
        for role in roles or ("staff",):
            PersonRole.objects.create(person=person, role=role)
        return person

    return make


@pytest.fixture
def make_user(make_person):
    """A person with a sign-in for the given roles (2FA device confirmed when the role needs it)."""

    def make(*roles: str, username=None, password="correct-horse-battery", **fields):
        person = make_person(*roles, **fields)
        user = get_user_model().objects.create_user(
            username=username or f"user{person.pk}",
            password=password,
            first_name=person.given_name,
            last_name=person.family_name,
            email=fields.get("email") or f"user{person.pk}@school.example.org",
        )
        person.user = user
        person.save(update_fields=["user"])
        if requires_two_factor(user):
            EncryptedTOTPDevice.objects.create(user=user, name="test", confirmed=True)
        return user

    return make


def sign_in(client, user):
    """Sign in as `user`, with the second factor passed when their role needs it."""
    client.force_login(user)
    device = EncryptedTOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def signed_in(client, make_user):
    def make(*roles: str, **fields):
        user = make_user(*roles, **fields)
        sign_in(client, user)
        return user

    return make


@pytest.fixture
def parent_of(db):
    def link(parent: Person, child: Person):
        return ParentOf.objects.create(parent=parent, child=child)

    return link


def _flush_lifting_append_only_triggers(original):
    """Transactional tests end with a flush (DELETE on SQLite), which the append-only triggers
    refuse, as they should in production. Lift them for the flush alone and put them back at
    once; PostgreSQL flushes with TRUNCATE, which they do not cover."""

    def execute_sql_flush(self, sql_list):
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%\\_no\\_%' ESCAPE '\\'"
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            return original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                for _, sql in triggers:
                    cursor.execute(sql)

    return execute_sql_flush


def _patch_sqlite_flush():
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    from django.db.backends.sqlite3.base import DatabaseWrapper

    operations = DatabaseWrapper.ops_class
    operations.execute_sql_flush = _flush_lifting_append_only_triggers(operations.execute_sql_flush)


def _flush_lifting_truncate_triggers(original):
    """PostgreSQL flushes with TRUNCATE, which the audit trail's statement trigger refuses:
    lift it for the flush alone, as for SQLite above."""

    def execute_sql_flush(self, sql_list):
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger "
                "WHERE tgname LIKE '%%\\_no\\_truncate' AND NOT tgisinternal"
            )
            triggers = cursor.fetchall()
            for name, table in triggers:
                cursor.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')
        try:
            return original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                for name, table in triggers:
                    cursor.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{name}"')

    return execute_sql_flush


def _patch_postgres_flush():
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return
    from django.db.backends.postgresql.base import DatabaseWrapper

    operations = DatabaseWrapper.ops_class
    operations.execute_sql_flush = _flush_lifting_truncate_triggers(operations.execute_sql_flush)


_patch_sqlite_flush()
_patch_postgres_flush()
