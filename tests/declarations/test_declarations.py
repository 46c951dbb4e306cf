from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from socialguard import clock
from socialguard.audit.models import AuditEvent
from socialguard.declarations import services
from socialguard.declarations.models import Declaration, DeclarationAnswer
from socialguard.declarations.packdata import declarations_pack
from tests.conftest import sign_in

ITEMS = declarations_pack().items


@pytest.mark.clause("PERS-1")
@pytest.mark.clause("PERS-2")
@pytest.mark.clause("PERS-3")
@pytest.mark.clause("PERS-4")
@pytest.mark.clause("PERS-5")
@pytest.mark.clause("PERS-6")
@pytest.mark.clause("PERS-7")
@pytest.mark.clause("PERS-8")
@pytest.mark.clause("PERS-9")
@pytest.mark.clause("PERS-10")
@pytest.mark.clause("PERS-11")
@pytest.mark.clause("PERS-13")
def test_it_asks_about_every_personal_use_clause():
    clauses = {item.clause for item in ITEMS}
    assert {f"PERS-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13)} <= clauses
    pers10 = " ".join(i.question for i in ITEMS if i.clause == "PERS-10").lower()
    for topic in ("privacy settings", "public listings", "passwords", "home address"):
        assert topic in pers10


@pytest.mark.django_db
@pytest.mark.clause("PERS-1")
@pytest.mark.clause("PERS-2")
@pytest.mark.clause("PERS-3")
@pytest.mark.clause("PERS-4")
@pytest.mark.clause("PERS-5")
@pytest.mark.clause("PERS-6")
@pytest.mark.clause("PERS-7")
@pytest.mark.clause("PERS-8")
@pytest.mark.clause("PERS-9")
@pytest.mark.clause("PERS-10")
@pytest.mark.clause("PERS-11")
@pytest.mark.clause("PERS-13")
@pytest.mark.parametrize("item", ITEMS, ids=[i.id for i in ITEMS])
def test_it_flags_the_answer_that_reveals_a_possible_breach(make_person, answers, item):
    other = "no" if item.ok_answer == "yes" else "yes"
    declaration = services.declaration_submit(
        person=make_person("staff"), answers=answers(**{item.id: other})
    )
    outcomes = {a.item_id: a.outcome for a in declaration.answers.all()}
    assert outcomes[item.id] == DeclarationAnswer.CONCERN
    assert [k for k, v in outcomes.items() if v != DeclarationAnswer.OK] == [item.id]
    assert declaration.answers.get(item_id=item.id).clause == item.clause


@pytest.mark.django_db
@pytest.mark.clause("PERS-10")
def test_it_sets_the_review_date_from_the_pack(make_person, answers):
    declaration = services.declaration_submit(person=make_person("staff"), answers=answers())
    assert declaration.review_due_at - declaration.completed_at == timedelta(hours=8760)
    status = services.declaration_status(person=declaration.person)
    assert status.state == "current" and status.latest == declaration


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", ["trainee_teacher", "contractor", "volunteer", "dsl", "line_manager"]
)
@pytest.mark.clause("PERS-10")
def test_it_asks_every_member_of_staff_trainee_contractor_and_volunteer(make_person, answers, role):
    person = make_person(role)
    assert services.must_declare(person)
    assert person in services.declarers()
    services.declaration_submit(person=person, answers=answers())


@pytest.mark.django_db
def test_it_does_not_ask_governors_or_parents(make_person, answers):
    governor = make_person("governor")
    assert not services.must_declare(governor)
    with pytest.raises(services.DeclarationsError):
        services.declaration_submit(person=governor, answers=answers())


@pytest.mark.django_db
def test_it_refuses_a_declaration_with_a_missing_or_odd_answer(make_person, answers):
    person = make_person("staff")
    incomplete = answers()
    del incomplete[ITEMS[3].id]
    with pytest.raises(services.DeclarationsError) as error:
        services.declaration_submit(person=person, answers=incomplete)
    assert error.value.field == ITEMS[3].id and "question 4" in error.value.message
    with pytest.raises(services.DeclarationsError):
        services.declaration_submit(person=person, answers=answers(passwords="maybe"))
    with pytest.raises(services.DeclarationsError) as error:
        services.declaration_submit(person=person, answers={**answers(), "bogus": "yes"})
    assert error.value.field == "answers"
    assert not Declaration.objects.exists()


