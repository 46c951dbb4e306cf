import pytest
from django.db import DatabaseError, transaction

from socialguard.consent import services
from socialguard.consent.models import ConsentChange
from socialguard.consent.services import ConsentError

ALL_YES = dict.fromkeys(services.PURPOSES, True)


@pytest.mark.clause("IMG-1")
def test_it_keeps_every_answer_with_who_when_and_how(family):
    child, mother, _ = family()
    services.consent_record(person=child, answers=ALL_YES, given_by=mother, method="paper_form")
    status = services.consent_status(child)
    website = status["purposes"]["website"]
    assert website["consented"] is True and website["effective"] is True
    assert website["given_by"] == mother.external_id and website["method"] == "paper_form"
    assert website["given_at"]


@pytest.mark.clause("IMG-1")
def test_it_withdraws_at_once_and_keeps_the_history(family):
    child, mother, father = family()
    services.consent_record(person=child, answers=ALL_YES, given_by=mother, method="paper_form")
    services.consent_withdraw(person=child, purpose="website", given_by=father, method="email")
    assert services.statuses_for([child.external_id])[child.external_id]["purposes"] == set(
        services.PURPOSES
    ) - {"website"}
    history = list(services.consent_history(child).filter(item="website"))
    assert [(c.value, c.given_by_id) for c in history] == [(False, father.pk), (True, mother.pk)]


@pytest.mark.clause("IMG-1")
def test_it_refuses_to_change_or_delete_the_history(family):
    child, mother, _ = family()
    services.consent_record(person=child, answers={"print": True}, given_by=mother, method="letter")
    change = ConsentChange.objects.get(person=child)
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentChange.objects.filter(pk=change.pk).update(value=False)
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentChange.objects.filter(pk=change.pk).delete()


@pytest.mark.clause("IMG-1")
def test_it_records_nothing_new_when_the_answer_is_unchanged(family):
    child, mother, _ = family()
    services.consent_record(person=child, answers=ALL_YES, given_by=mother, method="paper_form")
    assert (
        services.consent_record(person=child, answers=ALL_YES, given_by=mother, method="paper_form")
        == []
    )


def test_it_needs_a_parent_of_the_child_to_give_consent(family, make_person):
    child, _, _ = family()
    stranger = make_person("parent")
    with pytest.raises(ConsentError, match="parent or carer"):
        services.consent_record(
            person=child, answers=ALL_YES, given_by=stranger, method="paper_form"
        )
    with pytest.raises(ConsentError, match="Unknown purpose"):
        services.consent_record(
            person=child, answers={"billboard": True}, given_by=None, method="import"
        )


@pytest.mark.clause("IMG-3")
def test_it_never_shows_a_restricted_child_whatever_consent_says(family):
    child, mother, _ = family()
    services.consent_record(person=child, answers=ALL_YES, given_by=mother, method="paper_form")
    with pytest.raises(ConsentError, match="why"):
        services.restricted_set(person=child, restricted=True, reason="")
    services.restricted_set(person=child, restricted=True, reason="court order")
    status = services.consent_status(child)
    assert status["restricted"] is True
    assert not any(p["effective"] for p in status["purposes"].values())
    assert child.external_id in services.restricted_external_ids()
    assert services.restricted_reason(child) == "court order"


@pytest.mark.clause("IMG-2")
def test_it_records_staff_consent_for_their_own_image(make_person, make_user):
    teacher = make_person("staff")
    services.consent_record(
        person=teacher,
        answers={"website": True, "press": False},
        given_by=teacher,
        method="in_person",
    )
    assert services.consent_status(teacher)["purposes"]["website"]["effective"] is True
    other = make_person("staff")
    with pytest.raises(ConsentError, match="themselves"):
        services.consent_record(
            person=teacher, answers={"website": False}, given_by=other, method="in_person"
        )


@pytest.mark.clause("IMG-2")
def test_it_lets_staff_set_their_own_consent_on_the_web(client, signed_in):
    user = signed_in("staff")
    answers = {p: "yes" for p in services.PURPOSES} | {"press": "no", "biometric": "no"}
    response = client.post("/consent/mine/", answers)
    assert response.status_code == 302
    status = services.consent_status(user.person)
    assert status["purposes"]["press"]["consented"] is False
    assert status["purposes"]["website"]["consented"] is True
    response = client.post("/consent/mine/", {})
    assert "Select yes or no" in response.content.decode()


@pytest.mark.clause("IMG-1")
def test_it_records_a_paper_form_from_the_registry_page(client, signed_in, family):
    signed_in("social_media_officer")
    child, mother, _ = family()
    data = {p: "yes" for p in services.PURPOSES} | {
        "given_by": mother.external_id,
        "method": "paper_form",
    }
    response = client.post(f"/consent/people/{child.external_id}/record/", data)
    assert response.status_code == 302
    page = client.get(f"/consent/people/{child.external_id}/").content.decode()
    assert mother.full_name in page and "Paper form" in page
    assert client.get("/consent/").status_code == 200
