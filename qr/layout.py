"""The poster drawn in A4 points (A3 is the same drawing scaled by √2: see ``render``).

Sizes are chosen for a fence on a building site, read standing up (A4; ×1.41 on A3):
the title is 48 pt and every other heading at least 28 pt (legible from 2 m), the call to
action above the QR 36 pt; the QR's dark modules span 9.1 cm whatever its version (a phone reads
it from 1 m), inside a white quiet zone of 4 modules; phone numbers are 18 pt bold; no text is
smaller than 10 pt. Top to bottom: red title band; project name and code; the parties table
(art. 34 (1)); then two columns, wages and complaint phones (art. 34 (2) and (3)) on the left,
the QR on the right with the address to type under it; the legal basis. Positions are measured from the top
of the page (``top``). The lower half is placed from the bottom up and the parties table takes
the space left above it, in the largest type (13 pt down to 10 pt) that fits.
"""

from __future__ import annotations

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm

from .content import PosterContent
from .fonts import FontSet
from .symbol import QUIET_ZONE, draw_symbol, make_symbol
from .text import draw_text, fit_size, wrap

W, H = A4
MARGIN = 26.0
CW = W - 2 * MARGIN
BOTTOM = H - MARGIN - 3  # the last baseline (from the top): descenders stay inside the margin
RED = (0.73, 0.07, 0.07)
INK = (0.08, 0.08, 0.08)
GREY = (0.38, 0.38, 0.38)
RULE = (0.75, 0.75, 0.75)
PINK = (1, 0.9, 0.9)
TITLE_SIZE = 48.0
HEADING_SIZE = 28.0  # section headings: the short Chinese title; its English gloss is body size
CTA_SIZE = 36.0  # 扫码投诉欠薪 above the QR
PHONE_SIZE = 18.0
BODY_MIN = 10.0  # nothing on the page is smaller
TABLE_SIZES = (13.0, 12.0, 11.0, 10.0)
QR_DARK = 9.1 * cm  # width of the dark modules on A4 (9 cm asked; a little more for print tolerance)
GAP = 12.0  # between the two columns
MAX_SUB_LINES = 2  # subcontractor lines before "等N家" (the full list is on the project page)


def top(y: float) -> float:
    """Page y for a distance ``y`` from the top edge."""
    return H - y


def qr_box(symbol) -> float:
    """Side of the QR's white square, quiet zone included: modules sized so the dark part is ``QR_DARK``.

    A longer URL needs more modules; each then gets smaller so the symbol keeps its printed width
    (``draw_symbol`` divides the square by the module count, quiet zone included).
    """
    n = symbol.symbol_size(border=0)[0]
    return QR_DARK * (n + 2 * QUIET_ZONE) / n


def _lines(fonts: FontSet, s: str, size: float, width: float, bold: bool = False) -> tuple[float, list[str]]:
    """``s`` on one line at up to ``size`` (down to ``BODY_MIN``), else wrapped at ``BODY_MIN``."""
    fitted = fit_size(fonts, s, size, width, bold, minimum=BODY_MIN)
    if fonts.width(s, fitted, bold) <= width + 0.01:
        return fitted, [s]
    return BODY_MIN, wrap(fonts, s, BODY_MIN, width, bold)


def _section(c, fonts: FontSet, x: float, y: float, width: float, zh: str, en: str, draw: bool = True) -> float:
    """A section heading (red mark, 28 pt title, English gloss, rule); returns the y below it.

    The gloss goes at the right end of the heading line when it fits there, else on a line under the rule.
    """
    zh_w = fonts.width(zh, HEADING_SIZE, True)
    en_w = fonts.width(en, BODY_MIN + 1)
    inline = 12 + zh_w + 10 + en_w <= width
    if draw:
        c.setFillColorRGB(*RED)
        c.rect(x, top(y + 27), 6, 25, stroke=0, fill=1)
        draw_text(c, fonts, x + 12, top(y + 26), zh, HEADING_SIZE, bold=True, color=INK)
        if inline:
            draw_text(c, fonts, x + width, top(y + 26), en, BODY_MIN + 1, color=GREY, align="right")
        else:
            draw_text(c, fonts, x, top(y + 44), en, BODY_MIN + 1, color=GREY)
        c.setStrokeColorRGB(*RED)
        c.setLineWidth(1.2)
        c.line(x, top(y + 32), x + width, top(y + 32))
    return y + (36 if inline else 48)


