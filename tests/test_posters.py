"""Posters as printed: the QR in the PDF and PNG decodes (real zbar) to the project's URL, the text
holds every value art. 34 requires, the CJK font is embedded as a subset, the sizes stay small."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from qr.build import build_posters, posters_dir
from wagesafe.config import Config
from wagesafe.registry import load_registry

BASE = "http://127.0.0.1:8000"
CODES = ["qh001", "qh002"]  # qh002 has two subcontractors


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Config, object, Path]:
    """The sample registry's first two projects, built once for this module (jobs=1: no pool)."""
    site = tmp_path_factory.mktemp("site")
    config = Config.from_env({"WAGESAFE_SITE_DIR": str(site), "PUBLIC_BASE_URL": BASE})
    registry = load_registry(Path(__file__).resolve().parent.parent / "data")
    report = build_posters(config, registry, CODES, jobs=1)
    assert report.errors == [] and sorted(report.built) == CODES
    return config, registry, posters_dir(config)


def _decode_pdf(path: Path, dpi: int = 72) -> list[str]:
    page = pypdfium2.PdfDocument(str(path))[0]
    image = page.render(scale=dpi / 72).to_pil().convert("L")
    return [s.data.decode() for s in decode(image, symbols=[ZBarSymbol.QRCODE])]


def _text(path: Path) -> str:
    """The PDF's text with all whitespace removed (extraction splits lines and font runs differently)."""
    text = pypdf.PdfReader(str(path)).pages[0].extract_text()
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("code", CODES)
def test_posters_a4_qr_decodes_to_project_url(built, code):
    _, _, out = built
    assert _decode_pdf(out / code / "poster-a4.pdf") == [f"{BASE}/r/{code}"]


def test_posters_a3_qr_decodes_and_page_is_a3(built):
    _, _, out = built
    pdf = out / "qh001" / "poster-a3.pdf"
    box = pypdf.PdfReader(str(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 1191)
    assert _decode_pdf(pdf, dpi=50) == [f"{BASE}/r/qh001"]


def test_posters_png_and_svg_hold_the_qr(built):
    _, _, out = built
    symbols = decode(Image.open(out / "qh002" / "qr.png").convert("L"), symbols=[ZBarSymbol.QRCODE])
    assert [s.data.decode() for s in symbols] == [f"{BASE}/r/qh002"]
    svg = (out / "qh002" / "qr.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "<path" in svg


def test_posters_qr_is_large_with_quiet_zone(built):
    """Scannable from 1 m: the symbol (dark part) is over 8 cm wide on A4, with 4 white modules around it."""
    _, _, out = built
    dpi = 72
    page = pypdfium2.PdfDocument(str(out / "qh001" / "poster-a4.pdf"))[0]
    image = page.render(scale=dpi / 72).to_pil().convert("L")
    (symbol,) = decode(image, symbols=[ZBarSymbol.QRCODE])
    width_cm = symbol.rect.width / dpi * 2.54
    assert width_cm >= 8.0, width_cm
    modules = 29  # version 3 for this URL
    module_px = symbol.rect.width / modules
    left, top_ = symbol.rect.left, symbol.rect.top
    quiet = image.crop((int(left - 3.8 * module_px), top_, int(left - 0.3 * module_px), top_ + symbol.rect.height))
    assert quiet.getextrema()[0] > 200, "the quiet zone left of the symbol is not white"


def test_posters_text_holds_every_required_value(built):
    _, registry, out = built
    p = registry.project("qh002")
    county, authority = registry.county, registry.industry_authority(p)
    officer = registry.townships[p.township].responsible
    text = _text(out / "qh002" / "poster-a4.pdf")
    required = [
        "维权信息告示牌", p.name_zh, p.code, f"{BASE}/r/{p.code}", p.builder, p.general_contractor,
        p.gc_project_department, p.gc_project_manager, *[s.name for s in p.subcontractors], p.labour_manager,
        p.labour_manager_phone, authority.name_zh, authority.complaint_phone,
        f"{county.minimum_wage.monthly_yuan}元/月", "18.5元/小时", f"每月{p.wage_payment_day}日",
        county.desk.phone, county.arbitration_zh, county.arbitration_phone, "12333", "12348",
        officer.name, officer.mobile, "扫码投诉欠薪", "Scantoreportunpaidwages", "《保障农民工工资支付条例》第三十四条",
        "示例数据",
    ]
    missing = [v for v in required if re.sub(r"\s+", "", str(v)) not in text]
    assert missing == []


def test_posters_cjk_font_is_embedded_and_subset(built):
    _, _, out = built
    reader = pypdf.PdfReader(str(out / "qh001" / "poster-a4.pdf"))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = []
    for ref in fonts.values():
        font = ref.get_object()
        names.append(str(font["/BaseFont"]))
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
        assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"])), f"{font['/BaseFont']} is not a subset"
    assert any("DroidSansFallback" in n or "WenQuanYi" in n for n in names), names


def test_posters_files_are_small(built):
    _, _, out = built
    assert (out / "qh001" / "poster-a4.pdf").stat().st_size < 45_000
    assert (out / "qh001" / "qr.svg").stat().st_size < 5_000
    assert (out / "qh001" / "qr.png").stat().st_size < 5_000


def test_strip_hinting_keeps_glyphs_and_metrics():
    """The Latin font is embedded without hints: same glyphs and widths, no hinting tables, far smaller."""
    import io

    from reportlab.pdfbase.ttfonts import TTFontFile

    from qr.fonts import LATIN_DIR
    from qr.ttf import strip_hinting

    original = (LATIN_DIR / "Vera.ttf").read_bytes()
    stripped = strip_hinting(original)
    assert len(stripped) < len(original) * 0.6
    a, b = TTFontFile(io.BytesIO(original)), TTFontFile(io.BytesIO(stripped))
    assert a.charToGlyph == b.charToGlyph and a.charWidths == b.charWidths
    assert not {"fpgm", "prep", "cvt "} & set(b.table)
