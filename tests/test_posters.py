"""Posters as printed: the QR in the PDF and PNG decodes (real zbar) to the project's URL, the text
holds every value art. 34 requires, the CJK font is embedded as a subset, the sizes stay small."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from qr import layout
from qr.build import build_posters, posters_dir
from qr.content import poster_content
from qr.render import render_project
from qr.symbol import make_symbol, modules_with_quiet_zone
from wagesafe.config import Config
from wagesafe.registry import load_registry

BASE = "http://127.0.0.1:8000"
PRODUCTION = "https://wagesafe.qinghe.gov.cn"  # a typical county address: a version 4 QR, not 3 as for BASE
CODES = ["qh001", "qh002"]  # qh002 has two subcontractors
DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Config, object, Path]:
    """The sample registry's first two projects, built once for this module (jobs=1: no pool)."""
    site = tmp_path_factory.mktemp("site")
    config = Config.from_env({"WAGESAFE_SITE_DIR": str(site), "PUBLIC_BASE_URL": BASE})
    registry = load_registry(DATA)
    report = build_posters(config, registry, CODES, jobs=1)
    assert report.errors == [] and sorted(report.built) == CODES
    return config, registry, posters_dir(config)


@pytest.fixture(scope="module")
def built_production(tmp_path_factory) -> tuple[Config, object, Path]:
    """qh002's A4 poster with a production-like https address (a longer URL: more modules)."""
    site = tmp_path_factory.mktemp("site-production")
    config = Config.from_env({"WAGESAFE_SITE_DIR": str(site), "PUBLIC_BASE_URL": PRODUCTION})
    registry = load_registry(DATA)
    report = build_posters(config, registry, ["qh002"], jobs=1, formats=("a4",))
    assert report.errors == [] and report.built == ["qh002"]
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


def _qr_geometry(path: Path, dpi: int = 150) -> tuple[float, int, Image.Image, object]:
    """(width of the decoded symbol's dark part in cm, its modules, the page image, the zbar symbol)."""
    page = pypdfium2.PdfDocument(str(path))[0]
    image = page.render(scale=dpi / 72).to_pil().convert("L")
    (symbol,) = decode(image, symbols=[ZBarSymbol.QRCODE])
    modules = make_symbol(symbol.data.decode()).symbol_size(border=0)[0]
    return symbol.rect.width / dpi * 2.54, modules, image, symbol


@pytest.mark.parametrize("which", ["local", "production"])
def test_posters_qr_dark_part_is_9cm_with_white_quiet_zone(built, built_production, which):
    """Scannable from 1 m: the dark modules span at least 9 cm on A4 (a production URL is a larger
    version, so smaller modules in the same width), with 4 white modules all around."""
    out = (built if which == "local" else built_production)[2]
    width_cm, modules, image, symbol = _qr_geometry(out / "qh002" / "poster-a4.pdf")
    assert width_cm >= 9.0, width_cm
    assert abs(symbol.rect.height / symbol.rect.width - 1) < 0.02
    m = symbol.rect.width / modules
    r = symbol.rect
    sides = {
        "left": (r.left - 3.8 * m, r.top - 3.8 * m, r.left - 0.3 * m, r.top + r.height + 3.8 * m),
        "right": (r.left + r.width + 0.3 * m, r.top - 3.8 * m, r.left + r.width + 3.8 * m, r.top + r.height + 3.8 * m),
        "top": (r.left - 3.8 * m, r.top - 3.8 * m, r.left + r.width + 3.8 * m, r.top - 0.3 * m),
        "bottom": (r.left - 3.8 * m, r.top + r.height + 0.3 * m, r.left + r.width + 3.8 * m, r.top + r.height + 3.8 * m),
    }
    for side, box in sides.items():
        assert image.crop(tuple(int(v) for v in box)).getextrema()[0] > 200, f"the quiet zone {side} of the QR is not white"


@pytest.mark.parametrize("dpi", [100, 40])
def test_posters_qr_decodes_at_low_resolution(built, built_production, dpi):
    """40 dpi is about what a phone camera sees of an A4 notice 1 m away."""
    for config, _, out in (built, built_production):
        assert _decode_pdf(out / "qh002" / "poster-a4.pdf", dpi=dpi) == [f"{config.public_base_url}/r/qh002"]


@pytest.mark.parametrize("url", ["https://a.cn/r/q1", "https://wagesafe.qinghe.gov.cn/r/qh001",
                                 "https://wagesafe.some-long-county-name.example.gov.cn/r/qh001",
                                 "https://wagesafe.a-very-long-county-name-for-testing.example.gov.cn:8443/r/qh000123"])
