"""Real faces for the demo school, from photos shipped inside scikit-image (when installed):
no photo of a real child is needed to see the photo check work.

- the astronaut photo (Eileen Collins, NASA; public domain) is enrolled as PUP-003 Chloe Brown,
  a restricted child: it is blocked, with a red box;
- the cameraman photo is enrolled as PUP-001 Amy Jones, who has consent for every use: it passes.
"""

from __future__ import annotations

import hashlib
import io
from functools import cache
from pathlib import Path

DEMO_FACES = {
    # external_id: (skimage.data function, file in skimage/data, what it shows)
    "PUP-003": ("astronaut", "astronaut.png", "the astronaut photo"),
    "PUP-001": ("camera", "camera.png", "the cameraman photo"),
}


@cache
def photo(external_id: str) -> bytes | None:
    """The demo photo enrolled for the person, as PNG, or None without scikit-image."""
    try:
        from PIL import Image
        from skimage import data
    except ImportError:
        return None
    function = DEMO_FACES[external_id][0]
    try:
        array = getattr(data, function)()
    except Exception:  # noqa: BLE001 - a missing or unreadable data file: no demo face
        return None
    out = io.BytesIO()
    Image.fromarray(array).save(out, format="PNG")
    return out.getvalue()


def photo_path(external_id: str) -> str:
    """Where the demo photo is on this machine (for a tester to upload it)."""
    try:
        import skimage.data
    except ImportError:
        return ""
    path = Path(skimage.data.__file__).parent / DEMO_FACES[external_id][1]
    return str(path) if path.exists() else ""


def demo_enrolled() -> dict[str, str]:
    """{external_id: full name} of the demo faces that are enrolled now."""
    from .models import FaceEmbedding

    shas = {}
    for external_id in DEMO_FACES:
        data = photo(external_id)
        if data:
            shas[hashlib.sha256(data).hexdigest()] = external_id
    if not shas:
        return {}
    rows = FaceEmbedding.objects.filter(
        source_sha256__in=list(shas), person__external_id__in=list(shas.values())
    ).select_related("person")
    return {row.person.external_id: row.person.full_name for row in rows}


def demo_note(show_restricted: bool = False) -> list[str]:
    """Sentences for the "Check a photo" page saying what the demo enrolled, or []. Who is on
    the restricted list is named only to those who may see the list."""
    enrolled = demo_enrolled()
    notes = []
    if "PUP-003" in enrolled:
        who = (
            f"{enrolled['PUP-003']} (PUP-003), a child on the restricted list"
            if show_restricted
            else "a child who must never be shown"
        )
        notes.append(
            f"Demo school: {DEMO_FACES['PUP-003'][2]} shipped with scikit-image is enrolled as "
            f"{who}, so checking it gives 'must not be used' with a red box. File: "
            f"{photo_path('PUP-003') or 'skimage/data/astronaut.png'}."
        )
    if "PUP-001" in enrolled:
        notes.append(
            f"{DEMO_FACES['PUP-001'][2].capitalize()} is enrolled as {enrolled['PUP-001']} (PUP-001), "
            f"who has consent for every use, so it passes with a green box. File: "
            f"{photo_path('PUP-001') or 'skimage/data/camera.png'}."
        )
    return notes


def write_for_trying() -> Path | None:
    """Put the demo photos in the data directory (demo-photos/astronaut.png and camera.png), so a
    person trying the demo has files to upload to "Check a photo" or give to `check-photo`."""
    from django.conf import settings

    folder = Path(settings.DATA_DIR) / "demo-photos"
    for external_id, (_function, filename, _shows) in DEMO_FACES.items():
        data = photo(external_id)
        if data is None:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / filename
        if not target.exists():
            partial = target.with_suffix(".part")
            partial.write_bytes(data)
            partial.replace(target)  # write-then-rename: never a half-written photo
    return folder
