import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from socialguard.audit.models import AuditEvent
from socialguard.audit.services import HASH_HMAC, audit_record, audit_verify, key_id

pytestmark = pytest.mark.django_db


def _events(n=4):
    return [
        audit_record(action=f"test.{i}", object_type="test", object_id=str(i), detail={"i": i})
        for i in range(n)
    ]


@pytest.mark.clause("SLT-3")
def test_it_verifies_an_intact_chain(capsys):
    _events()
    call_command("audit-verify")
    assert "intact" in capsys.readouterr().out
    report = audit_verify()
    assert report.intact and report.events == 4 and report.problems == []


def test_it_seals_new_events_with_the_audit_key():
    event = _events(1)[0]
    assert event.hash_version == HASH_HMAC
    assert event.key_id == key_id()


@pytest.mark.clause("SLT-3")
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


def test_it_reports_json(capsys):
    _events(2)
    call_command("audit-verify", "--format", "json")
    out = capsys.readouterr().out
    assert out.strip() == '{"intact": true, "events": 2, "problems": []}'


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