@pytest.mark.django_db
@pytest.mark.clause("PERS-3")
@pytest.mark.clause("PERS-5")
@pytest.mark.clause("PERS-12")
def test_it_shows_guidance_and_a_report_link_when_a_pupil_is_among_contacts(
    client, signed_in, answers
):
    user = signed_in("staff")
    form = answers(pupil_contacts="yes")
    response = client.post(reverse("declaration_new"), form)
    declaration = Declaration.objects.get(person=user.person)
    assert response.status_code == 302
    assert response["Location"] == reverse("declaration_detail", args=[declaration.pk])
    page = client.get(response["Location"]).content.decode()
    item = declarations_pack().item("pupil_contacts")
    assert "Remove or block the pupil" in page and item.guidance.split(".")[0] in page
    assert "Report it now" in page
    # The route to report is a real link to "Report a concern", not just words.
    assert services.report_url() == reverse("casework:report")
    assert f'href="{reverse("casework:report")}"' in page
    answer = declaration.answers.get(item_id="pupil_contacts")
    assert answer.outcome == DeclarationAnswer.CONCERN and answer.guidance_shown_at is not None
    assert AuditEvent.objects.filter(
        action="declarations.guidance_shown", object_id=str(declaration.pk)
    ).exists()
    # The audit trail says a concern exists, never which answer.
    completed = AuditEvent.objects.get(action="declarations.completed")
    assert completed.detail == {"concerns": 1, "covered_by_exceptions": []}


@pytest.mark.django_db
def test_it_shows_one_error_per_unanswered_question(client, signed_in):
    signed_in("staff")
    response = client.post(reverse("declaration_new"), {})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Select yes or no for question 1" in page
    assert f"Select yes or no for question {len(ITEMS)}" in page
    assert not Declaration.objects.exists()


@pytest.mark.django_db
def test_it_names_the_question_when_an_answer_is_neither_yes_nor_no(client, signed_in, answers):
    signed_in("staff")
    first = ITEMS[0].id
    response = client.post(reverse("declaration_new"), answers(**{first: "maybe"}))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select yes or no for question 1" in page
    assert "Select a valid choice" not in page
    assert not Declaration.objects.exists()


@pytest.mark.django_db
def test_it_renders_the_one_page_declaration_with_radios(client, signed_in):
    signed_in("trainee_teacher")
    page = client.get(reverse("declaration_new")).content.decode()
    assert page.count('type="radio"') == 2 * len(ITEMS)
    assert ITEMS[0].question.replace("’", "&#x27;")[:20] in page or ITEMS[0].question[:20] in page


@pytest.mark.django_db
@pytest.mark.clause("PERS-8")
def test_it_treats_an_answer_covered_by_a_live_exception_as_covered(
    client, make_user, answers, approved_exception
):
    user = make_user("staff")
    exception = approved_exception(user.person)
    declaration = services.declaration_submit(
        person=user.person, answers=answers(school_email="yes")
    )
    answer = declaration.answers.get(item_id="school_email")
    assert answer.outcome == DeclarationAnswer.COVERED and answer.exception == exception
    assert declaration.concerns == []
    sign_in(client, user)
    page = client.get(reverse("declaration_detail", args=[declaration.pk])).content.decode()
    assert f"covered by exception #{exception.pk}" in page
    # The exception covers its own kind only.
    other = services.declaration_submit(
        person=user.person, answers=answers(official_contact_details="yes")
    )
    assert other.answers.get(item_id="official_contact_details").outcome == "concern"


@pytest.mark.django_db
@pytest.mark.clause("PERS-8")
def test_it_does_not_cover_with_an_expired_or_another_persons_exception(
    make_person, answers, approved_exception
):
    person, colleague = make_person("staff"), make_person("staff")
    exception = approved_exception(colleague)
    declaration = services.declaration_submit(person=person, answers=answers(school_email="yes"))
    assert declaration.answers.get(item_id="school_email").outcome == "concern"
    with clock.frozen(clock.now() + timedelta(days=31)):
        assert services.exception_live(person=colleague, kind=exception.kind) is None
        later = services.declaration_submit(person=colleague, answers=answers(school_email="yes"))
    assert later.answers.get(item_id="school_email").outcome == "concern"


