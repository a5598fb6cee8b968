"""Charts drawn as inline SVG on the server: no JavaScript, no CDN, nothing to load.

An officer's phone inside WeChat, or a county office behind a filter, shows them like any
other part of the page, and they print. Every label is escaped (township names come from
editors, not from us). Each chart returns ``Markup`` ready for a template.
"""

from __future__ import annotations

from markupsafe import Markup, escape

# Drawn at this width in CSS pixels and never scaled down (desk.css: .chart-box scrolls instead), so
# that 12-unit text is 12 px on a 390 px phone: a chart scaled to the screen had 5 px labels.
WIDTH = 340
MIN_FONT_PX = 12

PALETTE = ("#1f6feb", "#d4651c", "#2a9d4b", "#b3261e", "#7b4fc9", "#0e8a8a", "#a0792a", "#c2417d",
           "#4d6b8a", "#6f8f1f", "#8a4d2a", "#3b3b98")


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:.1f}"


def hbar(items: list[tuple[str, float]], title: str, unit: str = "", width: int = WIDTH) -> Markup:
    """Horizontal bars, one per (label, value): easy to read on a narrow phone screen."""
    row, left, top = 26, 84, 28
    height = top + row * max(len(items), 1) + 10
    peak = max((v for _, v in items), default=0) or 1
    span = width - left - 90
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" viewBox="0 0 {width} {height}"'
             f' width="{width}" height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    if not items:
        parts.append(f'<text x="{left}" y="{top + 16}" font-size="12" fill="#666">暂无数据</text>')
    for i, (label, value) in enumerate(items):
        y = top + i * row
        w = max(0.0, value) / peak * span
        parts.append(f'<text x="{left - 6}" y="{y + 15}" font-size="12" text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="16" fill="{PALETTE[0]}"/>'
                     f'<text x="{left + w + 4:.1f}" y="{y + 15}" font-size="12">{escape(_fmt(value))}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_columns(columns: list[str], series: dict[str, list[int]], title: str, width: int = WIDTH) -> Markup:
    """Columns (e.g. weeks) stacked by series (e.g. townships), with a legend below (three a row)."""
    left, top, plot_h, bottom = 30, 28, 180, 36
    n = max(len(columns), 1)
    totals = [sum(vals[i] for vals in series.values()) for i in range(len(columns))]
    peak = max(totals, default=0) or 1
    colw = (width - left - 10) / n
    legend_rows = (len(series) + 2) // 3
    height = top + plot_h + bottom + legend_rows * 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" viewBox="0 0 {width} {height}"'
             f' width="{width}" height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#999"/>',
             f'<text x="{left - 4}" y="{top + 10}" font-size="12" text-anchor="end">{peak}</text>',
             f'<text x="{left - 4}" y="{top + plot_h}" font-size="12" text-anchor="end">0</text>']
    for i, col in enumerate(columns):
        x = left + i * colw + colw * 0.15
        y = top + plot_h
        for j, (name, vals) in enumerate(series.items()):
            h = vals[i] / peak * plot_h
            if h > 0:
                y -= h
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{colw * 0.7:.1f}" height="{h:.1f}"'
                             f' fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(name)} {escape(col)}: {vals[i]}'
                             f'</title></rect>')
        parts.append(f'<text x="{x + colw * 0.35:.1f}" y="{top + plot_h + 14}" font-size="12" text-anchor="middle">'
                     f'{escape(col)}</text>')
        if totals[i]:
            parts.append(f'<text x="{x + colw * 0.35:.1f}" y="{y - 3:.1f}" font-size="12" text-anchor="middle">'
                         f'{totals[i]}</text>')
    for j, name in enumerate(series):
        lx = (j % 3) * (width / 3)
        ly = top + plot_h + bottom + (j // 3) * 20
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 10}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
                     f'<text x="{lx + 14:.1f}" y="{ly}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
