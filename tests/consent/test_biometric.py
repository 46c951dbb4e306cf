import json

import numpy as np
import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import call_command

from socialguard.consent import crypto, services
from socialguard.consent.models import FaceEmbedding
from socialguard.consent.rules import biometric_decision
from socialguard.consent.services import ConsentError

from .conftest import embedding_for


def run(*args):
    try:
        call_command(*args)
    except SystemExit as exit:
        return exit.code
    return 0


@pytest.mark.clause("IMG-3")
@pytest.mark.parametrize(
    "is_child, consents, objections, refuses, allowed",
    [
        (True, {"PAR-1": True}, {}, False, True),
        (True, {}, {}, False, False),  # no written consent
        (True, {"PAR-1": True}, {"PAR-2": True}, False, False),  # one parent objects
        (True, {"PAR-1": True}, {}, True, False),  # the child refuses
        (True, {"PAR-1": False, "PAR-2": True}, {"PAR-1": False}, False, True),
        (False, {"self": True}, {}, False, True),
        (False, {"PAR-1": True}, {}, False, False),  # an adult consents for themselves
    ],
)
def test_it_follows_the_protection_of_freedoms_act(
    is_child, consents, objections, refuses, allowed
):
    decision = biometric_decision(
        is_child=is_child, consents=consents, objections=objections, child_refuses=refuses
    )
    assert decision.allowed is allowed and decision.reason


@pytest.mark.clause("IMG-3")
def test_it_refuses_enrolment_without_biometric_consent(family, fake_faces, tmp_path, capsys):
    child, mother, _ = family()
    with pytest.raises(ConsentError, match="No parent or carer has given written consent"):
        services.face_enrol(person=child, photos=[b"photo:amy"])
    photo = tmp_path / "amy.jpg"
    photo.write_bytes(b"photo:amy")
    assert run("enrol-face", child.external_id, str(photo), "--format", "json") == 1
    assert "written consent" in json.loads(capsys.readouterr().out)["message"]
    assert run("enrol-face", "NOBODY", str(photo)) == 2
    assert not FaceEmbedding.objects.exists()
    services.biometric_record(person=child, consent=True, key=mother.external_id, given_by=mother)
    assert run("enrol-face", child.external_id, str(photo)) == 0
    assert FaceEmbedding.objects.filter(person=child).count() == 1


def test_it_refuses_a_photo_with_more_or_fewer_than_one_face(make_person, enrolled):
    teacher = enrolled(make_person("staff"), "teacher")
    with pytest.raises(Exception, match="2 faces"):
        services.face_enrol(person=teacher, photos=[b"photo:teacher,friend"])
    with pytest.raises(Exception, match="no face"):
        services.face_enrol(person=teacher, photos=[b"photo:"])


@pytest.mark.clause("IMG-3")
@pytest.mark.parametrize("how", ["withdrawal", "objection", "refusal"])
def test_it_deletes_the_embeddings_at_once(family, enrolled, how):
    child, mother, father = family()
    enrolled(child, "amy", parent=mother)
    assert FaceEmbedding.objects.filter(person=child).exists()
    if how == "withdrawal":
        services.biometric_record(
            person=child, consent=False, key=mother.external_id, given_by=mother
        )
    elif how == "objection":
        services.biometric_record(
            person=child, objection=True, key=father.external_id, given_by=father
        )
    else:
        services.biometric_record(person=child, child_refuses=True, given_by=mother)
    assert not FaceEmbedding.objects.filter(person=child).exists()
    assert (
        services.check_photo_for_purpose(data=b"photo:amy", purpose="internal")["verdict"]
        == "review"
    )


def test_it_keeps_only_encrypted_embeddings(make_person, enrolled):
    teacher = enrolled(make_person("staff"), "teacher")
    row = FaceEmbedding.objects.get(person=teacher)
    raw = embedding_for("teacher").astype(np.float32).tobytes()
    assert raw not in bytes(row.ciphertext)
    assert np.allclose(
        crypto.decrypt_embedding(row.ciphertext, teacher.pk), embedding_for("teacher")
    )
    with pytest.raises(InvalidTag):
        crypto.decrypt_embedding(row.ciphertext, teacher.pk + 1)


def test_it_enrols_only_for_officers_and_the_dsl_on_the_web(
    client, signed_in, make_person, fake_faces
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    signed_in("social_media_officer")
    teacher = make_person("staff")
    url = f"/consent/people/{teacher.external_id}/enrol/"
    assert "Face matching is not allowed" in client.get(url).content.decode()
    services.biometric_record(person=teacher, consent=True, key="self", given_by=teacher)
    response = client.post(url, {"photo": SimpleUploadedFile("t.jpg", b"photo:teacher")})
    assert response.status_code == 302 and FaceEmbedding.objects.filter(person=teacher).exists()
