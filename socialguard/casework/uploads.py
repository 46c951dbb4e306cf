"""An upload handler that never writes a temp file (SLT-5: no byte of a flagged item may stay on disk).

Django's default handlers spool uploads over 2.5 MB to a temporary file. The evidence views swap
in this handler before the request body is read: everything stays in memory, up to
settings.UPLOAD_MAX_BYTES; beyond that the bytes are dropped and the file is marked too large."""

import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class MemoryOnlyUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.too_large or self.received > settings.UPLOAD_MAX_BYTES:
            self.too_large = True
            self.buffer = io.BytesIO()
            return None
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        content = io.BytesIO() if self.too_large else self.buffer
        content.seek(0)
        upload = InMemoryUploadedFile(
            file=content,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
        upload.sg_too_large = self.too_large
        return upload


def use_memory_only_uploads(request) -> None:
    request.upload_handlers = [MemoryOnlyUploadHandler(request)]


def refuse_oversized_image(content: bytes | None) -> None:
    """EvidenceRefused for an image over the pixel limit (settings.MAX_IMAGE_MEGAPIXELS), read
    from its header before anything decodes it (the vault's own check decodes every pixel)."""
    from socialguard.web.images import ImageTooLarge, refuse_oversized

    from .vault import EvidenceRefused

    if not content:
        return
    try:
        refuse_oversized(content, noun="image")
    except ImageTooLarge as error:
        raise EvidenceRefused(error.message) from None
