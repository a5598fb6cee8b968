"""The province's unified QR code on the poster (PROVINCIAL_QR_URL, issue 18; seed 002: "全省统一的
欠薪维权二维码及本地投诉举报二维码"): both codes decode (real zbar) at 100 and 40 dpi, the local
one stays the larger, no text lies on either code or its quiet zone, and without the setting the
poster is what it was."""

from __future__ import annotations

import dataclasses

import pypdfium2
import pytest
from pyzbar.pyzbar import ZBarSymbol, decode

from qr import layout
from qr.build import build_posters, posters_dir
from qr.content import poster_content
from qr.render import render_project
from tests.test_posters import DATA, _assert_laid_out_cleanly, _chars, _text
from wagesafe.config import Config
from wagesafe.registry import load_registry

BASE = "https://wagesafe.qinghe.gov.cn"
PROVINCE = "https://wage.jiangxi.example.gov.cn/scan"
LABEL = "江西省根治欠薪线索反映平台"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    site = tmp_path_factory.mktemp("site-provincial")
    config = Config.from_env({"WAGESAFE_SITE_DIR": str(site), "PUBLIC_BASE_URL": BASE,
                              "PROVINCIAL_QR_URL": PROVINCE, "PROVINCIAL_QR_LABEL": LABEL})
    report = build_posters(config, load_registry(DATA), ["qh001", "qh002"], jobs=1)
    assert report.errors == [] and sorted(report.built) == ["qh001", "qh002"]
    return posters_dir(config)


def _symbols(pdf, dpi):
    page = pypdfium2.PdfDocument(str(pdf))[0]
    image = page.render(scale=dpi / 72).to_pil().convert("L")
    return {s.data.decode(): s.rect for s in decode(image, symbols=[ZBarSymbol.QRCODE])}


@pytest.mark.parametrize("dpi", [100, 40])
@pytest.mark.parametrize("code", ["qh001", "qh002"])
def test_both_qr_codes_decode_and_the_local_one_is_larger(built, code, dpi):
    found = _symbols(built / code / "poster-a4.pdf", dpi)
    assert set(found) == {f"{BASE}/r/{code}", PROVINCE}
    local, province = found[f"{BASE}/r/{code}"], found[PROVINCE]
    assert local.width > 1.6 * province.width
    assert province.width / dpi * 2.54 >= 3.2  # the province's dark part: 3.3 cm on A4 (zbar reads it at 40 dpi)


def test_the_a3_poster_holds_both(built):
    assert set(_symbols(built / "qh002" / "poster-a3.pdf", 50)) == {f"{BASE}/r/qh002", PROVINCE}


def test_label_printed_and_no_text_on_either_code(built):
    pdf = built / "qh002" / "poster-a4.pdf"
    assert LABEL in _text(pdf)
    chars, dpi = _chars(pdf), 100
    for url, r in _symbols(pdf, dpi).items():
        from qr.symbol import make_symbol

        modules = make_symbol(url).symbol_size(border=0)[0]
        module_pt = r.width / modules / dpi * 72
        x0, x1 = r.left / dpi * 72 - 4 * module_pt, (r.left + r.width) / dpi * 72 + 4 * module_pt
        y1, y0 = layout.H - (r.top / dpi * 72 - 4 * module_pt), layout.H - ((r.top + r.height) / dpi * 72 + 4 * module_pt)
        on = [ch for ch, _, (left, bottom, right, top_) in chars if left < x1 and right > x0 and bottom < y1 and top_ > y0]
        assert on == [], f"text on the QR of {url}: {''.join(on)}"
    assert min(size for _, size, _ in chars) >= layout.BODY_MIN


def test_every_sample_project_fits_with_the_second_code(tmp_path):
    """The second code takes no height (the title moves left of it): every poster of the sample registry
    still fits one page, with the layout's own checks (margins, no overlapping lines) on a long one."""
    config = Config.from_env({"WAGESAFE_SITE_DIR": str(tmp_path), "PUBLIC_BASE_URL": BASE,
                              "PROVINCIAL_QR_URL": PROVINCE, "PROVINCIAL_QR_LABEL": LABEL})
    registry = load_registry(DATA)
    report = build_posters(config, registry, None, jobs=1, formats=("a4",))
    assert report.errors == [] and len(report.built) == len(registry.projects)
    longest = max(registry.projects.values(), key=lambda pr: len(pr.name_zh) + len(pr.address_zh)).code
    content = poster_content(registry, registry.project(longest), BASE, PROVINCE, LABEL)
    one = dataclasses.replace(content, provincial_url="", provincial_label="")
    (pdf,) = render_project(one, tmp_path / "plain", ("a4",))
    _assert_laid_out_cleanly(pdf, content.url)
    pdf = posters_dir(config) / longest / "poster-a4.pdf"
    assert set(_symbols(pdf, 40)) == {content.url, PROVINCE}
    chars = _chars(pdf)
    m = layout.MARGIN - 0.5
    assert [ch for ch, _, (left, bottom, right, top_) in chars
            if left < m or right > layout.W - m or bottom < m or top_ > layout.H - m] == []
    boxes = sorted((left + 0.4, bottom + 0.4, right - 0.4, top_ - 0.4) for _, _, (left, bottom, right, top_) in chars)
    clashes = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:i + 60]
               if b[0] < a[2] and b[1] < a[3] and a[1] < b[3] and abs((a[1] + a[3]) - (b[1] + b[3])) > 2]
    assert clashes == []


def test_without_the_setting_the_poster_has_one_code(tmp_path):
    registry = load_registry(DATA)
    content = poster_content(registry, registry.project("qh001"), BASE)
    assert content.provincial_url == "" and content.provincial_label == ""
    with_province = poster_content(registry, registry.project("qh001"), BASE, PROVINCE, LABEL)
    assert content.fingerprint() != with_province.fingerprint()  # setting it rebuilds every poster once
    (pdf,) = render_project(content, tmp_path, ("a4",))
    assert list(_symbols(pdf, 100)) == [f"{BASE}/r/qh001"]


def test_the_project_page_shows_both_codes_the_local_one_larger():
    """The portal's project page: the local QR (180 px, the poster's qr.svg) and, with the setting, the
    province's beside it, smaller, with its label and address; without the setting nothing is added."""
    import io
    import re

    import segno
    from PIL import Image

    from wagesafe.sitegen.projects import project_page_html

    registry = load_registry(DATA)
    project = registry.project("qh001")
    html = project_page_html(registry, project, "zh", PROVINCE, LABEL)
    assert 'src="../../posters/qh001/qr.svg"' in html and 'width="180"' in html
    part = html[html.index("ws-qr-province"):]
    assert LABEL in part and f'href="{PROVINCE}"' in part
    size = int(re.search(r'<svg width="(\d+)"', part).group(1))
    assert size < 180
    buf = io.BytesIO()
    segno.make_qr(PROVINCE, error="q").save(buf, kind="png", scale=3, border=4)
    assert decode(Image.open(io.BytesIO(buf.getvalue())).convert("L"))[0].data.decode() == PROVINCE
    assert "ws-qr-province" not in project_page_html(registry, project, "zh")
    assert "ws-qr-province" in project_page_html(registry, project, "en", PROVINCE, "")
