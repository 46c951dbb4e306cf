"""A threat report is urgent: an urgent email within one sweep, the case first in the list, a banner
on the DSL's home page, and Acknowledge stops the hourly escalation — in a real browser."""

import re

import pytest
from django.core import mail

from socialguard.casework.models import Case
from socialguard.web.schedule import load_sweeps, run_sweeps

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.clause("SLT-4")
@pytest.mark.clause("PRIN-h")
def test_a_knife_threat_is_urgent_from_report_to_acknowledge(browser, live_server, demo_school):
    mail.outbox.clear()
    teacher = browser.new_context().new_page()
    sign_in(teacher, live_server, "teacher", demo_school)
    teacher.goto(f"{live_server.url}/cases/report/")
    teacher.check("input[name=category][value=pupil_cyberbullying]")
    teacher.fill(
        "#id_what_happened",
        "A Year 9 boy posted in the class group chat that he is threatening to bring a knife "
        "to school tomorrow.",
    )
    teacher.fill("#id_platform", "Snapchat")
    teacher.fill("#id_url_or_sender", "Class group chat")
    teacher.check("input[name=victim_aware][value=unknown]")
    teacher.check("input[name=illegal_or_threats][value=no]")  # the text alone makes it urgent
    teacher.check("input[name=indecent_image][value=no]")
    teacher.click("button[type=submit]:has-text('Send')")
    reference = re.search(r"SG-\d{4}-[0-9A-F]{6}", teacher.content())
    assert reference, teacher.content()[:2000]
    case = Case.objects.get(reference=reference.group(0))
    assert case.urgent

    load_sweeps()
    run_sweeps()  # "within one sweep": the urgent email has gone by the end of the first sweep
    urgent = [
        m for m in mail.outbox if m.subject.startswith("URGENT") and case.reference in m.subject
    ]
    assert {"dsl@stmartins.example.org"} <= {r for m in urgent for r in m.to}
    assert all(m.extra_headers.get("X-Priority") == "1" for m in urgent)

    dsl = browser.new_context().new_page()
    sign_in(dsl, live_server, "dsl", demo_school)
    dsl.goto(f"{live_server.url}/")
    banner = dsl.locator(".govuk-notification-banner:has-text('not yet acknowledged')")
    assert banner.count() == 1
    dsl.goto(f"{live_server.url}/cases/")
    rows = dsl.locator("table tbody tr")
    assert rows.count() >= 1
    assert case.reference in rows.first.inner_text()  # first in the case list

    dsl.goto(f"{live_server.url}/cases/{case.reference}/")
    assert "Out of school hours" in dsl.content()
    dsl.click("button:has-text('Acknowledge')")
    case.refresh_from_db()
    assert case.acknowledged_at is not None
    assert case.acknowledged_by.username == "dsl"
    assert "Urgent concern acknowledged" in dsl.content()