BANNER_H = 90.0  # a line for the county and the sample tag, then the title clear of them

# The province's unified QR (PROVINCIAL_QR_URL; seed 002: "全省统一的欠薪维权二维码及本地投诉举报二维码"):
# at the top right, from inside the red band down beside the project's name, about 3.3 cm of dark
# modules (the local one is 9.1 cm: it stays the one a worker sees first). The page has no height to
# spare, so the banner's and the title's text move left of it instead of the page growing.
PROV_QR_DARK = 3.3 * cm
PROV_TOP = 4.0
PROV_SIDE = 24.0  # the label may be this much wider than the code (half on each side)
PROV_RIGHT = 12.0  # the code's distance from the right margin, so its label stays inside it


def _provincial(fonts: FontSet, p: PosterContent):
    """(symbol, box side, label lines) of the provincial QR, or None when there is none."""
    if not p.provincial_url:
        return None
    symbol = make_symbol(p.provincial_url)
    n = symbol.symbol_size(border=0)[0]
    box = PROV_QR_DARK * (n + 2 * QUIET_ZONE) / n
    label = wrap(fonts, p.provincial_label or "全省统一欠薪维权二维码", BODY_MIN, box + PROV_SIDE, bold=True)[:2]
    return symbol, box, label


def _provincial_bottom(prov) -> float:
    """Distance from the top of the page to the last baseline of the provincial QR's label."""
    _, box, label = prov
    return MARGIN + PROV_TOP + box + 2 + (BODY_MIN + 2) * len(label)


def _draw_provincial(c, fonts: FontSet, prov) -> None:
    symbol, box, label = prov
    x = MARGIN + CW - box - PROV_RIGHT
    y = MARGIN + PROV_TOP
    draw_symbol(c, symbol, x, top(y + box), box)
    y += box + 2
    for line in label:
        y += BODY_MIN + 2
        draw_text(c, fonts, x + box / 2, top(y), line, BODY_MIN, bold=True, color=INK, align="center")


def _text_width(fonts: FontSet, p: PosterContent) -> float:
    """Width left for the banner's and the title's text: all of it, or what the provincial QR leaves."""
    prov = _provincial(fonts, p)
    return CW if prov is None else CW - prov[1] - PROV_RIGHT - PROV_SIDE / 2 - 8


def _banner(c, fonts: FontSet, p: PosterContent) -> float:
    y0 = MARGIN
    tw = _text_width(fonts, p)
    cx = MARGIN + tw / 2
    c.setFillColorRGB(*RED)
    c.rect(MARGIN, top(y0 + BANNER_H), CW, BANNER_H, stroke=0, fill=1)
    draw_text(c, fonts, cx, top(y0 + 64), "维权信息告示牌", TITLE_SIZE, bold=True, color=(1, 1, 1), align="center")
    gloss = "Workers' rights notice · Unpaid wages? Call a number below or scan the QR code"
    if fonts.width(gloss, BODY_MIN) > tw:
        gloss = "Workers' rights notice · Unpaid wages? Call or scan"
    draw_text(c, fonts, cx, top(y0 + 82), gloss, fit_size(fonts, gloss, BODY_MIN, tw, minimum=BODY_MIN),
              color=PINK, align="center")
    draw_text(c, fonts, MARGIN + 8, top(y0 + 15), f"{p.county_name} · {p.township_name}", BODY_MIN, color=PINK)
    if p.fictional:
        w = fonts.width("示例数据 sample data", BODY_MIN) + 12
        c.setFillColorRGB(1, 1, 1)
        c.roundRect(MARGIN + tw - w - 4, top(y0 + 18), w, 14, 3, stroke=0, fill=1)
        draw_text(c, fonts, MARGIN + tw - 10, top(y0 + 15), "示例数据 sample data", BODY_MIN, color=RED, align="right")
    prov = _provincial(fonts, p)
    if prov is not None:
        _draw_provincial(c, fonts, prov)
    return y0 + BANNER_H


