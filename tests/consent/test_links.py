import re
from datetime import timedelta

import pytest
from django.core import mail

from socialguard import clock
from socialguard.consent import services
from socialguard.consent.models import ConsentLink

ANSWERS = {p: "yes" for p in services.PURPOSES} | {
    "press": "no",
    "biometric": "consent",
    "child_refuses": "no",
}


@pytest.fixture
def link(family):
    child, mother, father = family(given_name="Amy")
    link = services.consent_link_create(parent=mother, child=child)
    return link, services.consent_link_token(link)


@pytest.mark.clause("IMG-1")
def test_it_emails_a_link_that_names_every_purpose_and_says_what_is_online(client, link):
    link_obj, token = link
    assert len(mail.outbox) == 1
    sent = re.search(r"/consent/form/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert services.consent_link_resolve(sent) == (link_obj, "")
    page = client.get(f"/consent/form/{token}/").content.decode()
    for purpose in (
        "Displays inside school",
        "Printed materials",
        "The school website",
        "official social media",
        "Newspapers",
    ):
        assert purpose in page
    assert "Online and public" in page and "Not online, not public" in page
    assert 'type="radio"' in page and "written consent" in page


@pytest.mark.clause("IMG-1", "PRIN-h")
def test_it_records_the_answer_once_and_then_the_link_is_used(client, link):
    link_obj, token = link
    response = client.post(f"/consent/form/{token}/", ANSWERS)
    assert response.status_code == 200 and "Your answers are recorded" in response.content.decode()
    status = services.consent_status(link_obj.child)
    assert status["purposes"]["website"]["consented"] is True
    assert status["purposes"]["press"]["consented"] is False
    assert status["purposes"]["website"]["method"] == "e_consent"
    assert status["biometric"]["allowed"] is True
    link_obj.refresh_from_db()
    assert link_obj.used_at is not None
    again = client.get(f"/consent/form/{token}/")
    assert again.status_code == 410 and "already been used" in again.content.decode()
    second = client.post(f"/consent/form/{token}/", ANSWERS | {"website": "no"})
    assert second.status_code == 410
    assert services.consent_status(link_obj.child)["purposes"]["website"]["consented"] is True


@pytest.mark.clause("PRIN-h")
def test_it_expires_the_link(client, link):
    link_obj, token = link
    with clock.frozen(link_obj.expires_at + timedelta(minutes=1)):
        response = client.get(f"/consent/form/{token}/")
        assert response.status_code == 410 and "expired" in response.content.decode()
        assert client.post(f"/consent/form/{token}/", ANSWERS).status_code == 410
    assert ConsentLink.objects.get(pk=link_obj.pk).used_at is None


def test_it_shows_a_clear_page_for_a_tampered_link(client, link):
    _, token = link
    for bad in (token[:-2] + "xx", "nonsense", token + "a"):
        response = client.get(f"/consent/form/{bad}/")
        assert response.status_code == 404 and "does not work" in response.content.decode()


def test_it_asks_again_for_missing_answers(client, link):
    _, token = link
    response = client.post(f"/consent/form/{token}/", {"website": "yes"})
    assert response.status_code == 200
    assert "Select your answer about face matching" in response.content.decode()


@pytest.mark.clause("IMG-3")
def test_it_records_an_objection_from_the_form(client, link):
    link_obj, token = link
    client.post(f"/consent/form/{token}/", ANSWERS | {"biometric": "object"})
    assert services.consent_status(link_obj.child)["biometric"]["allowed"] is False


def test_it_refuses_a_link_to_someone_not_a_parent(family, make_person):
    child, _, _ = family()
    with pytest.raises(services.ConsentError):
        services.consent_link_create(parent=make_person("parent"), child=child)
