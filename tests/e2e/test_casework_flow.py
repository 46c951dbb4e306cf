"""A teacher reports cyberbullying of a colleague with a screenshot; the DSL triages it, runs the
staff pathway and records an outcome — in a real browser."""

import io
import re
import time

import pytest
from django.core import mail
from PIL import Image

from socialguard.casework.models import Case

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _screenshot(tmp_path):
    path = tmp_path / "screenshot.png"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 30, 30)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.clause("RESP-4")
@pytest.mark.clause("REP-1")
@pytest.mark.clause("CB-9")
def test_report_triage_outcome_in_the_browser(browser, live_server, demo_school, tmp_path):
    teacher = browser.new_context().new_page()
    sign_in(teacher, live_server, "teacher", demo_school)
    started = time.monotonic()
    teacher.goto(f"{live_server.url}/cases/report/")
    teacher.check("input[name=category][value=cyberbullying_harassment]")
    teacher.fill(
        "#id_what_happened",
        "A parent page is posting insulting comments about Mr Khan every evening.",
    )
    teacher.fill("#id_platform", "Facebook")
    teacher.fill("#id_url_or_sender", "https://facebook.example/groups/123/posts/456")
    teacher.check("input[name=victim_aware][value=no]")
    teacher.check("input[name=illegal_or_threats][value=no]")
    teacher.check("input[name=indecent_image][value=no]")
    teacher.fill("#id_involved_1_name", "Ahmed Khan (STAFF-011)")
    teacher.select_option("#id_involved_1_part", "victim")
    teacher.fill("#id_involved_2_name", "Owen Hughes (STAFF-013)")
    teacher.select_option("#id_involved_2_part", "alleged_perpetrator")
    teacher.set_input_files("input[type=file][name=file]", str(_screenshot(tmp_path)))
    teacher.fill("#id_captured_at", "2026-11-20T19:30")
    teacher.click("button[type=submit]:has-text('Send')")
    elapsed = time.monotonic() - started
    body = teacher.content()
    reference = re.search(r"SG-\d{4}-[0-9A-F]{6}", body)
    assert reference, body[:2000]
    assert elapsed < 60
    case = Case.objects.get(reference=reference.group(0))
    assert case.evidence.count() == 1
    notified = {r for m in mail.outbox for r in m.to}
    # An allegation about a member of staff goes to the Headteacher (REP-1).
    assert "head@stmartins.example.org" in notified

    dsl = browser.new_context().new_page()
    sign_in(dsl, live_server, "head", demo_school)
    dsl.goto(f"{live_server.url}/cases/{case.reference}/")
    dsl.check("input[name=pathway][value=staff]")
    dsl.click("button:has-text('Triage')")
    dsl.click("button:has-text('Start the investigation')")
    dsl.check("input[name=outcome][value=disciplinary_procedure]")
    dsl.fill("#id_outcome_text", "Investigated; the Disciplinary Procedure was followed.")
    dsl.click("button:has-text('Record outcome')")
    # Every action (victim support, investigation…) is completed before the case can close.
    for _ in range(20):
        buttons = dsl.locator("button:has-text('Mark as done')")
        if buttons.count() == 0:
            break
        buttons.first.click()
    dsl.click("button:has-text('Close the case')")
    case.refresh_from_db()
    assert case.state == "closed"
    assert case.actions.filter(clause__in=["CB-9", "CB-12"]).exists()

    # The named alleged perpetrator cannot see the case (PRIN-a).
    named = browser.new_context().new_page()
    sign_in(named, live_server, "trainee", demo_school)
    response = named.goto(f"{live_server.url}/cases/{case.reference}/")
    assert response.status in (403, 404)


@pytest.mark.clause("RESP-4")
@pytest.mark.clause("CB-6")
def test_a_teacher_reports_from_a_phone_in_under_a_minute(
    browser, live_server, demo_school, tmp_path
):
    """The report form on a 375 px phone: no sideways scrolling, no axe-core violations, a clear
    error for a missing answer, then the report sent with a screenshot within the minute."""
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    try:
        sign_in(phone, live_server, "teacher", demo_school)
        started = time.monotonic()
        phone.goto(f"{live_server.url}/cases/report/")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        assert Axe().run(phone).violations_count == 0
        phone.fill(
            "#id_what_happened",
            "Pupils are sharing a mocking video of a Year 8 pupil in a group chat.",
        )
        phone.click("button[type=submit]:has-text('Send')")
        assert "There is a problem" in phone.inner_text("main")
        assert Axe().run(phone).violations_count == 0

        phone.check("input[name=category][value=cyberbullying_harassment]")
        phone.fill("#id_platform", "Snapchat")
        phone.fill("#id_url_or_sender", "Year 8 group chat")
        phone.check("input[name=victim_aware][value=yes]")
        phone.check("input[name=illegal_or_threats][value=no]")
        phone.check("input[name=indecent_image][value=no]")
        phone.set_input_files("input[type=file][name=file]", str(_screenshot(tmp_path)))
        phone.fill("#id_captured_at", "2026-11-20T19:30")
        phone.click("button[type=submit]:has-text('Send')")
        reference = re.search(r"SG-\d{4}-[0-9A-F]{6}", phone.content())
        assert reference and time.monotonic() - started < 60
        case = Case.objects.get(reference=reference.group(0))
        assert case.platform == "Snapchat" and case.evidence.count() == 1
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
