"""Helpers for the St Martin's Post PDF (rendered by WeasyPrint, never sent to a browser)."""

import base64

from django import template
from PIL import Image

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, [])


@register.filter
def data_url(data: bytes) -> str:
    import io

    with Image.open(io.BytesIO(data)) as image:
        mime = Image.MIME.get(image.format, "image/png")
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
