"""The API reference opens: Swagger UI and the schema come from the app itself under the strict CSP."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_renders_the_operations_from_the_apps_own_static_files(page, live_server):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=15000)
    operations = page.locator(".opblock").count()
    assert operations >= 10, f"only {operations} operations shown"
    assert "SocialGuard API" in page.locator(".info .title").inner_text()
    outside = [url for url in requested if not url.startswith(live_server.url) and not url.startswith("data:")]
    assert not outside, f"the reference loaded from outside the app: {outside}"
    blocked = [e for e in page.console_errors if "Content Security Policy" in e or "Refused" in e]
    assert not blocked, blocked
