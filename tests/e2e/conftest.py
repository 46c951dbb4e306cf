"""Browser tests: Debian's Chromium driven by Playwright against a live server."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if os.environ.get("SOCIALGUARD_BROWSER") == "later":
        pytest.skip("browser tests run in their own step of .ci/run")
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip(
            "Debian's chromium is not installed (apt-get install chromium): browser tests skipped"
        )
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def demo_school(transactional_db):
    from socialguard.web.demo import DEMO_PASSWORD, load_demo

    load_demo()
    return DEMO_PASSWORD


def sign_in(page, live_server, username, password):
    from django_otp.oath import totp

    from socialguard.people.models import EncryptedTOTPDevice as TOTPDevice

    page.goto(f"{live_server.url}/account/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button:has-text('Sign in')")
    if "/account/two-factor/" in page.url:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.fill(
            "#id_code",
            f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}",
        )
        page.click("button:has-text('Continue')")
    return page
