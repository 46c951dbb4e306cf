"""Keying an existing chain never rewrites history: old SHA-256 events keep their hashes and still
verify, and one keyed `chain.rekeyed` event seals them, so they cannot be recomputed either."""

import hashlib
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from socialguard.audit.models import AuditEvent
from socialguard.audit.services import GENESIS, HASH_HMAC, audit_record, audit_verify, canonical
from socialguard.audit.triggers import append_only_sql, drop_append_only_sql

pytestmark = [pytest.mark.django_db, pytest.mark.clause("SLT-3")]
migration = import_module("socialguard.audit.migrations.0003_keyed_chain")


def _legacy_chain(n=3, edit=None):
    """Events as the product wrote them before the chain was keyed (plain SHA-256)."""
    previous, rows = GENESIS, []
    for i in range(1, n + 1):
        at = timezone.now()
        label = (edit or {}).get(i, "old")
        digest = hashlib.sha256(
            canonical(
                sequence=i,
                created_at=at.isoformat(timespec="microseconds"),
                actor_id=None,
                actor_label=label,
                action=f"legacy.{i}",
                object_type="",
                object_id="",
                detail={},
                request_id="",
                previous_hash=previous,
            )
        ).hexdigest()
        rows.append((i, at, label, f"legacy.{i}", previous, digest))
        previous = digest
    return rows


def _write(rows, *, replace=False):
    with connection.cursor() as cursor:
        for statement in drop_append_only_sql(connection.vendor, "audit_auditevent"):
            cursor.execute(statement)
        for i, at, label, action, previous, digest in rows:
            if replace:
                cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [i])
            cursor.execute(
                "INSERT INTO audit_auditevent (id, created_at, actor_id, actor_label, action, "
                "object_type, object_id, detail, request_id, previous_hash, hash, hash_version, "
                "key_id) VALUES (%s, %s, NULL, %s, %s, '', '', '{}', '', %s, %s, 1, '')",
                [i, at, label, action, previous, digest],
            )
        for statement in append_only_sql(connection.vendor, "audit_auditevent"):
            cursor.execute(statement)


def test_it_keeps_old_events_and_seals_them_with_a_rekeyed_event():
    _write(_legacy_chain())
    migration.key_the_chain(apps, None)
    audit_record(action="after.upgrade")
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.hash_version for e in events] == [1, 1, 1, HASH_HMAC, HASH_HMAC]
    rekeyed = events[3]
    assert rekeyed.action == "chain.rekeyed"
    assert rekeyed.detail["legacy_events"] == 3
    assert rekeyed.detail["legacy_head_hash"] == events[2].hash
    report = audit_verify()
    assert report.intact, report.problems


def test_it_finds_old_events_recomputed_after_the_upgrade():
    _write(_legacy_chain())
    migration.key_the_chain(apps, None)
    forged = _legacy_chain(edit={2: "somebody-else"})
    _write(forged, replace=True)
    problems = {p.event_id for p in audit_verify().problems}
    assert {1, 2, 3, 4} <= problems  # unvouched old events, and the rekeyed event's link


def test_it_does_not_trust_old_style_events_that_no_rekeyed_event_vouches_for():
    _write(_legacy_chain())
    report = audit_verify()
    assert [p.event_id for p in report.problems] == [1, 2, 3]
    assert all("unkeyed" in p.reason for p in report.problems)


def test_it_does_nothing_to_an_empty_trail():
    migration.key_the_chain(apps, None)
    assert not AuditEvent.objects.exists()
