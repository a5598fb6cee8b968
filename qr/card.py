"""The legal-aid contact card (法律援助便民联系卡, seed 000): business-card size and an A4 sheet of ten.

Printed beside the posters by ``wagesafe posters`` into ``<SITE_DIR>/posters/_legal-aid-card/``
(an underscore: never a project code, so pruning leaves it alone) and linked from the legal-aid page:

- ``card.pdf``: 90 × 54 mm, two pages (front, back) for a print shop's duplex card run;
- ``card-a4.pdf``: the same front and back, ten to an A4 sheet (2 × 5, cut marks), the back page
  mirrored left-to-right so the two sides meet when the sheet is printed on both sides.

Front: the title, the county's legal-aid centre with its phone and hours, 12348 and 12333, the
no-means-test rule in one line (《法律援助法》 art. 42(3)), and a QR code to the quick card
(``/card/``). Back: every township legal-aid station and the court and arbitration desks with
their phones, and the stations' hours (printed once when they all keep the same).
The CJK font is embedded as a subset, as on the posters; the QR is drawn as vectors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import segno
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from wagesafe.registry import Registry

from .fonts import LATIN, FontSet, register_fonts
from .symbol import draw_symbol
from .text import draw_text, fit_size, wrap

CARD_DIR = "_legal-aid-card"
CARD_FILES = ("card.pdf", "card-a4.pdf")
W, H = 90 * mm, 54 * mm
PAD = 3 * mm
QR_SIDE = 24 * mm  # white square with its quiet zone: ~2.6 px a module at 100 dpi for a version-3 symbol
RED = (0.73, 0.07, 0.07)
INK = (0.08, 0.08, 0.08)
GREY = (0.35, 0.35, 0.35)
SMALLEST = 5.5  # pt: the station list on the back; everything else is larger
COLS, ROWS = 2, 5  # ten on A4


@dataclass(frozen=True)
class CardContent:
    county: str
    centre_name: str
    centre_phone: str
    centre_hours: str
    centre_address: str
    stations: tuple[tuple[str, str], ...]  # (short name, phone)
    stations_hours: str
    quick_card_url: str
    fictional: bool


SHORT_KIND = {"court_station": "法院工作站", "arbitration_station": "仲裁院工作站"}


def _short(name: str, county: str) -> str:
    """青禾县河西街道法律援助工作站 → 河西街道: the card is small."""
    for cut in (county, "法律援助工作站", "法律援助中心"):
        name = name.replace(cut, "")
    return name or cut


def card_content(registry: Registry, base_url: str) -> CardContent:
    """What the card prints, from the registry's legal-aid places (the centre, then stations)."""
    county = registry.county
    places = registry.legal_aid
    centre = next((p for p in places if p.kind == "centre"), None)
    order = {"township_station": 0, "arbitration_station": 1, "court_station": 2}
    stations = sorted((p for p in places if p.kind in order), key=lambda p: order[p.kind])
    hours = {p.hours_zh for p in stations if p.kind == "township_station"}
    return CardContent(
        county=county.name_zh,
        centre_name=centre.name_zh if centre else f"{county.name_zh}法律援助中心",
        centre_phone=centre.phone if centre else (county.legal_aid_phone or "12348"),
        centre_hours=(centre.hours_zh.split("；")[0] if centre else ""),
        centre_address=centre.address_zh if centre else "",
        stations=tuple((SHORT_KIND.get(p.kind) or _short(p.name_zh, county.name_zh), p.phone) for p in stations),
        stations_hours=hours.pop() if len(hours) == 1 else "",
        quick_card_url=base_url.rstrip("/") + "/card/",
        fictional=bool(county.fictional),
    )


def _front(c, fonts: FontSet, k: CardContent, x: float, y: float) -> None:
    """One front at (x, y) = bottom-left corner, in points."""
    top = y + H
    c.setFillColorRGB(*RED)
    c.rect(x, top - 9 * mm, W, 9 * mm, stroke=0, fill=1)
    draw_text(c, fonts, x + PAD, top - 6.3 * mm, "法律援助便民联系卡", 11, bold=True, color=(1, 1, 1))
    draw_text(c, fonts, x + W - PAD, top - 6.3 * mm, k.county + ("（示例）" if k.fictional else ""), 7,
              color=(1, 1, 1), align="right")
    qr_x, qr_y = x + W - PAD - QR_SIDE, y + PAD + 3.2 * mm
    draw_symbol(c, segno.make_qr(k.quick_card_url, error="m"), qr_x, qr_y, QR_SIDE)
    draw_text(c, fonts, qr_x + QR_SIDE / 2, y + PAD + 0.6 * mm, "扫码看讨薪速查卡", 5.5, color=GREY, align="center")
    left = W - 2 * PAD - QR_SIDE - 2 * mm
    yy = top - 13.2 * mm
    draw_text(c, fonts, x + PAD, yy, k.centre_name, fit_size(fonts, k.centre_name, 8, left, True, 6), bold=True,
              color=INK)
    yy -= 5.2 * mm
    draw_text(c, fonts, x + PAD, yy, k.centre_phone, fit_size(fonts, k.centre_phone, 13, left, True, 8), bold=True,
              color=RED)
    if k.centre_hours:
        yy -= 3.4 * mm
        draw_text(c, fonts, x + PAD, yy, k.centre_hours, fit_size(fonts, k.centre_hours, 6.5, left, minimum=SMALLEST),
                  color=GREY)
    yy -= 5 * mm
    draw_text(c, fonts, x + PAD, yy, "12348", 11, bold=True, color=RED)
    draw_text(c, fonts, x + PAD + fonts.width("12348 ", 11, True), yy, "法律援助热线（24小时）", 6.5, color=INK)
    yy -= 4.4 * mm
    draw_text(c, fonts, x + PAD, yy, "12333", 11, bold=True, color=RED)
    draw_text(c, fonts, x + PAD + fonts.width("12333 ", 11, True), yy, "人社热线（投诉欠薪）", 6.5, color=INK)
    if k.centre_address:
        yy -= 3.6 * mm
        addr = "地址：" + k.centre_address
        draw_text(c, fonts, x + PAD, yy, addr, fit_size(fonts, addr, 6, left, minimum=SMALLEST), color=GREY)
    rule = "农民工讨薪、要工伤赔偿，申请法律援助不查经济困难（《法律援助法》第42条第3项）"
    lines = wrap(fonts, rule, 6, left)
    for i, line in enumerate(lines[:2]):
        draw_text(c, fonts, x + PAD, y + PAD + (len(lines[:2]) - 1 - i) * 2.6 * mm + 0.4 * mm, line, 6, bold=True,
                  color=INK)


