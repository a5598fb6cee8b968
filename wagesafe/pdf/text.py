"""Drawing mixed Chinese/Latin text on a reportlab canvas: runs, bold, alignment, wrapping.

Every string goes through ``FontSet.runs`` so a Chinese label with digits in it ("每月25日")
takes each glyph from a font that has it. Bold Chinese is drawn by stroking the outline too
for both fonts (one weight each keeps the PDF small).
"""

from __future__ import annotations

import re

from .fonts import FontSet

_TOKEN = re.compile(r"[A-Za-z0-9.:/@_\-]+|.", re.S)  # keep URLs, numbers and words whole when wrapping


def draw_text(c, fonts: FontSet, x: float, y: float, s: str, size: float, *, bold: bool = False,
              color=(0.1, 0.1, 0.1), align: str = "left") -> float:
    """Draw ``s`` with its baseline at ``y``; ``align`` is left, center or right of ``x``. Returns the width."""
    width = fonts.width(s, size, bold)
    if align == "center":
        x -= width / 2
    elif align == "right":
        x -= width
    if bold:
        c.saveState()  # text render mode and line width are graphics state: restore them after bold text
        c.setStrokeColorRGB(*color)
        c.setLineWidth(size * 0.035)
    c.setFillColorRGB(*color)
    t = c.beginText(x, y)
    if bold:
        t.setTextRenderMode(2)  # fill then stroke the outlines: a bold look from a one-weight font
    for font, run in fonts.runs(s):
        t.setFont(font, size)
        t.textOut(run)
    c.drawText(t)
    if bold:
        c.restoreState()
    return width


def wrap(fonts: FontSet, s: str, size: float, width: float, bold: bool = False) -> list[str]:
    """Break ``s`` into lines no wider than ``width``: Chinese between any two characters, Latin between words."""
    lines, line, used = [], "", 0.0
    for token in _TOKEN.findall(s):
        w = fonts.width(token, size, bold)
        if line and used + w > width:
            lines.append(line.rstrip())
            line, used = token.lstrip(), fonts.width(token.lstrip(), size, bold)
        else:
            line, used = line + token, used + w
    if line:
        lines.append(line)
    return lines or [""]


def fit_size(fonts: FontSet, s: str, size: float, width: float, bold: bool = False, minimum: float = 6) -> float:
    """The largest size up to ``size`` at which ``s`` fits in ``width`` on one line (never below ``minimum``)."""
    w = fonts.width(s, size, bold)
    return size if w <= width else max(minimum, size * width / w)
