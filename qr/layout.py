"""The poster drawn in A4 points (A3 is the same drawing scaled by √2: see ``render``).

Sizes are chosen for a fence on a building site: the title is 48 pt (legible from 2 m and more),
the QR is 10.9 cm wide with its quiet zone (phones read it from 1 m), phone numbers are 16 pt bold.
Top to bottom: red title band; project name and code; the parties table (art. 34 (1)); then two
columns, wages and complaint channels (art. 34 (2) and (3)) on the left, the QR on the right; the
address to type; the legal basis. Positions are measured from the top of the page (``top``).
"""

from __future__ import annotations

from reportlab.lib.pagesizes import A4

from .content import PosterContent
from .fonts import FontSet
from .symbol import draw_symbol, make_symbol
from .text import draw_text, fit_size, wrap

W, H = A4
MARGIN = 26.0
CW = W - 2 * MARGIN
RED = (0.73, 0.07, 0.07)
INK = (0.08, 0.08, 0.08)
GREY = (0.38, 0.38, 0.38)
RULE = (0.75, 0.75, 0.75)
QR_SIZE = 310.0  # points, quiet zone included: 10.9 cm (the dark part of a short URL's symbol: 8.6 cm)
TITLE_SIZE = 48.0
TABLE_SIZE = 13.0
LABEL_W = 112.0
MAX_SUB_LINES = 2  # subcontractor lines before "等N家" (the full list is on the project page)


def top(y: float) -> float:
    """Page y for a distance ``y`` from the top edge."""
    return H - y


def _section(c, fonts: FontSet, x: float, y: float, width: float, zh: str, en: str) -> float:
    """A section heading (red mark, bold title, English gloss, rule); returns the y below it."""
    c.setFillColorRGB(*RED)
    c.rect(x, top(y + 17), 5, 15, stroke=0, fill=1)
    w = draw_text(c, fonts, x + 11, top(y + 15), zh, 15, bold=True)
    draw_text(c, fonts, x + 11 + w + 8, top(y + 15), en, 9, color=GREY)
    c.setStrokeColorRGB(*RED)
    c.setLineWidth(1)
    c.line(x, top(y + 22), x + width, top(y + 22))
    return y + 28


def _banner(c, fonts: FontSet, p: PosterContent) -> float:
    y0, height = MARGIN, 82.0
    c.setFillColorRGB(*RED)
    c.rect(MARGIN, top(y0 + height), CW, height, stroke=0, fill=1)
    draw_text(c, fonts, W / 2, top(y0 + 52), "维权信息告示牌", TITLE_SIZE, bold=True, color=(1, 1, 1), align="center")
    draw_text(c, fonts, W / 2, top(y0 + 72), "Workers' rights notice · Unpaid wages? Call a number below or scan the QR code",
              10, color=(1, 0.9, 0.9), align="center")
    draw_text(c, fonts, MARGIN + 10, top(y0 + 16), f"{p.county_name} · {p.township_name}", 9, color=(1, 0.9, 0.9))
    if p.fictional:
        w = fonts.width("示例数据 sample data", 9) + 12
        c.setFillColorRGB(1, 1, 1)
        c.roundRect(MARGIN + CW - w - 4, top(y0 + 19), w, 15, 3, stroke=0, fill=1)
        draw_text(c, fonts, MARGIN + CW - 10, top(y0 + 15), "示例数据 sample data", 9, color=RED, align="right")
    return y0 + height


def _title(c, fonts: FontSet, p: PosterContent, y: float) -> float:
    size = fit_size(fonts, p.name_zh, 21, CW, bold=True, minimum=14)
    for line in wrap(fonts, p.name_zh, size, CW, bold=True)[:2]:
        y += size + 6
        draw_text(c, fonts, W / 2, top(y), line, size, bold=True, align="center")
    if p.name_en:
        y += 14
        draw_text(c, fonts, W / 2, top(y), p.name_en, 10, color=GREY, align="center")
    y += 16
    sub = f"项目编号 Project code: {p.code}" + (f"　｜　{p.address_zh}" if p.address_zh else "")
    draw_text(c, fonts, W / 2, top(y), sub, fit_size(fonts, sub, 10, CW), color=GREY, align="center")
    return y + 8