@pytest.mark.django_db
def test_it_shows_answers_only_to_the_person_the_headteacher_and_the_line_manager(
    client, make_user, make_person, answers
):
    manager = make_user("staff", "line_manager")
    owner = make_user("staff", line_manager=manager.person)
    declaration = services.declaration_submit(person=owner.person, answers=answers())
    url = reverse("declaration_detail", args=[declaration.pk])
    for viewer in (owner, manager, make_user("headteacher", "staff")):
        client.force_login(viewer)
        sign_in(client, viewer)
        assert client.get(url).status_code == 200, viewer
    for roles in (
        ("dsl", "staff"),
        ("staff",),
        ("dpl", "staff"),
        ("deputy_dsl", "staff"),
        ("line_manager", "staff"),
    ):
        sign_in(client, make_user(*roles))
        assert client.get(url).status_code == 404, roles
    assert AuditEvent.objects.filter(action="view", object_id=str(declaration.pk)).count() == 3


@pytest.mark.django_db
@pytest.mark.clause("PERS-10")
@pytest.mark.clause("PRIN-h")
def test_it_reminds_before_the_review_date_and_tells_the_headteacher_when_overdue(
    make_person, answers
):
    head = make_person("headteacher", "staff", email="head@school.example.org")
    person = make_person("staff", email="teacher@school.example.org")
    start = clock.now()
    with clock.frozen(start):
        services.declaration_submit(person=head, answers=answers())
        declaration = services.declaration_submit(person=person, answers=answers())
    mail.outbox.clear()
    with clock.frozen(start + timedelta(days=300)):
        assert services.declaration_reminders_send() == 0
    with clock.frozen(declaration.review_due_at - timedelta(days=29)) as moment:
        assert services.declaration_reminders_send(moment) == 2  # the head is due too
        assert services.declaration_reminders_send(moment) == 0  # once only
    assert {m.to[0] for m in mail.outbox} == {
        "head@school.example.org",
        "teacher@school.example.org",
    }
    assert all("is due" in m.subject for m in mail.outbox)
    mail.outbox.clear()
    with clock.frozen(declaration.review_due_at + timedelta(hours=1)) as moment:
        from socialguard.declarations.tasks import declarations_sweep

        assert declarations_sweep(moment) == 2
        assert services.declaration_status(person=person).state == "overdue"
    overdue = [m for m in mail.outbox if person.full_name in m.subject]
    assert overdue and set(overdue[0].to) == {
        "head@school.example.org",
        "teacher@school.example.org",
    }


@pytest.mark.django_db
@pytest.mark.clause("PRIN-h")
def test_it_lists_overdue_declarations_for_the_headteacher(client, signed_in, make_person, answers):
    late = make_person("staff", given_name="Late", family_name="Lateson")
    with clock.frozen(clock.now() - timedelta(days=400)):
        services.declaration_submit(person=late, answers=answers())
    head = signed_in("headteacher", "staff")
    page = client.get(reverse("declaration_overview")).content.decode()
    assert "Late Lateson" in page and "Overdue" in page
    home = client.get(reverse("home")).content.decode()
    assert "Overdue personal social media declarations" in home
    assert head  # the Headteacher has not declared yet: their own item shows too
    assert "Complete your personal social media declaration" in home


@pytest.mark.django_db
def test_it_shows_a_due_item_on_home_until_the_declaration_is_made(client, signed_in, answers):
    user = signed_in("staff")
    assert "Complete your personal social media declaration" in client.get("/").content.decode()
    services.declaration_submit(person=user.person, answers=answers())
    assert "personal social media declaration" not in client.get("/").content.decode()
    assert client.get(reverse("declaration_mine")).status_code == 200


@pytest.mark.django_db
def test_it_lets_a_line_manager_see_their_teams_status(client, make_user, answers):
    manager = make_user("staff", "line_manager")
    member = make_user("staff", line_manager=manager.person, given_name="Teamie")
    services.declaration_submit(person=member.person, answers=answers())
    sign_in(client, manager)
    page = client.get(reverse("declaration_team")).content.decode()
    assert "Teamie" in page and "Up to date" in page