def _title(c, fonts: FontSet, p: PosterContent, y: float, english: bool = True, smallest: float = 16,
           draw: bool = True) -> float:
    tw = _text_width(fonts, p)
    cx = MARGIN + tw / 2
    size = fit_size(fonts, p.name_zh, 22, tw, bold=True, minimum=smallest)
    for line in wrap(fonts, p.name_zh, size, tw, bold=True)[:2]:
        y += size + 5
        if draw:
            draw_text(c, fonts, cx, top(y), line, size, bold=True, align="center")
    if p.name_en and english:
        y += 14
        if draw:
            draw_text(c, fonts, cx, top(y), p.name_en, fit_size(fonts, p.name_en, 11, tw, minimum=BODY_MIN),
                      color=GREY, align="center")
    y += 15
    sub = f"项目编号 Project code: {p.code}" + (f"　｜　{p.address_zh}" if p.address_zh else "")
    sub_lines = [sub] if fonts.width(sub, BODY_MIN) <= tw else wrap(fonts, sub, BODY_MIN, tw)
    for i, line in enumerate(sub_lines):
        if i:
            y += BODY_MIN + 3
        if draw:
            draw_text(c, fonts, cx, top(y), line, fit_size(fonts, line, 11, tw, minimum=BODY_MIN), color=GREY,
                      align="center")
    y += 6
    prov = _provincial(fonts, p)
    return y if prov is None else max(y, _provincial_bottom(prov) + 4)


def _parties_rows(p: PosterContent) -> list[tuple[str, str]]:
    # "无" only when the registry says nothing is subcontracted; an empty list may just be unrecorded.
    none = "无（本项目未分包）" if p.no_subcontractor else "未登记（请向总包项目部或劳资专管员询问）"
    subs = "；".join(p.subcontractors) if p.subcontractors else none
    return [
        ("建设单位", p.builder),
        ("施工总承包单位", p.general_contractor),
        ("总包项目部", f"{p.gc_project_department}　项目经理：{p.gc_project_manager}"),
        ("分包单位", subs),
        ("劳资专管员", f"{p.labour_manager}　电话：{p.labour_manager_phone}"),
    ]  # 行业主管部门 (art. 34 (1)) is the first line of section 三, with its complaint phone (34 (3))


def _label_w(fonts: FontSet, size: float) -> float:
    return fonts.width("施工总承包单位", size, True) + 16


def _table_lines(fonts: FontSet, p: PosterContent, size: float, sub_lines: int) -> list[tuple[str, list[str]]]:
    value_w = CW - _label_w(fonts, size) - 16
    rows = []
    for label, value in _parties_rows(p):
        lines = wrap(fonts, value, size, value_w)
        if label == "分包单位" and len(lines) > sub_lines:
            lines = wrap(fonts, value, size, value_w - fonts.width("……等共99家", size))[:sub_lines]
            lines[-1] += f"……等共{len(p.subcontractors)}家"
        rows.append((label, lines))
    return rows


def _table_height(rows, size: float) -> float:
    return sum((size + 7) * len(lines) + 4 for _, lines in rows)


def _fit_table(fonts: FontSet, p: PosterContent, room: float, sub_lines: int):
    """(size, rows, extra lead): the largest type in which the table fits in ``room``; None if 10 pt does not.

    Space left over opens the lines up a little (at most 4 pt each).
    """
    for size in TABLE_SIZES:
        rows = _table_lines(fonts, p, size, sub_lines)
        if _table_height(rows, size) <= room:
            extra = min(4.0, (room - _table_height(rows, size)) / sum(len(lines) for _, lines in rows))
            return size, rows, extra
    return None


# Ways to make room above the lower half, tried in this order: every subcontractor shown comes first,
# then the English project name, then a long Chinese name in smaller type; last, subcontractors "等N家".
_SQUEEZE = [(sub_lines, english, smallest) for sub_lines in range(MAX_SUB_LINES, 0, -1)
            for english, smallest in ((True, 16.0), (False, 16.0), (False, 13.0))]


