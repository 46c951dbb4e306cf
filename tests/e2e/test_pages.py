"""Every page reachable in the demo, as each kind of user, has zero axe-core violations."""

from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SKIP_PREFIXES = ("/account/sign-out/", "/api/", "/static/")
PER_ROUTE = 2  # pages of one URL pattern share a template: two of each (say, two cases) suffice
SAFETY_LIMIT = 400


def _route(path: str) -> str:
    from django.urls import Resolver404, resolve

    try:
        match = resolve(path)
    except Resolver404:
        return path
    return match.route or match.view_name


def _crawl(page, live_server, start="/"):
    """Every page reachable from `start` by links, up to PER_ROUTE pages of each URL pattern."""
    seen, queue, failures, per_route = set(), [start], [], {}
    axe = Axe()
    while queue and len(seen) < SAFETY_LIMIT:
        path = queue.pop(0)
        route = _route(path)
        if path in seen or per_route.get(route, 0) >= PER_ROUTE:
            continue
        seen.add(path)
        per_route[route] = per_route.get(route, 0) + 1
        response = page.goto(f"{live_server.url}{path}")
        assert response.status < 500, f"{path} gave {response.status}"
        results = axe.run(page)
        if results.violations_count:
            failures.append(f"{path}: {results.generate_report()}")
        for href in page.eval_on_selector_all(
            "a[href]", "els => els.map(e => e.getAttribute('href'))"
        ):
            parsed = urlparse(href)
            if (
                parsed.netloc
                or not parsed.path.startswith("/")
                or parsed.path.startswith(SKIP_PREFIXES)
            ):
                continue
            if "download" in parsed.path or parsed.path.endswith((".pdf", ".csv", ".png")):
                continue
            if parsed.path not in seen:
                queue.append(parsed.path)
    assert not queue or all(p in seen or per_route.get(_route(p), 0) >= PER_ROUTE for p in queue), (
        "the crawl stopped at the safety limit before reaching every page"
    )
    return seen, failures


@pytest.mark.parametrize(
    "username", ["head", "teacher", "wilson", "dsl", "dpl", "proprietor", "webadmin", "green"]
)
def test_every_reachable_page_passes_axe(page, live_server, demo_school, username):
    sign_in(page, live_server, username, demo_school)
    seen, failures = _crawl(page, live_server)
    print(f"{username}: {len(seen)} pages scanned")
    assert len(seen) >= 3
    assert not failures, "\n".join(failures)
    assert not [e for e in page.console_errors if "Content Security Policy" in e], (
        page.console_errors
    )


def test_the_sign_in_page_passes_axe_and_locks_out(page, live_server, demo_school):
    page.goto(f"{live_server.url}/account/sign-in/")
    assert Axe().run(page).violations_count == 0
    for _ in range(5):
        page.fill("#id_username", "teacher")
        page.fill("#id_password", "wrong-password")
        page.click("button:has-text('Sign in')")
    assert "locked" in page.content()


def test_a_teacher_reads_and_acknowledges_the_policy(page, live_server, demo_school):
    sign_in(page, live_server, "teacher", demo_school)
    page.click("text=Read and acknowledge the Social Media Policy")
    page.check("#confirm")
    page.click("button:has-text('Acknowledge the policy')")
    assert "Your acknowledgement of the policy is recorded" in page.content()