def _parties_rows(p: PosterContent) -> list[tuple[str, str]]:
    subs = "；".join(p.subcontractors) if p.subcontractors else "无（本项目未分包）"
    return [
        ("建设单位", p.builder),
        ("施工总承包单位", p.general_contractor),
        ("总包项目部", f"{p.gc_project_department}　项目经理：{p.gc_project_manager}"),
        ("分包单位", subs),
        ("劳资专管员", f"{p.labour_manager}　电话：{p.labour_manager_phone}"),
        ("行业主管部门", f"{p.authority_name}　投诉电话：{p.authority_phone}"),
    ]


def _table_lines(fonts: FontSet, p: PosterContent, size: float) -> list[tuple[str, list[str]]]:
    value_w = CW - LABEL_W - 16
    rows = []
    for label, value in _parties_rows(p):
        lines = wrap(fonts, value, size, value_w)
        if label == "分包单位" and len(lines) > MAX_SUB_LINES:
            lines = wrap(fonts, value, size, value_w - fonts.width("……等共99家", size))[:MAX_SUB_LINES]
            lines[-1] += f"……等共{len(p.subcontractors)}家"
        rows.append((label, lines))
    return rows


def _parties(c, fonts: FontSet, p: PosterContent, y: float, bottom: float) -> float:
    """The parties table, in the largest type (13 pt down to 9 pt) that fits above ``bottom``."""
    y = _section(c, fonts, MARGIN, y, CW, "一、项目参建单位及劳资专管员", "Builder, contractors, labour manager, authority")
    for size in (TABLE_SIZE, 12.0, 11.0, 10.0, 9.0):
        lead = size + 9
        rows = _table_lines(fonts, p, size)
        if y + sum(lead * len(lines) + 4 for _, lines in rows) <= bottom:
            break
    c.setLineWidth(0.6)
    for label, lines in rows:
        h = lead * len(lines) + 4
        c.setFillColorRGB(0.95, 0.94, 0.92)
        c.setStrokeColorRGB(*RULE)
        c.rect(MARGIN, top(y + h), LABEL_W, h, stroke=1, fill=1)
        c.rect(MARGIN + LABEL_W, top(y + h), CW - LABEL_W, h, stroke=1, fill=0)
        draw_text(c, fonts, MARGIN + 8, top(y + lead - 2), label, size, bold=True, color=INK)
        for i, line in enumerate(lines):
            draw_text(c, fonts, MARGIN + LABEL_W + 8, top(y + lead * (i + 1) - 2), line, size)
        y += h
    return y


def _wages(c, fonts: FontSet, p: PosterContent, x: float, y: float, w: float) -> float:
    """Art. 34 (2): the local minimum wage and the wage payment day, in one highlighted box."""
    y = _section(c, fonts, x, y, w, "二、工资支付", "Wages")
    since = f"（{p.minimum_from}起）" if p.minimum_from else ""
    rows = [(f"当地最低工资标准{since} Local minimum wage", f"{p.minimum_monthly}元/月　{p.minimum_hourly}元/小时"),
            ("工资支付日期 Wage payment day", f"每月{p.payment_day}日")]
    h = 38.0 * len(rows)
    c.setFillColorRGB(1, 0.96, 0.86)
    c.setStrokeColorRGB(0.86, 0.6, 0.15)
    c.setLineWidth(1)
    c.rect(x, top(y + h), w, h, stroke=1, fill=1)
    for i, (label, value) in enumerate(rows):
        if i:
            c.line(x, top(y), x + w, top(y))
        draw_text(c, fonts, x + 8, top(y + 13), label, fit_size(fonts, label, 9.5, w - 16), color=GREY)
        draw_text(c, fonts, x + 8, top(y + 32), value, fit_size(fonts, value, 18, w - 16, bold=True), bold=True)
        y += 38
    return y + 8


def _channels(p: PosterContent) -> list[tuple[str, str, str]]:
    legal_aid = p.hotline_12348 if p.legal_aid_phone == p.hotline_12348 else f"{p.hotline_12348} / {p.legal_aid_phone}"
    return [
        ("行业主管部门投诉", p.authority_name, p.authority_phone),
        ("劳动保障监察投诉", p.inspection_name, p.inspection_phone),
        ("劳动争议调解仲裁", p.arbitration_name, p.arbitration_phone),
        ("法律援助（免费）", "公共法律服务热线", legal_aid),
        ("人社服务热线", "人力资源社会保障", p.hotline_12333),
        ("农民工服务专员", f"{p.township_name} {p.officer_name}", p.officer_mobile),
    ]


