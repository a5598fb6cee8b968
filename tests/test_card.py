"""The legal-aid contact card (qr.card): built with the posters, CJK font embedded as a subset,
every glyph inside 90 × 54 mm, and its QR decodes (real zbar) to the quick card at 100 dpi."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from pyzbar.pyzbar import ZBarSymbol, decode

from qr.build import build_posters, posters_dir
from qr.card import CARD_DIR, build_card, sheet_positions
from wagesafe.config import Config
from wagesafe.registry import load_registry

DATA = Path(__file__).resolve().parent.parent / "data"
BASE = "http://127.0.0.1:8000"
PRODUCTION = "https://wagesafe.qinghe.gov.cn"


@pytest.fixture(scope="module")
def registry():
    return load_registry(DATA)


@pytest.fixture(scope="module")
def card(tmp_path_factory, registry) -> Path:
    """Built the way `wagesafe posters` builds it (one project, so the run is short)."""
    config = Config.from_env({"WAGESAFE_SITE_DIR": str(tmp_path_factory.mktemp("site")), "PUBLIC_BASE_URL": BASE})
    report = build_posters(config, registry, ["qh001"], jobs=1)
    assert report.errors == [] and len(report.card) == 2
    return posters_dir(config) / CARD_DIR


def _decode(path: Path, page: int, dpi: int = 100) -> list[str]:
    image = pypdfium2.PdfDocument(str(path))[page].render(scale=dpi / 72).to_pil().convert("L")
    return [s.data.decode() for s in decode(image, symbols=[ZBarSymbol.QRCODE])]


def test_card_qr_decodes_to_the_quick_card_at_100_dpi(card):
    assert _decode(card / "card.pdf", 0) == [f"{BASE}/card/"]


def test_card_qr_decodes_with_a_production_address(tmp_path, registry):
    out = build_card(registry, tmp_path, PRODUCTION)
    assert _decode(out[0], 0) == [f"{PRODUCTION}/card/"]


def test_a4_sheet_has_ten_cards_whose_qr_codes_all_decode(card):
    found = _decode(card / "card-a4.pdf", 0)
    assert found == [f"{BASE}/card/"] * 10
    reader = pypdf.PdfReader(str(card / "card-a4.pdf"))
    assert len(reader.pages) == 2  # fronts, then backs for duplex
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [595, 842]
    xs = sorted({round(x) for x, _ in sheet_positions()})
    assert len(sheet_positions()) == 10 and len(xs) == 2


def test_card_is_90_by_54_mm_and_every_glyph_is_inside(card):
    pdf = pypdfium2.PdfDocument(str(card / "card.pdf"))
    assert len(pdf) == 2
    for page in pdf:
        w, h = page.get_size()
        assert abs(w - 90 / 25.4 * 72) < 0.1 and abs(h - 54 / 25.4 * 72) < 0.1
        text = page.get_textpage()
        assert text.count_chars() > 50
        for i in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(i)
            assert -0.5 <= left and right <= w + 0.5 and -0.5 <= bottom and top <= h + 0.5, (i, text.get_text_range(i, 1))


def test_card_prints_the_phones_hours_and_the_no_means_test_rule(card, registry):
    reader = pypdf.PdfReader(str(card / "card.pdf"))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    centre = next(p for p in registry.legal_aid if p.kind == "centre")
    required = ["法律援助便民联系卡", centre.name_zh, centre.phone, "12348", "12333", "不查经济困难",
                "《法律援助法》第42条第3项", "8:30-17:30"]
    required += [p.phone for p in registry.legal_aid if p.kind in ("township_station", "court_station",
                                                                   "arbitration_station")]
    assert [v for v in required if re.sub(r"\s+", "", v) not in text] == []


def test_card_embeds_the_cjk_font_as_a_subset(card):
    for name in ("card.pdf", "card-a4.pdf"):
        reader = pypdf.PdfReader(str(card / name))
        names = []
        for ref in reader.pages[0]["/Resources"]["/Font"].values():
            font = ref.get_object()
            names.append(str(font["/BaseFont"]))
            assert "/FontFile2" in font["/FontDescriptor"].get_object(), font["/BaseFont"]
            assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"]))
        assert any("DroidSansFallback" in n or "WenQuanYi" in n for n in names), names
        assert (card / name).stat().st_size < 80_000
