import io
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.urls import reverse
from PIL import Image

from socialguard.casework.models import Case
from socialguard.casework.permissions import can_view_case
from tests.conftest import sign_in


def png_bytes(colour="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return buffer.getvalue()


def form_data(**overrides):
    data = {
        "category": "cyberbullying_harassment",
        "what_happened": "Abuse of a colleague on Facebook.",
        "location_kind": "social_media",
        "platform": "Facebook",
        "url_or_sender": "https://facebook.example/p/1",
        "victim_aware": "no",
        "illegal_or_threats": "no",
        "indecent_image": "no",
    }
    data.update(overrides)
    return data


@pytest.mark.clause("RESP-4")
def test_it_takes_a_report_with_a_screenshot_from_a_teacher_and_routes_it(client, school):
    sign_in(client, school["teacher"])
    colleague = school["colleague"].person
    screenshot = io.BytesIO(png_bytes())
    screenshot.name = "abuse.png"
    response = client.post(
        reverse("casework:report"),
        form_data(
            involved_1_name=f"{colleague.full_name} ({colleague.external_id})",
            involved_1_part="victim",
            file=screenshot,
            captured_at="2026-03-14T16:30",
        ),
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "casework:my_report", args=[case.reference]
    )
    assert case.parties.get().person == colleague
    assert case.evidence.get().content_type == "image/png"
    assert {m.to[0] for m in mail.outbox} >= {school["dsl"].email, school["deputy_dsl"].email}


@pytest.mark.clause("REP-1")
@pytest.mark.parametrize(
    "category, expected",
    [
        ("cyberbullying_harassment", {"dsl", "deputy_dsl"}),
        ("personal_data_loss", {"dpl"}),
        ("school_reputation", {"headteacher"}),
    ],
)
def test_it_routes_by_category_from_the_pack(school, report, category, expected):
    case = report(category=category)
    assert {r.role for r in case.recipients.all()} == expected
    notified = {m.to[0] for m in mail.outbox}
    assert notified == {school[role].email for role in expected}
    assert all(case.reference in m.subject and "Nasty" not in m.body for m in mail.outbox)


@pytest.mark.clause("REP-1")
def test_it_routes_an_allegation_about_staff_to_the_headteacher(school, report):
    case = report(parties=[{"person": school["colleague"].person, "part": "alleged_perpetrator"}])
    assert [r.role for r in case.recipients.all()] == ["headteacher"]
    assert not can_view_case(school["dsl"], case)
    assert can_view_case(school["headteacher"], case)


@pytest.mark.clause("PRIN-a")
def test_it_sends_an_allegation_about_the_headteacher_to_the_proprietor_and_hides_it_from_the_head(
    school, report
):
    case = report(parties=[{"person": school["headteacher"].person, "part": "alleged_perpetrator"}])
    assert [r.role for r in case.recipients.all()] == ["proprietor"]
    assert can_view_case(school["proprietor"], case)
    assert not can_view_case(school["headteacher"], case)
    assert not can_view_case(school["dsl"], case)


@pytest.mark.clause("PRIN-a")
def test_it_skips_a_routed_person_who_is_named_in_the_case(school, report):
    case = report(parties=[{"person": school["dsl"].person, "part": "witness"}])
    roles = [r.role for r in case.recipients.all()]
    assert "dsl" not in roles and roles[0] == "deputy_dsl"
    assert school["dsl"].email not in {m.to[0] for m in mail.outbox}
    assert not can_view_case(school["dsl"], case)


@pytest.mark.clause("PRIN-a")
def test_it_never_shows_a_named_person_their_case_even_the_head(client, school, report):
    case = report(
        category="school_reputation",
        parties=[{"person": school["headteacher"].person, "part": "victim"}],
    )
    sign_in(client, school["headteacher"])
    assert client.get(reverse("casework:case_detail", args=[case.reference])).status_code == 404
    assert case.reference not in client.get(reverse("casework:case_list")).content.decode()
    assert client.get(f"/api/v1/cases/{case.reference}").status_code == 404


@pytest.mark.clause("RESP-4")
def test_it_shows_the_case_on_the_routed_persons_home_page(client, school, report):
    report()
    sign_in(client, school["dsl"])
    page = client.get(reverse("home")).content.decode()
    assert "Triage new concerns" in page


@pytest.mark.clause("RESP-4")
def test_it_shows_a_reporter_their_own_reports_only(client, school, report):
    mine = report()
    other = report(reporter=school["colleague"].person, user=school["colleague"])
    sign_in(client, school["teacher"])
    page = client.get(reverse("casework:my_reports")).content.decode()
    assert mine.reference in page and other.reference not in page
    assert client.get(reverse("casework:my_report", args=[other.reference])).status_code == 404
    assert client.get(reverse("casework:my_report", args=[mine.reference])).status_code == 200
    assert client.get(reverse("casework:case_detail", args=[mine.reference])).status_code == 403


@pytest.mark.clause("CB-4")
def test_it_records_a_victim_who_does_not_know(client, school):
    sign_in(client, school["teacher"])
    colleague = school["colleague"].person
    client.post(
        reverse("casework:report"),
        form_data(
            victim_aware="no",
            involved_1_name=f"{colleague.full_name} ({colleague.external_id})",
            involved_1_part="victim",
        ),
    )
    case = Case.objects.get()
    assert case.victim_aware == "no"
    assert case.parties.get(part="victim").person == colleague
    assert case.reporter == school["teacher"].person


@pytest.mark.clause("COV-1")
def test_it_accepts_a_platform_the_pack_does_not_list(client, school):
    sign_in(client, school["teacher"])
    response = client.post(reverse("casework:report"), form_data(platform="BrandNewApp 2030"))
    assert response.status_code == 302
    assert Case.objects.get().platform == "BrandNewApp 2030"


@pytest.mark.clause("COV-2")
def test_it_accepts_message_boards_and_comments_under_news_items(client, school):
    sign_in(client, school["teacher"])
    for kind in ("message_board", "news_comment"):
        assert (
            client.post(reverse("casework:report"), form_data(location_kind=kind)).status_code
            == 302
        )
    assert set(Case.objects.values_list("location_kind", flat=True)) == {
        "message_board",
        "news_comment",
    }


@pytest.mark.clause("CB-3")
def test_it_accepts_email_as_where_it_happened_with_the_sender(client, school):
    sign_in(client, school["teacher"])
    client.post(
        reverse("casework:report"),
        form_data(location_kind="email", platform="", url_or_sender="troll@example.com"),
    )
    case = Case.objects.get()
    assert (case.location_kind, case.url_or_sender) == ("email", "troll@example.com")


@pytest.mark.clause("SLT-4")
def test_it_raises_the_police_advice_action_for_illegal_content_or_threats(client, school):
    sign_in(client, school["teacher"])
    client.post(reverse("casework:report"), form_data(illegal_or_threats="yes"))
    case = Case.objects.get()
    action = case.actions.get(key="police_advice")
    assert action.clause == "SLT-4" and "inform the police" in action.title
    # urgent (issue 10): the police are also contacted within the pack's police hour
    assert case.urgent and case.actions.get(key="police_now").clause == "SLT-4"
    assert action.owner == school["dsl"].person


@pytest.mark.clause("RESP-4")
def test_it_explains_each_missing_answer(client, school):
    sign_in(client, school["teacher"])
    response = client.post(reverse("casework:report"), {"what_happened": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        "Describe what happened" in page
        and "Answer the question about an indecent image of a child" in page
    )
    assert not Case.objects.exists()


@pytest.mark.clause("CB-6")
def test_it_requires_capture_time_and_site_with_a_screenshot(client, school):
    sign_in(client, school["teacher"])
    shot = io.BytesIO(png_bytes())
    shot.name = "s.png"
    response = client.post(reverse("casework:report"), form_data(url_or_sender="", file=shot))
    page = response.content.decode()
    assert response.status_code == 400
    assert "captured" in page and "web address" in page
    assert not Case.objects.exists()


@pytest.mark.clause("PRIN-a")
def test_it_moves_the_case_on_when_its_lead_handler_is_named_later(school, report):
    from socialguard.casework import services

    case = report()
    assert case.lead_handler == school["dsl"].person
    services.case_party_add(
        case=case, user=school["deputy_dsl"], part="witness", person=school["dsl"].person
    )
    case.refresh_from_db()
    assert case.lead_handler == school["deputy_dsl"].person
    assert not can_view_case(school["dsl"], case)


def test_it_keeps_the_report_form_fast_and_typeahead_works(client, school):
    sign_in(client, school["teacher"])
    response = client.get(reverse("casework:report"))
    assert response.status_code == 200 and 'name="indecent_image"' in response.content.decode()
    colleague = school["colleague"].person
    options = client.get(
        reverse("casework:people_search"), {"q": colleague.family_name}
    ).content.decode()
    assert colleague.full_name in options and colleague.external_id not in options


_ = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.clause("CB-5")
def test_it_tells_staff_not_to_engage_and_gets_the_report_to_the_safeguarding_lead_at_once(
    client, school
):
    sign_in(client, school["teacher"])
    assert "Do not reply to or engage" in client.get(reverse("casework:report")).content.decode()
    client.post(reverse("casework:report"), form_data())
    assert school["dsl"].email in {m.to[0] for m in mail.outbox}


@pytest.mark.clause("PERS-12")
def test_it_lets_any_member_of_staff_report_misuse_as_soon_as_noticed(client, make_user):
    for role in ("trainee_teacher", "contractor", "volunteer"):
        user = make_user(role)
        sign_in(client, user)
        assert client.post(reverse("casework:report"), form_data()).status_code == 302
    assert Case.objects.count() == 3