def _parties(c, fonts: FontSet, size: float, rows, extra: float, y: float) -> float:
    """The parties table (art. 34 (1)) at ``size``, from ``y`` down."""
    lead = size + 7 + extra
    label_w = _label_w(fonts, size)
    c.setLineWidth(0.6)
    for label, lines in rows:
        h = lead * len(lines) + 4
        c.setFillColorRGB(0.95, 0.94, 0.92)
        c.setStrokeColorRGB(*RULE)
        c.rect(MARGIN, top(y + h), label_w, h, stroke=1, fill=1)
        c.rect(MARGIN + label_w, top(y + h), CW - label_w, h, stroke=1, fill=0)
        draw_text(c, fonts, MARGIN + 8, top(y + lead - 2), label, size, bold=True, color=INK)
        for i, line in enumerate(lines):
            draw_text(c, fonts, MARGIN + label_w + 8, top(y + lead * (i + 1) - 2), line, size)
        y += h
    return y


def _wages(c, fonts: FontSet, p: PosterContent, x: float, y: float, w: float) -> float:
    """Art. 34 (2): the local minimum wage and the wage payment day, in one highlighted box."""
    y = _section(c, fonts, x, y, w, "二、工资", "Wages")
    since = f"（{p.minimum_from}起）" if p.minimum_from else ""
    rows = [(f"当地最低工资标准{since} Local minimum wage", f"{p.minimum_monthly}元/月　{p.minimum_hourly}元/小时"),
            ("工资支付日期 Wage payment day", f"每月{p.payment_day}日")]
    laid = []
    for label, value in rows:
        lsize, llines = _lines(fonts, label, 10.5, w - 16)
        vsize = fit_size(fonts, value, 20, w - 16, bold=True, minimum=BODY_MIN)
        laid.append((lsize, llines, value, vsize, 13 * len(llines) + vsize + 12))
    h = sum(row[-1] for row in laid)
    c.setFillColorRGB(1, 0.96, 0.86)
    c.setStrokeColorRGB(0.86, 0.6, 0.15)
    c.setLineWidth(1)
    c.rect(x, top(y + h), w, h, stroke=1, fill=1)
    for i, (lsize, llines, value, vsize, rh) in enumerate(laid):
        if i:
            c.line(x, top(y), x + w, top(y))
        for j, line in enumerate(llines):
            draw_text(c, fonts, x + 8, top(y + 13 * (j + 1)), line, lsize, color=GREY)
        draw_text(c, fonts, x + 8, top(y + rh - 7), value, vsize, bold=True)
        y += rh
    return y + 8


def _named(role: str, name: str, says: str) -> str:
    """``name`` alone when it already says what the office does (青禾县劳动保障监察大队), else ``role：name``."""
    return name if says in name else f"{role}：{name}"


def _legal_aid_phones(p: PosterContent) -> str:
    """The centre's phone, and the county's legal-aid line when it is another number than the centre's
    and the national 12348 (which is printed under the QR)."""
    extra = p.legal_aid_phone.strip()
    if extra and extra not in (p.hotline_12348, "12348", p.legal_aid_centre_phone):
        return f"{p.legal_aid_centre_phone} / {extra}"
    return p.legal_aid_centre_phone


def _channels(p: PosterContent) -> list[tuple[str, str, str]]:
    """(who, where, phone) of each channel (art. 34 (3)): the complaint lines, where to apply for
    labour-dispute mediation, then arbitration, the legal-aid centre, the township's duty line. The
    national hotlines 12333 and 12348 are printed under the QR (``_hotlines``)."""
    return [
        (f"行业主管部门：{p.authority_name}", "", p.authority_phone),
        (_named("劳动保障监察", p.inspection_name, "监察"), "", p.inspection_phone),
        (f"劳动争议调解：{p.mediation_name}", f"地点：{p.mediation_place}" if p.mediation_place else "",
         p.mediation_phone),
        (_named("劳动争议仲裁", p.arbitration_name, "仲裁"), "", p.arbitration_phone),
        (f"法律援助（免费）：{p.legal_aid_centre}", "", _legal_aid_phones(p)),
        (f"农民工服务专员：{p.officer_name}", "", p.officer_mobile),  # the township's duty line
    ]


