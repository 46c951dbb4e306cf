"""The report forms and the case page on a 375 px phone: nothing scrolls sideways; the form
shows only the questions that apply; a screenshot survives a validation error."""

import io
from datetime import timedelta

import pytest
from PIL import Image

from socialguard import clock
from socialguard.casework import services
from socialguard.casework.models import Case
from socialguard.people.models import Person

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 800}
# On failure: the elements that stick out, to find what to fix.
WIDE_JS = """Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1 || e.scrollWidth > innerWidth + 1)
  .slice(-6).map(e => `${e.tagName}.${e.className} ${e.scrollWidth}`)"""


def _png(width=320, height=200) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def test_the_report_form_fits_a_phone_and_shows_only_what_applies(phone, live_server, demo_school):
    sign_in(phone, live_server, "teacher", demo_school)
    phone.goto(f"{live_server.url}/cases/report/")
    assert _fits(phone)
    assert "Call 999" in phone.inner_text("main")
    # Plain words with a hint, grouped; the values are still the category ids.
    assert phone.is_visible("text=Someone is being bullied or harassed online (not by a pupil)")
    assert phone.is_visible("text=Bullying, harassment or threats")
    # The indecent-image questions only after "Yes"; the capture time only with a file.
    assert not phone.is_visible("#id_physical_location")
    phone.check("input[name=indecent_image][value=no]")
    assert not phone.is_visible("#id_physical_location")
    assert not phone.is_visible("#id_captured_at")
    phone.set_input_files(
        "input[type=file][name=file]",
        files=[{"name": "shot.png", "mimeType": "image/png", "buffer": _png()}],
    )
    assert phone.is_visible("#id_captured_at")
    phone.check("input[name=indecent_image][value=yes]")
    assert phone.is_visible("#id_physical_location")
    assert not phone.is_visible("[data-sg-show-if='indecent_image!=yes']")  # no upload
    assert phone.evaluate("document.querySelector('input[type=file][name=file]').files.length") == 0
    # "Add another person" adds a row that works like the others.
    phone.click("button:has-text('Add another person')")
    assert phone.is_visible("#id_involved_4_name")
    assert _fits(phone)


def test_the_public_form_fits_a_phone(phone, live_server, demo_school):
    phone.goto(f"{live_server.url}/cases/public/report/")
    assert _fits(phone)
    assert "999" in phone.inner_text("main")
    assert phone.is_visible("[data-sg-show-if='indecent_image!=yes']")  # the screenshot field


def test_a_case_page_with_evidence_fits_a_phone(phone, live_server, demo_school):
    reporter = Person.objects.get(external_id="STAFF-012")
    case = services.case_report(
        reporter=reporter,
        category="cyberbullying_harassment",
        what_happened="A parent page posts insulting comments about a teacher every evening.",
        url_or_sender="https://facebook.example/groups/123456789/posts/987654321?comment_id="
        + "x" * 120,
        upload=services.Upload(
            content=_png(),
            name="a-very-long-screenshot-file-name-from-a-phone-" + "0" * 60 + ".png",
            captured_at=clock.now() - timedelta(hours=1),
            site_address="https://facebook.example/groups/123456789/posts/987654321?comment_id="
            + "y" * 120,
        ),
    )
    assert Case.objects.get(pk=case.pk).evidence.count() == 1
    sign_in(phone, live_server, "dsl", demo_school)
    phone.goto(f"{live_server.url}/cases/{case.reference}/")
    assert "SHA-256" in phone.inner_text("main")
    assert _fits(phone), phone.evaluate(WIDE_JS)
    # Triage asks how serious a concern about staff is only on the staff pathway.
    level = "[data-sg-show-if='pathway=staff']"
    phone.check("input[name=pathway][value=pupil]")
    assert not phone.is_visible(level)
    phone.check("input[name=pathway][value=staff]")
    assert phone.is_visible(level)
    # The evidence table no longer runs off a laptop screen either.
    phone.set_viewport_size({"width": 1280, "height": 800})
    assert phone.evaluate("document.documentElement.scrollWidth") <= 1280, phone.evaluate(WIDE_JS)


def test_the_screenshot_survives_a_validation_error_in_the_browser(phone, live_server, demo_school):
    sign_in(phone, live_server, "teacher", demo_school)
    phone.goto(f"{live_server.url}/cases/report/")
    phone.check("input[name=indecent_image][value=no]")
    phone.set_input_files(
        "input[type=file][name=file]",
        files=[{"name": "shot.png", "mimeType": "image/png", "buffer": _png()}],
    )
    phone.click("button[type=submit]:has-text('Send')")  # nothing else answered
    assert "There is a problem" in phone.inner_text("main")
    assert "File kept: shot.png" in phone.inner_text("main")
    assert _fits(phone)
    phone.check("input[name=category][value=pupil_cyberbullying]")
    phone.fill("#id_what_happened", "A Year 8 pupil is mocked in a group chat.")
    phone.fill("#id_url_or_sender", "Year 8 group chat")
    phone.check("input[name=illegal_or_threats][value=no]")
    phone.fill("#id_captured_at", "2026-11-20T19:30")
    phone.click("button[type=submit]:has-text('Send')")
    case = Case.objects.order_by("-created_at").first()
    assert case is not None and case.what_happened.startswith("A Year 8 pupil")
    assert case.evidence.get().original_name == "shot.png"


def test_picking_a_pupil_offers_their_brother_or_sister_with_one_tick(
    phone, live_server, demo_school
):
    sign_in(phone, live_server, "teacher", demo_school)
    phone.goto(f"{live_server.url}/cases/report/")
    phone.fill("#id_involved_1_name", "Noah Taylor, Year 9")  # as picked from the suggestions
    phone.wait_for_selector("text=Linked to: Noah Taylor, Year 9")
    tick = phone.wait_for_selector("label:has-text('Leo Martin, Year 7')")
    assert "Lisa" not in phone.inner_text("#sg-involved")  # their parent is not offered
    tick.click()
    assert phone.input_value("#id_involved_2_name") == "Leo Martin, Year 7"
    assert phone.input_value("#id_involved_2_pick")
    assert _fits(phone)
    phone.check("input[name=category][value=pupil_cyberbullying]")
    phone.fill("#id_what_happened", "Two brothers are mocked in a group chat.")
    phone.select_option("#id_involved_1_part", "victim")
    phone.select_option("#id_involved_2_part", "victim")
    phone.check("input[name=illegal_or_threats][value=no]")
    phone.check("input[name=indecent_image][value=no]")
    phone.click("button[type=submit]:has-text('Send')")
    phone.wait_for_selector("text=Thank you")
    case = Case.objects.get(what_happened="Two brothers are mocked in a group chat.")
    linked = set(case.parties.exclude(person=None).values_list("person__external_id", flat=True))
    assert linked == {"PUP-004", "PUP-006"}
