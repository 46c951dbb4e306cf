"""Issue 10's done-when: a DSL finds a child's whole history from their name in under 30 seconds —
signed in with two-factor, she searches the name (misspelt), opens the child and sees entries
from both of the child's cases in one chronology."""

import time

import pytest

from socialguard.casework import services
from socialguard.people.models import Person

from .conftest import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _two_cases_about(child: Person):
    teacher = Person.objects.get(user__username="teacher")
    cases = []
    for text, part in (
        ("Unkind messages about Chloe on a class group chat.", "victim"),
        ("A video of a fight shared on TikTok; Chloe filmed it.", "witness"),
    ):
        cases.append(
            services.case_report(
                reporter=teacher,
                category="cyberbullying_harassment",
                what_happened=text,
                parties=[{"part": part, "person": child}],
                user=teacher.user,
            )
        )
    return cases


def test_a_dsl_finds_a_childs_whole_history_from_her_name(browser, live_server, demo_school):
    child = Person.objects.get(external_id="PUP-003")  # Chloe Brown, Year 8
    first, second = _two_cases_about(child)
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    started = time.monotonic()
    sign_in(page, live_server, "dsl", demo_school)
    page.goto(f"{live_server.url}/cases/")
    page.fill("#case-list-search", "Cloe Brwn")
    page.click("form[role=search] button:has-text('Search')")
    page.click(f"a[href='/cases/people/{child.external_id}/']")
    page.wait_for_selector("#chronology")
    chronology = page.locator("ol.sg-chronology").inner_text()
    elapsed = time.monotonic() - started
    assert first.reference in chronology and second.reference in chronology
    assert "Chloe Brown" in page.locator("h1").inner_text()
    print(f"history found in {elapsed:.1f} s")
    assert elapsed < 30, f"took {elapsed:.1f} s"
    # The page fits a phone: nothing scrolls sideways at 375 px.
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.goto(f"{live_server.url}/cases/search/?q=Brown")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