def _complaints(c, fonts: FontSet, p: PosterContent, x: float, y: float, w: float) -> float:
    """Art. 34 (3): who to call, each name (and place, for mediation) over its number in large red type."""
    y = _section(c, fonts, x, y, w, "三、投诉求助", "Complaints and help")
    c.setLineWidth(0.5)
    for who, where, phone in _channels(p):
        size, lines = _lines(fonts, who, 10.5, w, bold=True)
        for line in lines:
            y += size + 2
            draw_text(c, fonts, x, top(y), line, size, bold=True, color=INK)
        if where:
            wsize, wlines = _lines(fonts, where, 10.5, w)
            for line in wlines:
                y += wsize + 2
                draw_text(c, fonts, x, top(y), line, wsize, color=INK)
        y += PHONE_SIZE + 1
        draw_text(c, fonts, x, top(y), phone, fit_size(fonts, phone, PHONE_SIZE, w, bold=True, minimum=BODY_MIN),
                  bold=True, color=RED)
        c.setStrokeColorRGB(*RULE)
        c.line(x, top(y + 5), x + w, top(y + 5))
        y += 7
    return y


HOTLINES_H = PHONE_SIZE + 8  # one row under the QR's frame


def _hotlines(c, fonts: FontSet, p: PosterContent, x: float, y: float, w: float) -> float:
    """The two national lines on one row under the QR's frame, each label followed by its number in
    18 pt (they are short: a label and a five-digit number fit half the QR's width)."""
    pairs = [("人社服务热线", p.hotline_12333), ("法律援助热线", p.hotline_12348)]
    cell = w / 2
    baseline = y + PHONE_SIZE + 2
    for i, (label, number) in enumerate(pairs):
        cx = x + cell * i + (0 if i == 0 else 6)
        nsize = fit_size(fonts, number, PHONE_SIZE, cell - 6, bold=True, minimum=BODY_MIN)
        room = cell - 10 - fonts.width(number, nsize, True)
        lsize = fit_size(fonts, label, 10.5, max(room, 1), bold=True, minimum=BODY_MIN)
        draw_text(c, fonts, cx, top(baseline), label, lsize, bold=True, color=INK)
        draw_text(c, fonts, cx + fonts.width(label, lsize, True) + 4, top(baseline), number, nsize, bold=True,
                  color=RED)
    return y + HOTLINES_H


CTA_H = 54.0


def _url_lines(fonts: FontSet, p: PosterContent, box: float) -> tuple[float, list[str], float]:
    """(size, lines, height) of the address under the QR: one line in up to 20 pt, else 12 pt lines
    broken after a "/", ".", ":" or "-" (a very long base URL)."""
    width = box - 14
    size = fit_size(fonts, p.url, 20, width, bold=True, minimum=BODY_MIN)
    lines = [p.url]
    if fonts.width(p.url, size, True) > width:
        size, lines, rest = 12.0, [], p.url
        while rest:
            n = len(rest)
            while n > 1 and fonts.width(rest[:n], size, True) > width:
                n -= 1
            cut = max(rest.rfind(ch, 0, n) for ch in "/.:-") + 1
            if n < len(rest) and cut > n // 2:
                n = cut
            lines.append(rest[:n])
            rest = rest[n:]
    return size, lines, 21 + (size + 3) * len(lines)


def _qr_block(c, fonts: FontSet, p: PosterContent, symbol, x: float, y: float, box: float) -> float:
    """Call to action, the QR in its white quiet zone, the address to type: one red frame."""
    cx = x + box / 2
    c.setFillColorRGB(*RED)
    c.rect(x, top(y + CTA_H), box, CTA_H, stroke=0, fill=1)
    draw_text(c, fonts, cx, top(y + 35), "扫码投诉欠薪", CTA_SIZE, bold=True, color=(1, 1, 1), align="center")
    draw_text(c, fonts, cx, top(y + 49), "Scan to report unpaid wages", 11, color=PINK, align="center")
    y += CTA_H
    draw_symbol(c, symbol, x, top(y + box), box)
    label = "不能扫码？在手机浏览器输入网址 Or type this address:"
    draw_text(c, fonts, cx, top(y + box + 13), label, fit_size(fonts, label, BODY_MIN, box - 14, minimum=BODY_MIN),
              color=GREY, align="center")
    size, lines, url_h = _url_lines(fonts, p, box)
    for i, line in enumerate(lines):
        draw_text(c, fonts, cx, top(y + box + 17 + (size + 3) * i + size), line, size, bold=True, align="center")
    c.setStrokeColorRGB(*RED)
    c.setLineWidth(1.5)
    c.rect(x, top(y + box + url_h), box, CTA_H + box + url_h, stroke=1, fill=0)
    return y + box + url_h


