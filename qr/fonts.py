"""The posters' fonts: ``wagesafe.pdf.fonts`` (shared with the form service's documents), with a
missing font reported as a ``PosterError`` that ``wagesafe posters`` prints without a traceback."""

from __future__ import annotations

from wagesafe.pdf import fonts as _shared
from wagesafe.pdf.fonts import CJK, CJK_CANDIDATES, DEBIAN_PACKAGE, LATIN, LATIN_DIR, FontSet  # noqa: F401

from .errors import FontNotFoundError


def find_cjk_font(candidates=CJK_CANDIDATES):
    try:
        return _shared.find_cjk_font(candidates)
    except _shared.FontNotFoundError as e:
        raise FontNotFoundError(str(e)) from None


def register_fonts() -> FontSet:
    """Register the fonts once in this process (see ``wagesafe.pdf.fonts.register_fonts``)."""
    try:
        return _shared.register_fonts()
    except _shared.FontNotFoundError as e:
        raise FontNotFoundError(str(e)) from None
