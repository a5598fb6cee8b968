"""Write one project's files: poster-a4.pdf, poster-a3.pdf, qr.svg, qr.png.

Each file is written to a temporary name and renamed, so an interrupted run never leaves a
half-written PDF that the site would serve or the manifest would trust. PDFs are made with
``invariant=1`` (no timestamp or random id): the same content gives the same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A3, A4
from reportlab.pdfgen.canvas import Canvas

from .content import PosterContent
from .fonts import LATIN, register_fonts
from .layout import draw_poster
from .symbol import make_symbol, write_png, write_svg

FORMATS = ("a4", "a3", "svg", "png")
FILE_NAMES = {"a4": "poster-a4.pdf", "a3": "poster-a3.pdf", "svg": "qr.svg", "png": "qr.png"}
PAGES = {"a4": A4, "a3": A3}


def _pdf(content: PosterContent, path: Path, page: str) -> None:
    fonts = register_fonts()
    rl_config.useA85 = 0  # binary streams: ASCII85 would add a quarter to the page content for 7-bit safety nobody needs
    size = PAGES[page]
    c = Canvas(str(path), pagesize=size, pageCompression=1, invariant=1, initialFontName=LATIN)
    c.setTitle(f"维权信息告示牌 {content.name_zh}")
    c.setSubject(content.url)
    c.setAuthor("WageSafe 薪安通")
    scale = size[0] / A4[0]
    if scale != 1:
        c.scale(scale, scale)  # A3 is A4 times √2 in both directions: the same drawing, bigger
    draw_poster(c, fonts, content)
    c.showPage()
    c.save()


def render_project(content: PosterContent, out_dir: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the requested files for one project into ``out_dir`` and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    symbol = None
    for fmt in formats:
        final = out_dir / FILE_NAMES[fmt]
        tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
        if fmt in PAGES:
            _pdf(content, tmp, fmt)
        else:
            symbol = symbol or make_symbol(content.url)
            (write_svg if fmt == "svg" else write_png)(symbol, tmp)
        os.replace(tmp, final)
        written.append(final)
    return written