FOOTER_H = 30.0


def _footer(c, fonts: FontSet, p: PosterContent) -> None:
    y = BOTTOM
    c.setStrokeColorRGB(*RULE)
    c.setLineWidth(0.6)
    c.line(MARGIN, top(y - 25), MARGIN + CW, top(y - 25))
    basis = "依据《保障农民工工资支付条例》第三十四条设置 · 施工总承包单位负责在施工现场醒目位置设立并维护"
    draw_text(c, fonts, W / 2, top(y - 13), basis, fit_size(fonts, basis, BODY_MIN, CW, minimum=BODY_MIN), color=GREY,
              align="center")
    note = f"薪安通 WageSafe · {p.county_name}"
    if p.fictional:
        note = "示例数据 sample data：本告示中的单位、人员和电话均为虚构 · " + note
    draw_text(c, fonts, W / 2, top(y), note, fit_size(fonts, note, BODY_MIN, CW, minimum=BODY_MIN),
              color=RED if p.fictional else GREY, align="center")


class _Measure:
    """A canvas that draws nothing: lays a column out to learn its height."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: self


_LEFT_HEIGHTS: dict[tuple, float] = {}


def _left_height(fonts: FontSet, p: PosterContent, w: float) -> float:
    """Height of the wages and complaint column, laid out on a canvas that draws nothing.

    Cached by what it prints: most of a county's posters share their minimum wage, pay day and phones.
    """
    key = (w, p.minimum_monthly, p.minimum_hourly, p.minimum_from, p.payment_day, tuple(_channels(p)))
    if key not in _LEFT_HEIGHTS:
        if len(_LEFT_HEIGHTS) > 1024:
            _LEFT_HEIGHTS.clear()
        _LEFT_HEIGHTS[key] = _complaints(_Measure(), fonts, p, MARGIN, _wages(_Measure(), fonts, p, MARGIN, 0, w), w)
    return _LEFT_HEIGHTS[key]


def draw_poster(c, fonts: FontSet, p: PosterContent) -> None:
    """Draw the whole notice for ``p`` in A4 coordinates on the canvas ``c``.

    The lower half (wages, complaint phones, QR, address, footer) is placed from the bottom up, as
    tall as the taller column; the parties table above it takes the space left, in the largest type
    that fits; if even 10 pt does not, it makes room as ``_SQUEEZE`` says.
    """
    symbol = make_symbol(p.url)
    box = qr_box(symbol)
    left_w = CW - box - GAP
    # The left column's height, measured by laying it out without drawing (headings only need widths).
    left_h = _left_height(fonts, p, left_w)
    block_h = max(CTA_H + box + _url_lines(fonts, p, box)[2] + HOTLINES_H, left_h)
    block_top = BOTTOM - FOOTER_H - 4 - block_h
    y = _banner(c, fonts, p)
    fit = None
    for sub_lines, english, smallest in _SQUEEZE:
        below_title = _title(c, fonts, p, y, english, smallest, draw=False)
        head = _section(c, fonts, MARGIN, below_title, CW, "一、参建单位", "Project owner · contractors · labour manager",
                        draw=False)
        fit = _fit_table(fonts, p, block_top - 8 - head, sub_lines)
        if fit:
            break
    if fit is None:
        raise ValueError(f"{p.code}: the notice does not fit one page even in {BODY_MIN:g} pt type: "
                         "shorten name_zh, the subcontractors' names or the county's office names")
    _title(c, fonts, p, y, english, smallest)
    y = _section(c, fonts, MARGIN, below_title, CW, "一、参建单位", "Project owner · contractors · labour manager")
    _parties(c, fonts, *fit, y)
    y_left = _wages(c, fonts, p, MARGIN, block_top, left_w)
    _complaints(c, fonts, p, MARGIN, y_left, left_w)
    below_qr = _qr_block(c, fonts, p, symbol, MARGIN + left_w + GAP, block_top, box)
    _hotlines(c, fonts, p, MARGIN + left_w + GAP, below_qr, box)
    _footer(c, fonts, p)
