"""In Chromium: a teacher drafts a post, sees the live check, fixes it and submits it; an officer
with expired training (Mrs Wilson, in the demo) cannot approve; Mrs Mbah approves and it is on the news page and feed."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.clause("PAR-6")
@pytest.mark.clause("PRIN-d")
def test_draft_check_approve_publish_in_the_browser(page, live_server, demo_school):
    password = demo_school
    sign_in(page, live_server, "teacher", password)
    page.goto(f"{live_server.url}/publishing/drafts/new/")
    page.fill("#id_title", "Netball final")
    page.check("label:has-text('School website news')")
    page.locator("#id_text").press_sequentially(
        "Well done to Chloe Brown! Ring 07700 900123 for photos."
    )
    page.wait_for_selector("#sg-live-check mark.sg-finding--block")
    # Chloe Brown (PUP-003) is on the demo's restricted list: her name blocks, like the number.
    blocked = page.locator("#sg-live-check mark.sg-finding--block").all_inner_texts()
    assert any(t.startswith("Chloe Brown") for t in blocked)
    assert any(t.startswith("07700 900123") for t in blocked)
    assert "PRIN-d" in page.inner_text("#sg-live-check")
    assert Axe().run(page).violations_count == 0
    page.click("button:has-text('Save and check')")
    assert page.locator("mark.sg-finding--block").count() == 2
    page.click("a:has-text('Change the draft')")
    page.fill("#id_text", "Well done to our netball team on reaching the final!")
    page.click("button:has-text('Save and check')")
    assert page.locator("mark.sg-finding--block").count() == 0
    page.click("a:has-text('Submit for approval')")
    assert "out of your control" in page.inner_text("main")
    page.check("#understood")
    page.click("button:has-text('Submit for approval')")
    draft_url = page.url

    page.context.clear_cookies()  # signed out
    sign_in(page, live_server, "wilson", password)
    page.goto(f"{live_server.url}/publishing/approvals/")
    page.click("a:has-text('Netball final')")
    assert "training expired on" in page.inner_text("main")
    assert page.locator("input[name=decision]").count() == 0

    page.context.clear_cookies()  # signed out
    sign_in(page, live_server, "mbah", password)
    page.goto(f"{live_server.url}/publishing/approvals/")
    page.click("a:has-text('Netball final')")
    assert Axe().run(page).violations_count == 0
    page.check("label:has-text('Approve and publish')")
    page.click("button:has-text('Confirm decision')")
    page.goto(f"{live_server.url}/publishing/news/")
    assert "Netball final" in page.inner_text("main")
    feed = page.request.get(f"{live_server.url}/publishing/news/feed.xml")
    assert "Netball final" in feed.text()
    assert draft_url
