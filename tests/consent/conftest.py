"""Fake faces for fast service tests: each "photo" is a byte string naming who is in it, and
`faces.embed_photo` is swapped for a lookup of fixed embeddings (no dlib)."""

import numpy as np
import pytest

from socialguard.consent import faces, services
from socialguard.consent.faces import Face, PhotoError
from socialguard.people.models import ParentOf


def embedding_for(name: str) -> np.ndarray:
    """A fixed 128-d vector per name; different names are ~1.4 apart (well beyond thresholds)."""
    rng = np.random.default_rng(abs(hash(name)) % (2**32))
    vector = rng.normal(size=128).astype(np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def fake_faces(monkeypatch):
    """Photos are bytes like b"photo:amy,bob"; each name is one face, left to right."""

    def embed(data: bytes):
        if not data.startswith(b"photo:"):
            raise PhotoError(
                "This file is not a photo we can read. Upload a JPEG, PNG, WebP or HEIC image."
            )
        names = [n for n in data[6:].decode().split(",") if n]
        return [
            Face(box=(100 * i, 10, 80, 80), embedding=embedding_for(n), score=1.0)
            for i, n in enumerate(names)
        ]

    monkeypatch.setattr(faces, "embed_photo", embed)
    services._gallery_cache.clear()
    yield embed
    services._gallery_cache.clear()


@pytest.fixture
def family(make_person):
    """A pupil with two parents."""

    def make(**fields):
        child = make_person("pupil", **fields)
        mother = make_person("parent", email="mother@example.org")
        father = make_person("parent", email="father@example.org")
        ParentOf.objects.create(parent=mother, child=child)
        ParentOf.objects.create(parent=father, child=child)
        return child, mother, father

    return make


@pytest.fixture
def enrolled(fake_faces):
    """Enrol `person` under the face called `name` (biometric consent recorded first)."""

    def enrol(person, name, parent=None):
        if services.is_child(person):
            services.biometric_record(
                person=person, consent=True, key=parent.external_id, given_by=parent
            )
        else:
            services.biometric_record(person=person, consent=True, key="self", given_by=person)
        services.face_enrol(person=person, photos=[f"photo:{name}".encode()])
        return person

    return enrol
