"""The QR symbol: made with segno, drawn into the PDF as vector rectangles, saved as SVG and PNG.

Error correction Q (segno may raise it further when that costs no extra size) survives mud, tape
and a torn corner on a site fence; a quiet zone of 4 modules is what phone decoders need to find
the symbol. In the PDF, each row's dark modules are merged into runs and drawn as one path in
module units, so a QR costs a few hundred bytes and prints sharp at any size (a bitmap would blur).
segno was measured faster than qrcode for the same symbol (see bench/bench_posters.py).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import segno

ERROR = "q"
QUIET_ZONE = 4  # modules of white around the symbol (ISO/IEC 18004 asks for 4)
PNG_SCALE = 10  # pixels per module in qr.png: ~410 px for a short URL, crisp when placed in a document


@lru_cache(maxsize=16)
def make_symbol(url: str) -> segno.QRCode:
    """A QR code for ``url`` with error correction at least Q (cached: A4, A3, SVG and PNG share it)."""
    return segno.make_qr(url, error=ERROR)


def dark_runs(symbol: segno.QRCode) -> list[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules, quiet zone excluded."""
    runs = []
    for r, row in enumerate(symbol.matrix):
        c, n = 0, len(row)
        while c < n:
            if row[c] & 1:
                start = c
                while c < n and row[c] & 1:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return runs


def modules_with_quiet_zone(symbol: segno.QRCode) -> int:
    """Width of the symbol in modules, quiet zone included."""
    return symbol.symbol_size(border=QUIET_ZONE)[0]


def draw_symbol(canvas, symbol: segno.QRCode, x: float, y: float, size: float) -> None:
    """Draw the symbol on a reportlab canvas: a white square of ``size`` points at (x, y) with the QR inside.

    The quiet zone is part of ``size`` and painted white, so the code scans even on a coloured poster.
    """
    n = modules_with_quiet_zone(symbol)
    module = size / n
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    # Module units with the origin at the symbol's top-left corner: coordinates in the page stream stay small integers.
    canvas.translate(x + QUIET_ZONE * module, y + size - QUIET_ZONE * module)
    canvas.scale(module, -module)
    canvas.setFillColorRGB(0, 0, 0)
    # One path of integer rectangles written as PDF operators: reportlab's path object would format
    # every coordinate as a float, which is most of a poster's rendering time for ~400 runs.
    ops = [f"{c} {r} {length} 1 re" for r, c, length in dark_runs(symbol)]
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


def write_svg(symbol: segno.QRCode, path: Path) -> None:
    """Save the symbol as SVG (for the project page and for print shops that want vectors)."""
    symbol.save(str(path), kind="svg", border=QUIET_ZONE, scale=PNG_SCALE, xmldecl=False,
                svgclass=None, lineclass=None)


def write_png(symbol: segno.QRCode, path: Path) -> None:
    """Save the symbol as a black-and-white PNG."""
    symbol.save(str(path), kind="png", border=QUIET_ZONE, scale=PNG_SCALE)
