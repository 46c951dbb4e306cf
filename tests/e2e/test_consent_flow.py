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
    page.fill("#id_note", "Removed the post from the school website news")
    page.click("button:has-text('Mark as done')")
    assert "Takedown marked as done" in page.inner_text("main")
