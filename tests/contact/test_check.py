"""'Check before you contact': the screen (HTMX and full POST), the API and the CLI contract."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from socialguard import clock
from socialguard.audit.models import AuditEvent
from tests.conftest import sign_in
from tests.contact.helpers import at, granted_permission, make_trip

CONTRACT_KEYS = ["allowed", "clauses", "reason", "conditions", "alternatives"]


def run_cli(capsys, *args):
    with pytest.raises(SystemExit) as exit_info:
        call_command("may-contact", *args, "--format", "json")
        raise SystemExit(0)
    out = capsys.readouterr().out
    return exit_info.value.code, json.loads(out) if out.strip() else None


@pytest.mark.django_db
@pytest.mark.clause("PUP-2")
def test_it_answers_live_with_an_htmx_partial(client, signed_in):
    signed_in("staff")
    response = client.post(
        reverse("contact_check"),
        {"recipient_kind": "pupil", "channel": "personal_mobile"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "No, this is not allowed" in html
    assert 'href="/policy/#clause-PUP-2"' in html
    assert "School email" in html  # the first allowed alternative


@pytest.mark.django_db
@pytest.mark.clause("PUP-3")
def test_it_answers_a_full_post_without_javascript(client, signed_in):
    signed_in("staff")
    response = client.post(
        reverse("contact_check"),
        {
            "recipient_kind": "pupil",
            "channel": "video_call",
            "pre_arranged": "on",
            "supervised": "on",
        },
    )

    html = response.content.decode()
    assert "<h1" in html and "Yes, with conditions" in html
    assert "An adult at the pupil’s home supervises the whole call." in html
    event = AuditEvent.objects.filter(action="contact.checked").latest("id")
    assert event.detail["recipient_roles"] == ["pupil"]
    assert event.detail["channel"] == "video_call" and event.detail["allowed"] is True


@pytest.mark.django_db
@pytest.mark.clause("PRIN-i")
def test_it_shows_specific_errors_on_a_full_post(client, signed_in):
    signed_in("staff")
    response = client.post(reverse("contact_check"), {"channel": "fax"})

    html = response.content.decode()
    assert "Choose who you are contacting" in html
    assert "Select a valid choice" in html or "channel" in html


@pytest.mark.django_db
@pytest.mark.clause("PERS-4")
def test_it_finds_a_person_in_the_directory(client, signed_in, make_person):
    signed_in("staff")
    make_person("ex_pupil", given_name="Benjamin", family_name="Carterton", external_id="EXP-9")
    response = client.post(
        reverse("contact_check"),
        {"recipient_kind": "person", "q": "Carterton", "channel": "school_email"},
    )

    html = response.content.decode()
    assert "Benjamin Carterton (Ex-pupil)" in html
    assert "No, this is not allowed" in html and "clause-PERS-4" in html


@pytest.mark.django_db
@pytest.mark.clause("PERS-13")
def test_it_knows_the_sender_is_a_parent_at_the_school(client, signed_in, make_person, parent_of):
    user = signed_in("staff")
    parent_of(user.person, make_person("pupil"))
    response = client.post(
        reverse("contact_check"),
        {"recipient_kind": "parent", "channel": "personal_mobile", "genuine_need": "on"},
    )

    assert "You contact them as a parent, not as a member of staff" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_refuses_a_permission_that_is_not_one_of_mine(client, signed_in, make_user):
    signed_in("staff")
    other = make_user("staff").person
    trip = make_trip(other)
    permission = granted_permission(other, trip, "2026-03-10 00:00", "2026-03-12 00:00", other)
    with clock.frozen(at("2026-03-10 12:00")):
        response = client.post(
            reverse("contact_check"),
            {"recipient_kind": "parent", "channel": "withheld_number", "permission": permission.pk},
        )
    assert "Choose one of your live withheld-number permissions" in response.content.decode()


# ---- API -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.clause("PAR-4")
def test_it_answers_the_api_in_the_contract_shape(client, signed_in):
    signed_in("staff")
    response = client.post(
        "/api/v1/checks/contact",
        {"recipient_role": "parent", "channel": "personal_email"},
        content_type="application/json",
    )

    data = response.json()
    assert response.status_code == 200
    assert list(data) == CONTRACT_KEYS
    assert data["allowed"] is False and data["clauses"] == ["PAR-4", "OFF-4"]
    assert data["alternatives"][0] == "school_phone"


@pytest.mark.django_db
@pytest.mark.parametrize("payload, field", [
    ({"recipient_role": "parent", "channel": "fax"}, "channel: unknown channel 'fax'"),
    ({"recipient_role": "parents", "channel": "letter"}, "recipient_role: unknown role 'parents'"),
    ({"recipient": "NOBODY", "channel": "letter"}, "recipient: no one in the directory"),
    ({"recipient_role": "parent", "recipient": "X", "channel": "letter"}, "recipient: give recipient or"),
])  # fmt: skip
@pytest.mark.clause("PRIN-i")
def test_it_names_the_field_of_bad_api_input(client, signed_in, payload, field):
    signed_in("staff")
    response = client.post("/api/v1/checks/contact", payload, content_type="application/json")

    # An ID of no one in the directory is "not found"; the other faults are a 400 naming the field.
    assert response.status_code == (404 if "no one in the directory" in field else 400)
    assert response.json()["detail"].startswith(field)


@pytest.mark.django_db
def test_it_refuses_the_api_to_anonymous_callers(client):
    response = client.post(
        "/api/v1/checks/contact",
        {"recipient_role": "parent", "channel": "letter"},
        content_type="application/json",
    )
    assert response.status_code == 401


# ---- CLI -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.clause("PUP-1")
def test_it_exits_0_when_the_cli_answer_is_allowed(capsys):
    code, data = run_cli(
        capsys, "--sender-role", "staff", "--recipient-role", "pupil", "--channel", "school_email"
    )

    assert code == 0
    assert list(data) == CONTRACT_KEYS and data["allowed"] is True


@pytest.mark.django_db
@pytest.mark.clause("PERS-3")
def test_it_exits_1_when_the_cli_answer_is_a_refusal(capsys, make_person):
    make_person("staff", external_id="STAFF-900")
    make_person("other_school_pupil", external_id="OSP-1")
    code, data = run_cli(
        capsys,
        "--sender",
        "STAFF-900",
        "--recipient",
        "OSP-1",
        "--channel",
        "personal_social_media",
    )

    assert code == 1
    assert data["allowed"] is False and data["clauses"] == ["PERS-3", "PERS-5"]


@pytest.mark.django_db
@pytest.mark.parametrize("args, field", [
    (["--sender-role", "staff", "--recipient-role", "pupil", "--channel", "fax"], "channel"),
    (["--sender-role", "teacher", "--recipient-role", "pupil", "--channel", "letter"], "sender_role"),
    (["--sender", "NOBODY", "--recipient-role", "pupil", "--channel", "letter"], "sender"),
    (["--sender-role", "staff", "--recipient", "NOBODY", "--channel", "letter"], "recipient"),
    (["--sender-role", "staff", "--recipient-role", "parent", "--channel", "withheld_number", "--permission", "1"], "permission"),
])  # fmt: skip
@pytest.mark.clause("PAR-5")
def test_it_exits_2_naming_the_field_for_bad_cli_input(capsys, args, field):
    code, data = run_cli(capsys, *args)

    assert code == 2
    assert data["error"]["field"] == field


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_honours_a_permission_only_while_it_is_live(capsys, make_user):
    head = make_user("headteacher").person
    teacher = make_user("staff", external_id="STAFF-901").person
    make_user("parent", external_id="PAR-901")
    trip = make_trip(teacher)
    permission = granted_permission(teacher, trip, "2026-03-10 00:00", "2026-03-12 00:00", head)
    args = ["--sender", "STAFF-901", "--recipient", "PAR-901", "--channel", "withheld_number",
            "--on-trip", "--permission", str(permission.pk)]  # fmt: skip

    with clock.frozen(at("2026-03-11 15:00")):
        during = run_cli(capsys, *args)
    with clock.frozen(at("2026-03-12 00:01")):
        after = run_cli(capsys, *args)

    assert during[0] == 0 and during[1]["allowed"] is True
    assert after[0] == 1 and after[1]["allowed"] is False
    assert "expired" in after[1]["reason"]


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_refuses_someone_elses_permission_in_the_cli(capsys, make_user):
    owner = make_user("staff").person
    make_user("staff", external_id="STAFF-902")
    trip = make_trip(owner)
    permission = granted_permission(owner, trip, "2026-03-10 00:00", "2026-03-12 00:00", owner)
    with clock.frozen(at("2026-03-11 10:00")):
        code, data = run_cli(
            capsys, "--sender", "STAFF-902", "--recipient-role", "parent",
            "--channel", "withheld_number", "--permission", str(permission.pk),
        )  # fmt: skip
    assert code == 2
    assert data["error"] == {
        "field": "permission",
        "message": f"withheld-number permission {permission.pk} belongs to someone else",
    }


@pytest.mark.django_db
def test_it_exits_2_when_an_argument_is_missing(capsys):
    with pytest.raises(SystemExit) as exit_info:
        from socialguard.cli import main

        main(["socialguard", "may-contact", "--sender-role", "staff", "--channel", "letter"])
    assert exit_info.value.code == 2


# ---- contradictory context (bad input naming the field) ----------------------------------------


@pytest.fixture
def live_permission(make_user):
    head = make_user("headteacher", "staff").person
    teacher = make_user("staff", external_id="STAFF-903")
    trip = make_trip(teacher.person)
    permission = granted_permission(
        teacher.person, trip, "2026-03-10 00:00", "2026-03-12 00:00", head
    )
    return teacher, permission


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_refuses_a_permission_off_a_trip_in_the_cli_naming_the_field(capsys, live_permission):
    _, permission = live_permission
    with clock.frozen(at("2026-03-11 10:00")):
        code, data = run_cli(
            capsys, "--sender", "STAFF-903", "--recipient-role", "parent",
            "--channel", "withheld_number", "--permission", str(permission.pk),
        )  # fmt: skip

    assert code == 2
    assert data["error"]["field"] == "on_trip"
    assert "only for a school trip" in data["error"]["message"]
    assert not AuditEvent.objects.filter(action="contact.checked").exists()


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_refuses_a_permission_off_a_trip_in_the_api_naming_the_field(client, live_permission):
    teacher, permission = live_permission
    sign_in(client, teacher)
    with clock.frozen(at("2026-03-11 10:00")):
        response = client.post(
            "/api/v1/checks/contact",
            {"recipient_role": "parent", "channel": "withheld_number", "permission": permission.pk},
            content_type="application/json",
        )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("on_trip: a withheld-number permission is only")


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_refuses_a_permission_off_a_trip_on_the_screen_naming_the_field(client, live_permission):
    teacher, permission = live_permission
    sign_in(client, teacher)
    with clock.frozen(at("2026-03-11 10:00")):
        response = client.post(
            reverse("contact_check"),
            {"recipient_kind": "parent", "channel": "withheld_number", "permission": permission.pk},
        )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_on_trip-error"' in html
    assert "a withheld-number permission is only for a school trip" in html
    assert "sg-answer__title" not in html


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
def test_it_refuses_a_permission_for_a_kind_of_person_on_the_screen(client, live_permission):
    teacher, permission = live_permission
    sign_in(client, teacher)
    with clock.frozen(at("2026-03-11 10:00")):
        response = client.post(
            reverse("contact_check"),
            {"sender_role": "staff", "recipient_kind": "parent", "channel": "withheld_number",
             "on_trip": "on", "permission": permission.pk},
        )  # fmt: skip

    html = response.content.decode()
    assert 'id="id_permission-error"' in html and "belongs to a person" in html


@pytest.mark.django_db
@pytest.mark.clause("COV-3")
def test_it_checks_for_a_kind_of_person_on_the_screen(client, signed_in):
    signed_in("staff")
    response = client.post(
        reverse("contact_check"),
        {"sender_role": "volunteer", "recipient_kind": "pupil", "channel": "personal_email"},
    )

    assert "No, this is not allowed" in response.content.decode()
    event = AuditEvent.objects.filter(action="contact.checked").latest("id")
    assert event.detail["sender_roles"] == ["volunteer"]


@pytest.mark.django_db
@pytest.mark.clause("PRIN-i")
def test_it_names_an_unknown_sender_role_on_the_screen(client, signed_in):
    signed_in("staff")
    response = client.post(
        reverse("contact_check"),
        {"sender_role": "teacher", "recipient_kind": "pupil", "channel": "school_email"},
    )

    assert "Choose who is making contact from the list" in response.content.decode()


# ---- done when: a teacher's withheld-number permission, from request to expiry (PAR-5) --------


@pytest.mark.django_db
@pytest.mark.clause("PAR-5")
@pytest.mark.clause("OFF-4")
def test_it_honours_a_granted_permission_during_the_trip_and_refuses_it_after(
    client, capsys, make_user
):
    head = make_user("headteacher", "staff")
    teacher = make_user("staff", external_id="STAFF-904")
    make_user("parent", external_id="PAR-904")
    trip = make_trip(teacher.person, starts="2026-03-10", days=2)

    sign_in(client, teacher)
    with clock.frozen(at("2026-03-01 09:00")):
        response = client.post(
            reverse("contact_permission_new"),
            {"trip": trip.pk, "reason": "No signal", "starts_on": "10/3/2026", "ends_on": "11/3/2026"},
        )  # fmt: skip
    assert response.status_code == 302
    permission = trip.withheld_permissions.get()
    assert permission.status == "pending"

    sign_in(client, head)
    with clock.frozen(at("2026-03-02 09:00")):
        response = client.post(
            reverse("contact_permission", args=[permission.pk]), {"decision": "grant"}
        )
    assert response.status_code == 302
    permission.refresh_from_db()
    assert permission.status == "granted" and permission.decided_by == head.person

    ask = {"recipient_kind": "parent", "channel": "withheld_number", "on_trip": "on"}
    cli = ["--sender", "STAFF-904", "--recipient", "PAR-904", "--channel", "withheld_number",
           "--on-trip", "--permission", str(permission.pk)]  # fmt: skip
    sign_in(client, teacher)

    def ask_everywhere(moment):
        """The same question on the screen, in the API and on the command line."""
        with clock.frozen(at(moment)):
            page = client.post(reverse("contact_check"), {**ask, "permission": permission.pk})
            api = client.post(
                "/api/v1/checks/contact",
                {"recipient_role": "parent", "channel": "withheld_number", "on_trip": True,
                 "permission": permission.pk},
                content_type="application/json",
            )  # fmt: skip
            return page, api, run_cli(capsys, *cli)

    page, api, during = ask_everywhere("2026-03-11 15:00")  # during the trip
    assert "Yes, with conditions" in page.content.decode()
    assert api.json()["allowed"] is True and api.json()["clauses"] == ["PAR-5", "OFF-4"]
    assert during[0] == 0 and during[1]["allowed"] is True

    page, api, after = ask_everywhere("2026-03-12 09:00")  # the permission has expired
    assert "Choose one of your live withheld-number permissions" in page.content.decode()
    assert api.json()["allowed"] is False and "expired" in api.json()["reason"]
    assert after[0] == 1 and "expired" in after[1]["reason"]
    assert AuditEvent.objects.filter(action="contact.withheld_granted").exists()
