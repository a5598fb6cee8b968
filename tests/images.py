"""Real, tiny photos for upload tests. The service decodes and re-encodes every JPEG/PNG/WebP
(formsvc/case/image_check.py), so a few magic bytes no longer pass for a photo. These are made
by Pillow with the service's own settings, so re-encoding gives back the very same bytes and a
test may still compare what was stored with what was sent."""

from __future__ import annotations

import io

from PIL import Image


def _encode(fmt: str, size=(16, 16), colour=(200, 120, 40), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt, **options)
    return out.getvalue()


JPEG = _encode("JPEG", quality=90, optimize=True)
PNG = _encode("PNG")