def _back(c, fonts: FontSet, k: CardContent, x: float, y: float) -> None:
    top = y + H
    draw_text(c, fonts, x + PAD, top - PAD - 3 * mm, "就近找法律援助工作站", 9, bold=True, color=RED)
    if k.stations_hours:
        draw_text(c, fonts, x + W - PAD, top - PAD - 3 * mm, f"镇街工作站：{k.stations_hours}",
                  fit_size(fonts, f"镇街工作站：{k.stations_hours}", 6, W / 2 - PAD, minimum=SMALLEST),
                  color=GREY, align="right")
    rows = (len(k.stations) + 1) // 2
    room = H - 2 * PAD - 9 * mm
    size = 7.0 if rows <= 7 else max(SMALLEST, 7.0 * 7 / rows)
    lead = min(room / max(rows, 1), size * 1.6)
    col_w = (W - 2 * PAD) / 2
    for i, (name, phone) in enumerate(k.stations):
        col, row = divmod(i, rows)
        cx = x + PAD + col * col_w
        cy = top - PAD - 7.5 * mm - row * lead
        label = fit_size(fonts, name, size, col_w * 0.55, minimum=SMALLEST)
        draw_text(c, fonts, cx, cy, name, label, color=INK)
        draw_text(c, fonts, cx + col_w - 2 * mm, cy, phone, size, bold=True, color=INK, align="right")
    foot = "带上身份证和能证明在这里打工、被欠薪的材料。没带齐也先去问。"
    draw_text(c, fonts, x + W / 2, y + PAD, foot, fit_size(fonts, foot, 6, W - 2 * PAD, minimum=SMALLEST),
              color=GREY, align="center")


def _canvas(path: Path, size, title: str, k: CardContent) -> Canvas:
    rl_config.useA85 = 0
    c = Canvas(str(path), pagesize=size, pageCompression=1, invariant=1, initialFontName=LATIN)
    c.setTitle(title)
    c.setSubject(k.quick_card_url)
    c.setAuthor("WageSafe 薪安通")
    return c


def _border(c, x, y) -> None:
    c.setStrokeColorRGB(0.8, 0.8, 0.8)
    c.setLineWidth(0.3)
    c.rect(x, y, W, H, stroke=1, fill=0)


def write_card(path: Path, k: CardContent) -> None:
    """``card.pdf``: one 90 × 54 mm page per side."""
    fonts = register_fonts()
    c = _canvas(path, (W, H), f"法律援助便民联系卡 {k.county}", k)
    _front(c, fonts, k, 0, 0)
    c.showPage()
    _back(c, fonts, k, 0, 0)
    c.showPage()
    c.save()


def sheet_positions() -> list[tuple[float, float]]:
    """Bottom-left corners of the ten cards on A4, centred, in points."""
    x0 = (A4[0] - COLS * W) / 2
    y0 = (A4[1] - ROWS * H) / 2
    return [(x0 + col * W, y0 + row * H) for row in range(ROWS) for col in range(COLS)]


def write_sheet(path: Path, k: CardContent) -> None:
    """``card-a4.pdf``: ten fronts, then ten backs mirrored left-to-right for duplex printing, with cut marks."""
    fonts = register_fonts()
    c = _canvas(path, A4, f"法律援助便民联系卡（A4，10张） {k.county}", k)
    for side in ("front", "back"):
        for x, y in sheet_positions():
            if side == "back":
                x = A4[0] - x - W  # the back of a card lands behind its front
            (_front if side == "front" else _back)(c, fonts, k, x, y)
            _border(c, x, y)
        c.showPage()
    c.save()


def build_card(registry: Registry, posters_dir: Path, base_url: str) -> list[Path]:
    """Write both PDFs into ``<posters_dir>/_legal-aid-card/`` (temporary names, then renamed)."""
    k = card_content(registry, base_url)
    out = posters_dir / CARD_DIR
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, writer in zip(CARD_FILES, (write_card, write_sheet)):
        final = out / name
        tmp = final.with_name(f".{name}.{os.getpid()}.tmp")
        writer(tmp, k)
        os.replace(tmp, final)
        written.append(final)
    return written
