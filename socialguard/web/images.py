"""Bounded images: the one pixel limit for every image SocialGuard takes (evidence, photo checks,
batch checks, face enrolment, draft photos), and decoding a photo already reduced.

The limit is ``settings.MAX_IMAGE_MEGAPIXELS`` (``SOCIALGUARD_MAX_IMAGE_MEGAPIXELS``, default 50).
It is checked on the size in the file's header, before a single pixel is decoded, so a small file
that claims a huge picture (a decompression bomb) costs nothing. Neutral on purpose: casework,
consent and publishing all import it, and it imports none of them.
"""

from __future__ import annotations

import io
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from PIL import Image, UnidentifiedImageError

DEFAULT_MAX_IMAGE_MEGAPIXELS = 50
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")


class ImageTooLarge(ValueError):
    """An image over the pixel limit; ``str(error)`` says so, naming the limit."""

    def __init__(self, pixels: int | None, limit: int, noun: str = "photo"):
        self.pixels, self.limit = pixels, limit
        super().__init__(too_large_message(pixels, limit=limit, noun=noun))

    @property
    def message(self) -> str:
        return str(self)


def max_image_pixels() -> int:
    """The most pixels an image may have (width x height), from the setting."""
    megapixels = getattr(settings, "MAX_IMAGE_MEGAPIXELS", DEFAULT_MAX_IMAGE_MEGAPIXELS)
    if not isinstance(megapixels, int | float) or megapixels <= 0:
        raise ImproperlyConfigured(
            f"SOCIALGUARD_MAX_IMAGE_MEGAPIXELS must be a positive number, not {megapixels!r}"
        )
    return int(megapixels * 1_000_000)


def _megapixels(pixels: int) -> str:
    value = pixels / 1_000_000
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def too_large_message(pixels: int | None, *, limit: int | None = None, noun: str = "photo") -> str:
    limit = max_image_pixels() if limit is None else limit
    size = f" ({_megapixels(pixels)} megapixels)" if pixels else ""
    return (
        f"The {noun} is too large to check{size}: the most SocialGuard takes is "
        f"{_megapixels(limit)} megapixels. Save a smaller copy and upload it again."
    )


def check_pixels(width: int, height: int, *, limit: int | None = None, noun: str = "photo") -> None:
    """ImageTooLarge when width x height is over the limit (the setting's, or a lower one)."""
    limit = max_image_pixels() if limit is None else min(limit, max_image_pixels())
    if width * height > limit:
        raise ImageTooLarge(width * height, limit, noun)


def bomb_error(error: Image.DecompressionBombError, *, noun: str = "photo") -> ImageTooLarge:
    """Pillow's own refusal of a header past twice its limit, as our message (with the size)."""
    found = _BOMB_PIXELS.search(str(error))
    return ImageTooLarge(int(found.group(1)) if found else None, max_image_pixels(), noun)


def refuse_oversized(data: bytes, *, noun: str = "image") -> None:
    """ImageTooLarge for an image file over the limit, read from its header only. Anything
    Pillow cannot open is left alone: the caller's own checks say what is wrong with it."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Image.DecompressionBombError as error:
        raise bomb_error(error, noun=noun) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return
    check_pixels(width, height, noun=noun)


def reduce_on_load(image: Image.Image, max_pixels: int) -> float:
    """Before the pixels are loaded: ask the JPEG decoder for a smaller picture (its DCT scaling,
    1/2, 1/4 or 1/8, never smaller than max_pixels allows). Returns the scale it chose (1.0 for
    other formats, which are decoded at full size)."""
    pixels = image.width * image.height
    if image.format not in ("JPEG", "MPO") or pixels <= max_pixels:
        return 1.0
    factor = (max_pixels / pixels) ** 0.5
    width, height = image.size
    image.draft(image.mode, (max(1, int(width * factor)), max(1, int(height * factor))))
    return image.width / width


def fit(image: Image.Image, max_pixels: int) -> Image.Image:
    """The image resized to at most max_pixels (unchanged when it is already within)."""
    pixels = image.width * image.height
    if pixels <= max_pixels:
        return image
    # A whole-number reduction first (a box filter, straight into the small image): a full-size
    # intermediate copy, which a direct resize makes, would cost as much as the photo again.
    whole = int((pixels / max_pixels) ** 0.5)
    if whole >= 2:
        image = image.reduce(whole)
        pixels = image.width * image.height
        if pixels <= max_pixels:
            return image
    factor = (max_pixels / pixels) ** 0.5
    size = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
    return image.resize(size, Image.Resampling.BILINEAR)
