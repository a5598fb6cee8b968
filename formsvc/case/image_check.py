"""Photos are decoded with a pixel limit and re-encoded before they are stored (issue 15).

Why: the first bytes say "JPEG" or "PNG", but that is all ``filetype`` looks at. A 2.6 MB PNG that
decodes to 2.7 GB (a decompression bomb) would take an officer's laptop down when opened, and a
JPEG/HTML polyglot (a valid JPEG with a page appended or hidden in a comment) passes any check of
the header. Decoding the whole image (refusing more than ``MAX_PIXELS`` before a byte of pixel data
is decoded) and writing the pixels out anew keeps the photo and drops everything else: appended
bytes, comments, metadata (GPS position included), colour-profile tricks. The picture is turned
upright first (EXIF orientation), since the orientation tag goes with the rest.

HEIC (no decoder in Pillow without a plugin) and PDF are stored as sent; like every evidence file
they are only ever downloaded as attachments with ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

MAX_PIXELS = 50_000_000  # a 50-megapixel photo (8660 × 5773); phones send 12–48, the form shrinks to 1600 px
REENCODED = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


class ImageRefused(Exception):
    """``kind`` is ``pixels`` (too many) or ``broken`` (cannot be decoded)."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(detail or kind)
        self.kind = kind


def reencode(data: bytes, mime: str) -> bytes:
    """The image's pixels written anew in the same format, or ``ImageRefused``."""
    fmt = REENCODED[mime]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = img.size
            if width * height > MAX_PIXELS:  # from the header, before any pixel is decoded
                raise ImageRefused("pixels", f"{width}x{height}")
            img.load()
            if getattr(img, "n_frames", 1) > 1:
                img.seek(0)  # an animated PNG/WebP: its first frame is the evidence
            img = ImageOps.exif_transpose(img)
        except ImageRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise ImageRefused("pixels", str(e)) from e
        except Exception as e:  # truncated, corrupt, a header with nothing behind it
            raise ImageRefused("broken", f"{type(e).__name__}: {e}") from e
    img.info = {}  # Pillow writes some of it back (a JPEG comment, PNG text chunks): nothing but pixels
    out = io.BytesIO()
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(out, "JPEG", quality=90, optimize=True)
    elif fmt == "PNG":
        if img.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
            img = img.convert("RGBA")
        img.save(out, "PNG", optimize=False)
    else:
        img.save(out, "WEBP", quality=90)
    return out.getvalue()
