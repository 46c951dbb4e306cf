"""A new member of staff gets a sign-in: the Headteacher invites her from her page, and she
chooses her password on a phone from the emailed link, signed in at the end."""

import re

import pytest
from django.core import mail

from socialguard.people.models import Person, PersonRole

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 800}


def test_the_headteacher_invites_a_new_teacher_who_signs_in_from_her_phone(
    page, browser, live_server, demo_school
):
    person = Person.objects.create(
        external_id="NEW-STAFF-1",
        given_name="Nadia",
        family_name="Khan",
        email="n.khan@stmartins.example.org",
    )
    PersonRole.objects.create(person=person, role="staff")
    sign_in(page, live_server, "head", demo_school)
    page.goto(f"{live_server.url}/people/NEW-STAFF-1/")
    page.click("text=Manage Nadia Khan's sign-in")
    page.click("button:has-text('Send invitation')")
    assert page.is_visible("text=Invitation sent to Nadia Khan.")
    assert page.is_visible("text=Invited, not signed in yet")

    link = re.search(r"https?://\S+/account/welcome/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("/account/", 1)[1]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/account/{path}")
    assert phone.url.endswith("/account/welcome/")  # the token is not left in the address
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone.is_visible("text=n.khan")
    phone.fill("#id_new_password1", "a quiet morning in the library")
    phone.fill("#id_new_password2", "a quiet morning in the library")
    phone.click("button:has-text('Save and sign in')")
    assert phone.is_visible("text=Your password is set and you are signed in.")
    phone.goto(f"{live_server.url}/account/{path}")
    assert phone.is_visible("text=This link no longer works")
    context.close()
