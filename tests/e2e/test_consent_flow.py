"""In Chromium, with the demo school: the DSL checks the astronaut photo (the face of a child on
the restricted list) and sees it blocked with a red box; then records a parent's withdrawal of
website consent for Amy Jones and sees the published post with her photo listed for takedown,
and marks it done."""

import io

import pytest
from PIL import Image

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RED = (212, 53, 28)


@pytest.mark.clause("IMG-3")
@pytest.mark.clause("IMG-1")
def test_dsl_checks_a_photo_and_a_withdrawal_lists_the_post(
    page, live_server, demo_school, tmp_path
):
    pytest.importorskip("skimage.data", reason="the demo faces come from scikit-image")
    from socialguard.consent import demo_photos

    photo = tmp_path / "astronaut.png"
    photo.write_bytes(demo_photos.photo("PUP-003"))
    sign_in(page, live_server, "dsl", demo_school)

    page.goto(f"{live_server.url}/consent/check/")
    assert "Chloe Brown (PUP-003)" in page.inner_text("main")  # the demo note
    page.set_input_files("input[type=file][name=photo]", str(photo))
    page.check("label:has-text('School website')")
    page.click("button:has-text('Check photo')")
    assert "must not be used" in page.inner_text("h1")
    assert "Chloe Brown" in page.inner_text("main")
    image = page.locator("img.sg-photo")
    image.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('img.sg-photo');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    response = page.request.get(live_server.url + image.get_attribute("src"))
    assert response.ok and response.headers["content-type"] == "image/png"
    boxed = Image.open(io.BytesIO(response.body())).convert("RGB")
    assert sum(1 for pixel in boxed.getdata() if pixel == RED) > 200  # the red box

    page.goto(f"{live_server.url}/consent/people/PUP-001/record/")
    page.select_option("#id_given_by", label="Karen Jones")
    page.select_option("#id_method", index=0)
    for purpose in ("internal", "print", "social_media", "press"):
        page.check(f"#id_{purpose}_0")  # yes
    page.check("#id_website_1")  # no: withdrawn
    page.click("button:has-text('Save')")
    assert "Consent for Amy Jones recorded" in page.inner_text("main")

    page.goto(f"{live_server.url}/consent/takedowns/")
    row = page.locator("tr", has_text="Amy Jones")
    assert "Photography club portraits" in row.inner_text()
    row.locator("a", has_text="Amy Jones").click()
    assert "Photography club portraits" in page.inner_text("main")
    assert "Still published: take it down" in page.inner_text("main")
    page.fill("#id_note", "Removed the post from the school website news")
    page.click("button:has-text('Mark as done')")
    # "Done" only once the post is down: a designated officer takes it down from the archive.
    assert "Take these posts down from the archive first" in page.inner_text("main")
    takedown_url = page.url

    page.context.clear_cookies()  # signed out
    sign_in(page, live_server, "mbah", demo_school)
    page.goto(takedown_url)
    page.click("main a:has-text('Photography club portraits')")
    page.fill("#id_reason", "Consent for the website withdrawn")
    page.click("button:has-text('Take the post down')")
    assert "The post is taken down" in page.inner_text("main")
    page.goto(takedown_url)
    assert "Taken down" in page.inner_text("main")
    page.fill("#id_note", "Removed the post from the school website news")
    page.click("button:has-text('Mark as done')")
    assert "Takedown marked as done" in page.inner_text("main")


@pytest.mark.clause("IMG-1", "IMG-3")
def test_parent_answers_the_e_consent_form_on_a_phone(browser, live_server, demo_school):
    """The emailed link on a 375 px phone screen: no sideways scrolling, no axe-core violations,
    first a clear error for a missing answer, then the answer recorded and the link used up."""
    from axe_playwright_python.sync_playwright import Axe

    from socialguard.consent import services
    from socialguard.people.models import Person

    child = Person.objects.get(external_id="PUP-001")
    parent = Person.objects.filter(children_links__child=child).first()
    link = services.consent_link_create(parent=parent, child=child)
    url = f"{live_server.url}/consent/form/{services.consent_link_token(link)}/"

    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        page.goto(url)
        assert "Online and public" in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()

        page.click("button[type=submit]")
        assert "There is a problem" in page.inner_text("main")
        assert Axe().run(page).violations_count == 0

        for purpose in ("internal", "print", "website", "social_media"):
            page.check(f"#id_{purpose}_0")  # yes
        page.check("#id_press_1")  # no
        page.check("#id_biometric_0")  # written consent
        page.check("#id_child_refuses_1")  # no
        page.click("button[type=submit]")
        assert "Your answers are recorded" in page.inner_text("h1")
        status = services.consent_status(child)
        assert status["purposes"]["website"]["consented"] is True
        assert status["purposes"]["press"]["consented"] is False
        assert page.goto(url).status == 410
    finally:
        context.close()