def _complaints(c, fonts: FontSet, p: PosterContent, x: float, y: float, w: float) -> float:
    y = _section(c, fonts, x, y, w, "三、投诉维权渠道", "Where to complain")
    c.setLineWidth(0.5)
    for label, who, phone in _channels(p):
        draw_text(c, fonts, x, top(y + 12), label, 10.5, bold=True)
        lw = fonts.width(label, 10.5, True)
        draw_text(c, fonts, x + lw + 6, top(y + 12), who, fit_size(fonts, who, 9, w - lw - 6), color=GREY)
        draw_text(c, fonts, x, top(y + 30), phone, fit_size(fonts, phone, 17, w, bold=True), bold=True, color=RED)
        c.setStrokeColorRGB(*RULE)
        c.line(x, top(y + 34), x + w, top(y + 34))
        y += 36
    return y


def _qr_block(c, fonts: FontSet, p: PosterContent, x: float, y: float) -> float:
    cx = x + QR_SIZE / 2
    c.setFillColorRGB(*RED)
    c.rect(x, top(y + 46), QR_SIZE, 46, stroke=0, fill=1)
    draw_text(c, fonts, cx, top(y + 27), "扫码投诉欠薪", 25, bold=True, color=(1, 1, 1), align="center")
    draw_text(c, fonts, cx, top(y + 41), "Scan to report unpaid wages", 10.5, color=(1, 0.9, 0.9), align="center")
    y += 46
    c.setStrokeColorRGB(*RED)
    c.setLineWidth(1.5)
    c.rect(x, top(y + QR_SIZE + 34), QR_SIZE, QR_SIZE + 34, stroke=1, fill=0)
    draw_symbol(c, make_symbol(p.url), x, top(y + QR_SIZE), QR_SIZE)
    draw_text(c, fonts, cx, top(y + QR_SIZE + 23), f"项目编号 {p.code}", 17, bold=True, align="center")
    return y + QR_SIZE + 34


def _address(c, fonts: FontSet, p: PosterContent, y: float) -> float:
    label = "不能扫码？在手机浏览器输入网址 Or type this address:"
    draw_text(c, fonts, W / 2, top(y + 12), label, 10, color=GREY, align="center")
    size = fit_size(fonts, p.url, 24, CW, bold=True)
    draw_text(c, fonts, W / 2, top(y + 14 + size), p.url, size, bold=True, align="center")
    return y + 22 + size


def _footer(c, fonts: FontSet, p: PosterContent) -> None:
    y = H - MARGIN
    c.setStrokeColorRGB(*RULE)
    c.setLineWidth(0.6)
    c.line(MARGIN, top(y - 24), MARGIN + CW, top(y - 24))
    basis = "依据《保障农民工工资支付条例》第三十四条设置 · 施工总承包单位负责在施工现场醒目位置设立并维护"
    draw_text(c, fonts, W / 2, top(y - 12), basis, fit_size(fonts, basis, 9, CW), color=GREY, align="center")
    note = f"薪安通 WageSafe · {p.county_name}"
    if p.fictional:
        note = "示例数据 sample data：本告示中的单位、人员和电话均为虚构 · " + note
    draw_text(c, fonts, W / 2, top(y), note, fit_size(fonts, note, 8.5, CW), color=RED if p.fictional else GREY,
              align="center")


LEFT_W = CW - QR_SIZE - 16
BLOCK_H = 46 + QR_SIZE + 34  # the QR column is the taller one (the left one needs 28 + 84 + 28 + 6 × 36)
ADDRESS_H = 46.0
FOOTER_H = 34.0
BLOCK_TOP = H - MARGIN - FOOTER_H - ADDRESS_H - BLOCK_H  # from the top: the lower half is fixed


def draw_poster(c, fonts: FontSet, p: PosterContent) -> None:
    """Draw the whole notice for ``p`` in A4 coordinates on the canvas ``c``.

    The lower half (wages, complaint channels, QR, address, footer) has a fixed place so the QR is
    always as large; the parties table above it takes the space left and shrinks its type if a
    long list of subcontractors needs it.
    """
    y = _banner(c, fonts, p)
    y = _title(c, fonts, p, y)
    _parties(c, fonts, p, y + 2, BLOCK_TOP - 12)
    y_left = _wages(c, fonts, p, MARGIN, BLOCK_TOP, LEFT_W)
    _complaints(c, fonts, p, MARGIN, y_left, LEFT_W)
    _qr_block(c, fonts, p, MARGIN + LEFT_W + 16, BLOCK_TOP)
    _address(c, fonts, p, BLOCK_TOP + BLOCK_H + 6)
    _footer(c, fonts, p)
