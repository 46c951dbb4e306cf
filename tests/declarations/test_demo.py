import pytest

from socialguard.declarations import services
from socialguard.declarations.demo import load_declarations_demo
from socialguard.declarations.models import Declaration, ExceptionRequest, TrainingRecord
from socialguard.people.models import Person
from socialguard.web.demo import load_foundation


@pytest.mark.django_db
@pytest.mark.clause("PAR-6")
@pytest.mark.clause("PERS-8")
def test_it_loads_a_demo_with_a_blocked_officer_and_a_revealing_declaration():
    load_foundation()
    load_declarations_demo()
    load_declarations_demo()  # idempotent
    people = {p.external_id: p for p in Person.objects.all()}
    assert (
        services.training_status(person=people["STAFF-006"], kind="social_media_officer")
        == "current"
    )
    assert (
        services.training_status(person=people["STAFF-005"], kind="social_media_officer")
        == "expired"
    )
    assert (
        services.training_current(person=people["STAFF-005"], kind="social_media_officer") is None
    )
    assert services.training_current(person=people["STAFF-002"], kind="safeguarding")
    assert services.declaration_status(person=people["STAFF-010"]).state == "overdue"
    assert services.declaration_status(person=people["STAFF-005"]).state == "current"
    trainee = Declaration.objects.get(person=people["STAFF-013"])
    assert [a.item_id for a in trainee.concerns] == ["pupil_contacts"]
    bennett = Declaration.objects.get(person=people["STAFF-012"])
    assert bennett.answers.get(item_id="school_email").outcome == "covered"
    assert set(ExceptionRequest.objects.values_list("status", flat=True)) == {"approved", "pending"}
    assert TrainingRecord.objects.count() == 4
