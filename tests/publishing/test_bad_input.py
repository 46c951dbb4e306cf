"""Bad input found in exploratory QA: damaged and oversized images on the draft page, and
impossible newsletter issues on the public site, get a clear answer and never a server error."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from socialguard.publishing.models import Draft, DraftImage

pytestmark = pytest.mark.django_db


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def _truncated_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 60).convert("RGB").save(buffer, format="JPEG")
    return buffer.getvalue()[:3000]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        pytest.param("bomb.png", _png_claiming(20_000, 20_000), "too large", id="bomb"),
        pytest.param("cut.jpg", _truncated_jpeg(), "damaged", id="truncated-jpeg"),
    ],
)
def test_it_refuses_a_bomb_or_a_damaged_image_with_a_clear_message(
    signed_in, client, website, name, data, message
):
    signed_in("staff")
    response = client.post(
        "/publishing/drafts/new/",
        {
            "text": "Our choir at the town hall.",
            "accounts": [website.pk],
            "images": [SimpleUploadedFile(name, data)],
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Draft.objects.exists() and not DraftImage.objects.exists()


@pytest.mark.parametrize("issue", ["99999-01", "0-01", "2026-13", "2026-00"])
def test_it_answers_not_found_for_an_impossible_newsletter_issue(client, issue):
    assert client.get(f"/publishing/st-martins-post/{issue}/").status_code == 404
    assert client.get(f"/publishing/st-martins-post/{issue}.pdf").status_code == 404
