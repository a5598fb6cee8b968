"""A photo as a phone camera hands it over: 12 megapixels, a few MB, EXIF orientation and GPS.

Used by the browser tests (tests/e2e/test_e2e_phone.py) and by bench/bench_phone.py. The
picture is a gradient with noise (so that JPEG cannot squeeze it to nothing) and a red block in
the *stored* top-left corner: with orientation 6 ("rotate 90° clockwise to show") a viewer that
applies the orientation shows the block top-right, on a portrait picture.
"""

from __future__ import annotations

from pathlib import Path

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MARK = (230, 20, 20)


def camera_jpeg(path: Path, size: tuple[int, int] = (4000, 3000), quality: int = 90, noise: float = 20.0,
                orientation: int = 6, gps: bool = True) -> Path:
    """Write a camera-like JPEG (landscape as stored, ``orientation`` in EXIF, GPS position) to ``path``."""
    from PIL import Image, ImageDraw

    w, h = size
    base = Image.linear_gradient("L").resize((w, h))
    grain = Image.effect_noise((w, h), noise)
    img = Image.merge("RGB", (base, grain, Image.blend(base, grain, 0.5)))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w // 8, h // 8), fill=MARK)
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (27.0, 36.0, 38.0), 3: "E", 4: (113.0, 58.0, 25.0)}
    img.save(path, "JPEG", quality=quality, exif=exif)
    return path


def has_gps(image) -> bool:
    """Whether a PIL image's EXIF carries any GPS data."""
    exif = image.getexif()
    return GPS_IFD in exif and bool(exif.get_ifd(GPS_IFD))


def mark_corner(image) -> str:
    """Which corner of the picture as shown holds the red block: 'top-left', 'top-right', ... or ''."""
    w, h = image.size
    rgb = image.convert("RGB")
    corners = {"top-left": (w // 30, h // 30), "top-right": (w - 1 - w // 30, h // 30),
               "bottom-left": (w // 30, h - 1 - h // 30), "bottom-right": (w - 1 - w // 30, h - 1 - h // 30)}
    for name, xy in corners.items():
        r, g, b = rgb.getpixel(xy)
        if r > 180 and g < 90 and b < 90:
            return name
    return ""