def test_posters_qr_box_keeps_9cm_whatever_the_version(url):
    """The module size follows the module count: any version's dark part is 9.1 cm, quiet zone 4 modules."""
    symbol = make_symbol(url)
    n = symbol.symbol_size(border=0)[0]
    box = layout.qr_box(symbol)
    module = box / modules_with_quiet_zone(symbol)
    assert n * module / 72 * 2.54 == pytest.approx(9.1)
    assert modules_with_quiet_zone(symbol) == n + 8
    assert box <= layout.CW - 190  # the column beside it keeps room for the phone numbers


def _chars(path: Path) -> list[tuple[str, float, tuple[float, float, float, float]]]:
    """Every drawn character of page 1: (char, font size in pt, (left, bottom, right, top) in pt)."""
    page = pypdfium2.PdfDocument(str(path))[0]
    text = page.get_textpage()
    chars = []
    for i in range(text.count_chars()):
        ch = text.get_text_range(i, 1)
        if pypdfium2.raw.FPDFText_IsGenerated(text.raw, i) or not ch.strip():
            continue
        chars.append((ch, pypdfium2.raw.FPDFText_GetFontSize(text.raw, i), text.get_charbox(i)))
    return chars


def _sizes_of(chars, s: str) -> list[float]:
    """Font sizes of each place ``s`` is drawn (as consecutive characters)."""
    joined = "".join(ch for ch, _, _ in chars)
    found, start = [], joined.find(s)
    while start >= 0:
        found.append(min(size for _, size, _ in chars[start:start + len(s)]))
        start = joined.find(s, start + 1)
    assert found, f"{s!r} is not on the poster"
    return found


def test_posters_headings_are_large_and_no_text_is_small(built):
    """Legible from 2 m: title 48 pt, section headings 28 pt, the QR's call to action 36 pt; body ≥ 10 pt;
    the complaint phone numbers large."""
    _, registry, out = built
    chars = _chars(out / "qh002" / "poster-a4.pdf")
    assert max(_sizes_of(chars, "维权信息告示牌")) >= 48
    for heading in ("一、参建单位", "二、工资", "三、投诉求助"):
        assert max(_sizes_of(chars, heading)) >= 28, heading
    assert max(_sizes_of(chars, "扫码投诉欠薪")) >= 36
    assert min(size for _, size, _ in chars) >= 10
    county = registry.county
    for phone in (county.desk.phone, county.arbitration_phone, "12348", "12333", county.mediation.phone, "0799-0605348"):
        assert max(_sizes_of(chars, phone)) >= 16, phone


@pytest.mark.parametrize("code,body", [("qh001", "龙潭镇劳动争议调解中心"), ("qh002", "青禾县劳动人事争议仲裁院调解窗口")])
def test_posters_print_the_mediation_channel_and_the_legal_aid_centre(built, code, body):
    """条例 art. 34(3) wants the 劳动争议调解仲裁申请渠道 and the 法律援助申请渠道 on every notice: the
    township's own mediation body where the registry names one (龙潭镇), else the arbitration court's
    mediation window; the legal-aid centre with its phone. None of it below 10 pt, on A4 and A3."""
    _, registry, out = built
    project = registry.project(code)
    mediation = registry.mediation_for(project.township)
    assert mediation.name_zh == body
    for page in ("poster-a4.pdf", "poster-a3.pdf"):
        text = _text(out / code / page)
        for value in (f"劳动争议调解：{mediation.name_zh}", mediation.place_zh, mediation.phone,
                      "法律援助（免费）：青禾县法律援助中心", "0799-0605348", "法律援助热线12348", "人社服务热线12333"):
            assert re.sub(r"\s+", "", value) in text, (page, value)
    chars = _chars(out / code / "poster-a4.pdf")
    for value in (mediation.name_zh, mediation.place_zh, "青禾县法律援助中心"):
        assert min(_sizes_of(chars, value)) >= 10, value
    for phone in (mediation.phone, "0799-0605348"):
        assert min(_sizes_of(chars, phone)) >= 16, phone
    # A3 is the same drawing scaled by √2 (the font size stays, the page's matrix grows it): the glyphs are.
    a3 = _chars(out / code / "poster-a3.pdf")

    def glyph_height(found, s):
        joined = "".join(ch for ch, _, _ in found)
        box = found[joined.index(s)][2]
        return box[3] - box[1]
    assert glyph_height(a3, mediation.phone) / glyph_height(chars, mediation.phone) == pytest.approx(2 ** 0.5, rel=0.02)


