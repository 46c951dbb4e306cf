"""Image descriptions (alt text) typed on the draft page: stored with each image, published with
it, and checked like the text of the post (PRIN-d)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from socialguard.publishing import services
from socialguard.publishing.models import ArchiveItem, Draft, DraftImage

pytestmark = pytest.mark.django_db


def _upload(png, name):
    return SimpleUploadedFile(name, png(), content_type="image/png")


@pytest.mark.clause("PERS-7")
def test_it_stores_a_description_for_each_new_image_and_publishes_it(
    signed_in, client, website, png, officer
):
    teacher = signed_in("staff")
    page = client.get("/publishing/drafts/new/").content.decode()
    assert 'name="image_descriptions"' in page and "Describe the new images" in page
    response = client.post(
        "/publishing/drafts/new/",
        {
            "text": "Our choir at the town hall.",
            "accounts": [website.pk],
            "images": [_upload(png, "choir.png"), _upload(png, "hall.png")],
            "image_descriptions": "The choir singing on stage\n",
        },
    )
    assert response.status_code == 302
    draft = Draft.objects.get()
    assert list(draft.images.values_list("original_name", "alt_text")) == [
        ("choir.png", "The choir singing on stage"),
        ("hall.png", ""),
    ]
    services.draft_submit(draft=draft, author=teacher.person)
    services.draft_approve(draft=draft, user=officer)
    item = ArchiveItem.objects.get()
    assert item.images[0]["alt_text"] == "The choir singing on stage"
    news = client.get(f"/publishing/news/{item.remote_id}/").content.decode()
    assert 'alt="The choir singing on stage"' in news


@pytest.mark.clause("PRIN-d")
def test_it_refuses_a_description_that_names_a_restricted_pupil_or_gives_a_number(
    signed_in, client, website, png, make_person, monkeypatch
):
    pupil = make_person("pupil", given_name="Amy", family_name="Jones")
    monkeypatch.setattr(services, "restricted_external_ids", lambda: frozenset({pupil.external_id}))
    signed_in("staff")
    for description in ("Amy Jones holding the cup", "Call 07700 900123 for copies"):
        response = client.post(
            "/publishing/drafts/new/",
            {
                "text": "Our choir at the town hall.",
                "accounts": [website.pk],
                "images": [_upload(png, "choir.png")],
                "image_descriptions": description,
            },
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert "The description of choir.png cannot be published" in page
    assert not Draft.objects.exists() and not DraftImage.objects.exists()


def test_it_refuses_more_descriptions_than_images_and_overlong_ones(
    signed_in, client, website, png
):
    signed_in("staff")
    response = client.post(
        "/publishing/drafts/new/",
        {
            "text": "Our choir.",
            "accounts": [website.pk],
            "images": [_upload(png, "choir.png")],
            "image_descriptions": "One\nTwo",
        },
    )
    assert response.status_code == 400
    assert "You gave 2 image descriptions for 1 new image" in response.content.decode()
    response = client.post(
        "/publishing/drafts/new/",
        {
            "text": "Our choir.",
            "accounts": [website.pk],
            "images": [_upload(png, "choir.png")],
            "image_descriptions": "x" * 301,
        },
    )
    assert response.status_code == 400
    assert "300 characters or fewer" in response.content.decode()
    assert not Draft.objects.exists()
