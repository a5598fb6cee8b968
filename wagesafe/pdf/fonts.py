"""Fonts embedded in every poster, card and application: a CJK TrueType font for Chinese, Bitstream Vera for Latin.

A printer in a township office has no Chinese font we can count on, so every glyph is embedded;
reportlab subsets a ``TTFont`` when it writes the PDF, which keeps a poster near 30 KB instead of
the font's 4 MB. Droid Sans Fallback (Debian ``fonts-droid-fallback``) has no Latin letters or
digits at all, so text is split into runs: characters the CJK font lacks are drawn with Vera,
which ships inside reportlab. Bold is drawn by stroking the outlines (one weight per font: a Vera
Bold subset would add 17 KB to every poster). Fonts are registered once per process (each pool
worker too).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .ttf import strip_hinting


class FontNotFoundError(Exception):
    """No CJK TrueType font is installed: without one every Chinese character would print as a box."""

# (path, index inside a .ttc): TrueType outlines only; reportlab cannot subset CFF (OpenType .otf) fonts.
CJK_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),
)
DEBIAN_PACKAGE = "fonts-droid-fallback"
LATIN_DIR = Path(reportlab.__file__).parent / "fonts"
CJK, LATIN = "WageSafeCJK", "WageSafeLatin"


def find_cjk_font(candidates: tuple[tuple[str, int], ...] = CJK_CANDIDATES) -> tuple[Path, int]:
    """The first installed CJK TrueType font, as (path, subfont index).

    :raises FontNotFoundError: none is installed; the message names the Debian package to install.
    """
    for path, index in candidates:
        if os.path.isfile(path):
            return Path(path), index
    tried = ", ".join(p for p, _ in candidates)
    raise FontNotFoundError(f"no CJK TrueType font found for the PDFs (looked for {tried}); install the "
                            f"Debian package {DEBIAN_PACKAGE} (`sudo apt-get install {DEBIAN_PACKAGE}` or "
                            f"`scripts/system-deps.sh run`)")


@dataclass(frozen=True)
class FontSet:
    """The registered fonts and which one draws each character."""

    cjk_path: Path
    cjk_index: int

    @property
    def identity(self) -> str:
        """Names the font files, for the poster fingerprint: another font means another PDF."""
        return f"{self.cjk_path.name}#{self.cjk_index}+Vera-unhinted"

    def runs(self, text: str) -> tuple[tuple[str, str], ...]:
        """Split ``text`` into (font name, substring) runs: CJK glyphs from the CJK font, the rest from Vera."""
        return _runs(text)

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """Printed width of ``text`` at ``size`` points (bold is drawn by stroking: a little wider)."""
        w = _width_1pt(text) * size
        return w + len(text) * size * 0.035 if bold else w


# Cached: most strings (labels, headings, county values) repeat on every poster a worker draws.
@lru_cache(maxsize=4096)
def _runs(text: str) -> tuple[tuple[str, str], ...]:
    cmap = _CMAP
    out: list[tuple[str, str]] = []
    for ch in text:
        # Below U+2000 (Latin, digits, "·") Vera always: its Latin matches across CJK fonts.
        font = CJK if ord(ch) > 0x2000 and ord(ch) in cmap else LATIN
        if out and out[-1][0] == font:
            out[-1] = (font, out[-1][1] + ch)
        else:
            out.append((font, ch))
    return tuple(out)


@lru_cache(maxsize=4096)
def _width_1pt(text: str) -> float:
    return sum(pdfmetrics.stringWidth(s, f, 1.0) for f, s in _runs(text))


_FONTS: FontSet | None = None
_CMAP: dict[int, int] = {}


def register_fonts() -> FontSet:
    """Register the fonts with reportlab once in this process and return them (idempotent)."""
    global _FONTS, _CMAP
    if _FONTS is None:
        path, index = find_cjk_font()
        # asciiReadable=False: a CJK subset need not keep codes 0-127 free for ASCII (Vera draws those),
        # so a poster's ~180 distinct Chinese characters fit one 256-code subset instead of two.
        cjk = TTFont(CJK, str(path), subfontIndex=index, asciiReadable=False)
        pdfmetrics.registerFont(cjk)
        vera = strip_hinting((LATIN_DIR / "Vera.ttf").read_bytes())  # ~10 KB less per poster (see ttf.py)
        pdfmetrics.registerFont(TTFont(LATIN, io.BytesIO(vera)))
        _CMAP = dict(cjk.face.charToGlyph)
        _FONTS = FontSet(path, index)
    return _FONTS