def _assert_laid_out_cleanly(pdf: Path, url: str) -> None:
    """Every character inside the margins, no two lines of text on top of each other, none on the QR
    or its quiet zone, and the QR decodes to ``url`` on the A4 page."""
    chars = _chars(pdf)
    m = layout.MARGIN - 0.5
    outside = [ch for ch, _, (left, bottom, right, top_) in chars
               if left < m or right > layout.W - m or bottom < m or top_ > layout.H - m]
    assert outside == [], f"text outside the margins: {''.join(outside)}"
    # Overlap between characters of different lines (a line's own neighbours touch): sweep along x.
    boxes = sorted(((left + 0.4, bottom + 0.4, right - 0.4, top_ - 0.4), ch, size) for ch, size, (left, bottom, right, top_)
                   in chars)
    clashes = []
    for i, (a, ch_a, _) in enumerate(boxes):
        for b, ch_b, _ in boxes[i + 1:]:
            if b[0] >= a[2]:
                break
            if b[1] < a[3] and a[1] < b[3] and abs((a[1] + a[3]) - (b[1] + b[3])) > 2:  # overlapping, not on one line
                clashes.append(ch_a + ch_b)
    assert clashes == [], f"characters drawn over each other: {clashes[:10]}"
    dpi = 100
    _, modules, _, symbol = _qr_geometry(pdf, dpi)
    assert symbol.data.decode() == url
    module_pt = symbol.rect.width / modules / dpi * 72
    r = [v / dpi * 72 for v in (symbol.rect.left, symbol.rect.top, symbol.rect.width, symbol.rect.height)]
    qx0, qx1 = r[0] - 4 * module_pt, r[0] + r[2] + 4 * module_pt
    qy1, qy0 = layout.H - (r[1] - 4 * module_pt), layout.H - (r[1] + r[3] + 4 * module_pt)  # PDF y grows upwards
    on_qr = [ch for ch, _, (left, bottom, right, top_) in chars if left < qx1 and right > qx0 and bottom < qy1 and top_ > qy0]
    assert on_qr == [], f"text on the QR or its quiet zone: {''.join(on_qr)}"


@pytest.mark.parametrize("which", ["local", "production"])
def test_posters_text_stays_inside_the_page_and_apart(built, built_production, which):
    config, _, out = built if which == "local" else built_production
    _assert_laid_out_cleanly(out / "qh002" / "poster-a4.pdf", f"{config.public_base_url}/r/qh002")


@pytest.mark.parametrize("url", ["https://a.cn/r/q1",  # version 2: the largest QR square
                                 "https://wagesafe.a-very-long-county-name-for-testing.example.gov.cn:8443/r/qh000123"])
def test_posters_long_values_still_fit(tmp_path, url):
    """A worst case: a two-line project name, an English name, three long subcontractors, long office
    names. The table shrinks (or cuts the subcontractors to 等N家); nothing leaves the page or overlaps."""
    registry = load_registry(DATA)
    content = poster_content(registry, registry.project("qh002"), "https://x.cn")
    content = dataclasses.replace(
        content, url=url, name_zh="青禾县龙潭镇迎宾大道北延伸段综合管廊及配套道路排水照明绿化工程（一期）第三标段",
        name_en="Longtan Welcome Avenue north extension utility tunnel and roads, phase 1, lot 3",
        subcontractors=tuple(f"江西省洪城市第{n}建筑劳务有限责任公司青禾分公司（钢筋、模板、混凝土劳务分包）" for n in "一二三"),
        builder="青禾县城市建设投资发展集团有限责任公司龙潭新区分公司",
        inspection_name="青禾县人力资源和社会保障局劳动保障监察综合行政执法大队",
        arbitration_name="青禾县劳动人事争议仲裁委员会仲裁院",
        legal_aid_phone="0799-06010010",
    )
    (pdf,) = render_project(content, tmp_path, ("a4",))
    _assert_laid_out_cleanly(pdf, url)
    text = _text(pdf)
    for value in ("12348", "0799-06010010", content.inspection_name, content.officer_mobile, "等共3家"):
        assert re.sub(r"\s+", "", value) in text, value


def _deputy(registry, p) -> list[str]:
    """The township's duty line names the deputy too (``Township.duty_line``)."""
    d = registry.townships[p.township].deputy
    return [d.name, d.mobile] if d else []


def test_posters_text_holds_every_required_value(built):
    _, registry, out = built
    p = registry.project("qh002")
    county, authority = registry.county, registry.industry_authority(p)
    officer = registry.townships[p.township].responsible
    text = _text(out / "qh002" / "poster-a4.pdf")
    required = [
        "维权信息告示牌", p.name_zh, p.code, f"{BASE}/r/{p.code}", p.builder, p.general_contractor,
        p.gc_project_department, p.gc_project_manager, *[s.name for s in p.subcontractors], p.labour_manager,
        p.labour_manager_phone, authority.name_zh, authority.complaint_phone, county.mediation.name_zh,
        county.mediation.phone,
        f"{county.minimum_wage.monthly_yuan}元/月", "18.5元/小时", f"每月{p.wage_payment_day}日",
        county.desk.phone, county.arbitration_zh, county.arbitration_phone, "12333", "12348",
        officer.name, officer.mobile, *_deputy(registry, p), "扫码投诉欠薪", "Scantoreportunpaidwages", "《保障农民工工资支付条例》第三十四条",
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
