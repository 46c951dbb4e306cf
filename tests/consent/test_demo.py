"""The demo school shows the photo check working: a restricted child blocked with a red box, a
consented pupil passing, and a published post listed for takedown when consent is withdrawn."""

import io

import pytest
from django.core import mail
from PIL import Image

from socialguard.consent import demo_photos, services
from socialguard.consent.models import FaceEmbedding, PhotoMatch, TakedownNeeded
from socialguard.people.models import Person

pytest.importorskip("skimage.data", reason="the demo faces come from scikit-image")


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    from socialguard.web.demo import load_demo

    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    services._gallery_cache.clear()
    yield
    services._gallery_cache.clear()


@pytest.mark.clause("IMG-3")
def test_it_blocks_the_restricted_demo_pupil_with_a_red_box_and_passes_a_consented_one(demo):
    chloe = Person.objects.get(external_id="PUP-003")
    assert chloe.external_id in services.restricted_external_ids()
    assert services.restricted_reason(chloe) == "court order"
    assert not FaceEmbedding.objects.filter(person__external_id="STAFF-005").exists()
    photo = demo_photos.photo("PUP-003")
    result = services.check_photo_for_purpose(data=photo, purpose="website")
    assert result["verdict"] == "block"
    assert [(f["external_id"], f["status"]) for f in result["faces"]] == [("PUP-003", "restricted")]
    from socialguard.consent.photo_check import render_boxes

    boxed = Image.open(io.BytesIO(render_boxes(photo, result["faces"], labels=False)))
    x, y, w, h = result["faces"][0]["box"]
    assert boxed.convert("RGB").getpixel((x + w // 2, y + h - 1)) == (212, 53, 28)
    # the cameraman is the consented pupil's face: a pass
    result = services.check_photo_for_purpose(data=demo_photos.photo("PUP-001"), purpose="website")
    assert result["verdict"] == "pass"
    assert [(f["external_id"], f["status"]) for f in result["faces"]] == [("PUP-001", "consented")]
    # loading the demo again changes nothing
    from socialguard.publishing.models import ArchiveItem
    from socialguard.web.demo import load_demo

    load_demo()
    assert FaceEmbedding.objects.filter(person__external_id="PUP-003").count() == 1
    assert ArchiveItem.objects.filter(title="Photography club portraits").count() == 1


@pytest.mark.clause("IMG-1", "IMG-3")
def test_it_lists_the_published_demo_post_for_takedown_when_consent_is_withdrawn(
    demo, django_capture_on_commit_callbacks
):
    from socialguard.publishing.models import ArchiveItem

    item = ArchiveItem.objects.get(title="Photography club portraits")
    amy = Person.objects.get(external_id="PUP-001")
    mum = Person.objects.get(external_id="PAR-001")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.consent_withdraw(person=amy, purpose="website", given_by=mum, method="email")
    takedown = TakedownNeeded.objects.get(person=amy, done_at__isnull=True)
    assert [i["id"] for i in takedown.published_items] == [item.pk]
    assert "Photography club portraits" in takedown.published_items[0]["title"]
    assert {p["sha256"] for p in takedown.photos} == {i["sha256"] for i in item.images}
    # found by the publishing gate's own photo check, not a record made up by the demo
    assert PhotoMatch.objects.filter(person=amy, sha256=item.images[0]["sha256"]).exclude(
        checked_photo__via="demo"
    )
    assert any("taken down" in m.subject for m in mail.outbox)
    officer = Person.objects.get(external_id="STAFF-005")
    # "Done" only once the post is really down (the archive keeps its record).
    with pytest.raises(services.ConsentError, match="Take these posts down"):
        services.takedown_done(takedown=takedown, actor=officer.user, note="Removed")
    from socialguard.publishing.services import item_take_down

    item_take_down(item=item, user=officer.user, reason="Consent withdrawn for the website")
    services.takedown_done(takedown=takedown, actor=officer.user, note="Removed from the website")
    takedown.refresh_from_db()
    assert takedown.done_at is not None


@pytest.mark.clause("IMG-3")
def test_it_leaves_the_demo_photos_to_try_the_check_with(demo, settings, tmp_path, capsys):
    import json

    from django.core.management import call_command

    settings.DATA_DIR = tmp_path
    folder = demo_photos.write_for_trying()
    assert sorted(p.name for p in folder.iterdir()) == ["astronaut.png", "camera.png"]
    assert (folder / "astronaut.png").read_bytes() == demo_photos.photo("PUP-003")
    with pytest.raises(SystemExit) as exit_info:
        call_command("check-photo", str(folder / "astronaut.png"), "--format", "json")
    assert exit_info.value.code == 1
    # Without --as a keeper of the consent register: the verdict and the boxes only (IMG-3).
    assert json.loads(capsys.readouterr().out)["faces"][0]["status"] == "not_allowed"
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "check-photo", str(folder / "astronaut.png"), "--format", "json", "--as", "wilson"
        )
    assert exit_info.value.code == 1
    assert json.loads(capsys.readouterr().out)["faces"][0]["status"] == "restricted"
