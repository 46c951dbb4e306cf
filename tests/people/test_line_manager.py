import pytest

from socialguard.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.clause("CB-12")
def test_the_headteacher_sets_a_line_manager_from_the_person_page(client, signed_in, make_person):
    signed_in("headteacher")
    teacher = make_person("staff")
    manager = make_person("staff", "line_manager")
    response = client.post(f"/people/{teacher.external_id}/", {"manager": manager.external_id})
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.line_manager == manager
    assert AuditEvent.objects.filter(
        action="people.line_manager_set", object_id=str(teacher.pk)
    ).exists()


def test_it_refuses_a_loop_with_a_clear_message(client, signed_in, make_person):
    signed_in("headteacher")
    boss = make_person("staff")
    worker = make_person("staff", line_manager=boss)
    page = client.post(f"/people/{boss.external_id}/", {"manager": worker.external_id})
    assert page.status_code == 200
    assert "would make a loop" in page.content.decode()
    boss.refresh_from_db()
    assert boss.line_manager is None


def test_a_dsl_can_read_but_not_change_the_line_manager(client, signed_in, make_person):
    signed_in("dsl")
    teacher = make_person("staff")
    manager = make_person("staff")
    assert b"Save line manager" not in client.get(f"/people/{teacher.external_id}/").content
    assert (
        client.post(f"/people/{teacher.external_id}/", {"manager": manager.external_id}).status_code
        == 403
    )
    teacher.refresh_from_db()
    assert teacher.line_manager is None
