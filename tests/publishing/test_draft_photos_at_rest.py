"""Draft photos of pupils are encrypted at rest like consent photos (issue 9, item 4): the files in
the data directory are ciphertext (AES-256-GCM, a key per file wrapped by the master key), and
are decrypted only in memory for the photo check, the preview and publishing."""

import importlib
import io
import os
import stat

import pytest
from cryptography.exceptions import InvalidTag
from PIL import Image, UnidentifiedImageError

from socialguard.consent import services as consent
from socialguard.publishing import media, services
from socialguard.publishing.models import ArchiveItem, DraftImage
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def on_disk(stored_name: str):
    folder, _, name = stored_name.partition("/")
    return media.media_dir(folder) / name


def assert_ciphertext(stored_name: str, plain: bytes) -> None:
    path = on_disk(stored_name)
    blob = path.read_bytes()
    assert plain not in blob and len(blob) > len(plain)
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(blob))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.fixture
def checked(monkeypatch):
    """The consent check, recording the bytes it was given."""
    seen = []

    def check(*, data, purpose, **kwargs):
        seen.append(data)
        return {"verdict": "pass", "faces": []}

    monkeypatch.setattr(consent, "check_photo_for_purpose", check)
    return seen


@pytest.mark.clause("IMG-3")
def test_it_keeps_a_draft_photo_as_ciphertext_and_checks_and_previews_it_decrypted(
    client, author, website, png, checked
):
    photo = png("blue", size=(64, 48))
    draft = services.draft_save(
        author=author.person,
        text="Our choir at the town hall.",
        account_ids=[website.pk],
        new_images=[services.NewImage("choir.png", photo)],
    )
    image = DraftImage.objects.get(draft=draft)
    clean = media.image_read(image.stored_name)
    assert Image.open(io.BytesIO(clean)).size == (64, 48)
    assert_ciphertext(image.stored_name, clean)
    assert checked == [clean]  # the photo check saw the photo itself, in memory
    sign_in(client, author)
    response = client.get(f"/publishing/drafts/{draft.pk}/images/{image.pk}/")
    assert response.status_code == 200 and response.content == clean
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    # Rechecking the draft (consent changed) reads and decrypts it again.
    checked.clear()
    services.draft_recheck(draft, photos=True)
    assert checked == [clean]


def test_it_publishes_a_draft_photo_from_an_encrypted_archive_copy(
    client, submitted, officer, png, checked
):
    photo = png("green", size=(32, 32))
    draft = submitted(new_images=[services.NewImage(name="fair.png", data=photo)])
    services.draft_approve(draft=draft, user=officer)
    item = ArchiveItem.objects.get()
    stored = item.images[0]["stored_name"]
    assert stored.startswith("archive/")
    published = media.image_read(stored)
    assert Image.open(io.BytesIO(published)).size == (32, 32)
    assert_ciphertext(stored, published)
    # The website shows the published photo, decrypted in memory.
    response = client.get(f"/publishing/news/{item.remote_id}/images/0/")
    assert response.status_code == 200 and response.content == published


def test_it_does_not_decrypt_a_file_moved_to_another_name(author, website, png, checked):
    draft = services.draft_save(
        author=author.person,
        text="Two photos.",
        account_ids=[website.pk],
        new_images=[
            services.NewImage("a.png", png("red")),
            services.NewImage("b.png", png("blue")),
        ],
    )
    first, second = draft.images.all()
    on_disk(second.stored_name).write_bytes(on_disk(first.stored_name).read_bytes())
    with pytest.raises(InvalidTag):
        media.image_read(second.stored_name)


def test_it_encrypts_the_draft_photos_already_on_disk_when_migrating(png, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # a data directory of its own: the migration walks all of it
    migration = importlib.import_module(
        "socialguard.publishing.migrations.0004_encrypted_draft_photos"
    )
    plain = {"drafts": png("red"), "archive": png("blue")}
    names = {}
    for folder, data in plain.items():
        name = f"{folder}/{'ab' * 16}"
        on_disk(name).write_bytes(data)  # as stored before: a plain image file
        names[folder] = name
    migration.encrypt_photos(None, None)
    for folder, name in names.items():
        assert_ciphertext(name, plain[folder])
        assert media.image_read(name) == plain[folder]
    sealed = {name: on_disk(name).read_bytes() for name in names.values()}
    migration.encrypt_photos(None, None)  # again: nothing sealed twice
    assert {name: on_disk(name).read_bytes() for name in names.values()} == sealed
    migration.decrypt_photos(None, None)
    assert {f: on_disk(n).read_bytes() for f, n in names.items()} == plain


@pytest.mark.clause("IMG-3")
def test_it_takes_the_restricted_list_out_of_drafts_kept_before_when_migrating(
    author, website, png, checked
):
    from django.apps import apps

    from socialguard.publishing.models import Draft

    migration = importlib.import_module(
        "socialguard.publishing.migrations.0004_encrypted_draft_photos"
    )
    draft = services.draft_save(
        author=author.person,
        text="Our choir.",
        account_ids=[website.pk],
        new_images=[services.NewImage("a.png", png("red"))],
    )
    old_finding = {
        "check": "photo", "clause": "IMG-3", "severity": "block", "start": 0, "end": 0,
        "message": "Image 1 (a.png): a face in the photo is no consent, restricted.",
        "suggestion": "Use a photo without this child, or blur their face, before it is published.",
    }  # fmt: skip
    Draft.objects.filter(pk=draft.pk).update(findings=[old_finding])
    DraftImage.objects.filter(draft=draft).update(
        photo_check={
            "verdict": "block",
            "faces": [
                {
                    "box": [1, 2, 3, 4],
                    "external_id": "P-9",
                    "status": "restricted",
                    "distance": 0.31,
                }
            ],
        }  # fmt: skip
    )
    migration.redact_drafts(apps, None)
    draft.refresh_from_db()
    assert draft.findings == [
        {
            **old_finding,
            "message": "Image 1 (a.png): a face in the photo is not allowed in this use.",
        }
    ]
    assert DraftImage.objects.get(draft=draft).photo_check["faces"] == [
        {"box": [1, 2, 3, 4], "external_id": None, "status": "not_allowed", "distance": None}
    ]
    migration.redact_drafts(apps, None)  # again: nothing changes
    draft.refresh_from_db()
    assert "not allowed in this use" in draft.findings[0]["message"]
