import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from socialguard.audit.models import AuditEvent
from socialguard.audit.services import audit_record, audit_verify
from socialguard.audit.triggers import append_only_sql, drop_append_only_sql

pytestmark = pytest.mark.django_db


def _events(n=4):
    return [
        audit_record(action=f"test.{i}", object_type="test", object_id=str(i), detail={"i": i})
        for i in range(n)
    ]


def _with_triggers_off(*sqls):
    """Tamper with the table the way an attacker with database access would."""
    with connection.cursor() as cursor:
        for statement in drop_append_only_sql(connection.vendor, "audit_auditevent"):
            cursor.execute(statement)
        for sql in sqls:
            cursor.execute(sql)
        for statement in append_only_sql(connection.vendor, "audit_auditevent"):
            cursor.execute(statement)


def _verify_exit(capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit-verify")
    return exit_info.value.code, capsys.readouterr().out


def test_it_verifies_an_intact_chain(capsys):
    _events()
    call_command("audit-verify")
    assert "intact" in capsys.readouterr().out
    assert audit_verify()[1] is None


def test_it_refuses_update_and_delete_at_the_database():
    first = _events(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [first.id])
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [first.id])
    with pytest.raises(PermissionError):
        first.delete()
    assert AuditEvent.objects.filter(id=first.id, action=first.action).exists()


def test_it_finds_an_edited_event(capsys):
    events = _events()
    _with_triggers_off(f"UPDATE audit_auditevent SET action = 'forged' WHERE id = {events[2].id}")
    code, out = _verify_exit(capsys)
    assert code == 1
    assert f"#{events[2].id}" in out and "edited" in out


def test_it_finds_a_deleted_event(capsys):
    events = _events()
    _with_triggers_off(f"DELETE FROM audit_auditevent WHERE id = {events[1].id}")
    code, out = _verify_exit(capsys)
    assert code == 1
    assert f"#{events[1].id}" in out


def test_it_finds_reordered_events(capsys):
    events = _events()
    a, b = events[1], events[2]
    # Swap the content of two events, keeping ids: the order of what happened is changed.
    _with_triggers_off(
        f"UPDATE audit_auditevent SET id = -1 WHERE id = {a.id}",
        f"UPDATE audit_auditevent SET id = {a.id} WHERE id = {b.id}",
        f"UPDATE audit_auditevent SET id = {b.id} WHERE id = -1",
    )
    code, out = _verify_exit(capsys)
    assert code == 1
    assert f"#{a.id}" in out


def test_it_finds_an_inserted_event(capsys):
    events = _events()
    last = events[-1]
    _with_triggers_off(
        "INSERT INTO audit_auditevent (id, created_at, actor_id, actor_label, action, object_type, object_id, detail, request_id, previous_hash, hash) "
        f"VALUES ({last.id + 1}, '2026-01-01 00:00:00', NULL, 'intruder', 'forged', '', '', '{{}}', '', '{'0' * 64}', '{'f' * 64}')"
    )
    code, out = _verify_exit(capsys)
    assert code == 1
    assert f"#{last.id + 1}" in out


def test_it_reports_json(capsys):
    _events(2)
    call_command("audit-verify", "--format", "json")
    assert '"intact": true' in capsys.readouterr().out


def test_it_records_every_change_of_a_record_with_field_names(make_person):
    person = make_person("pupil")
    person.year_group = "Year 8"
    person.save()
    actions = list(
        AuditEvent.objects.filter(
            object_type="people.person", object_id=str(person.pk)
        ).values_list("action", "detail")
    )
    assert ("create", {}) in actions
    assert ("change", {"fields": ["year_group"]}) in actions
    assert "Year 8" not in str(actions)
