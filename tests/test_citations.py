"""Citations kept honest (issue 27, item 6): every article the portal cites is in one index.

The index is ``wagesafe/law/citations.yaml``; the finder is ``wagesafe.law.citations``. A page, the
poster or card, the calculator (Python and script), the application or any string of the form
service that cites an article not in the index, or by a superseded number (民事诉讼法 支付令 as
221–224 instead of 225–228, the enforcement period as 247 instead of 250), fails here; so does an
article whose law the text never names. The finder is tested on planted wrong citations so that
this test can fail.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from wagesafe.law import citations as cit
from wagesafe.law.citations import Citation, find_in_python, find_in_text, load_index, problem

from tests.test_site import registry, site  # noqa: F401  (session fixtures: the sample portal, built)

ROOT = Path(__file__).resolve().parent.parent


def _scanned() -> list[Path]:
    files = [*ROOT.glob("docs/**/*.md"),
             *(p for p in ROOT.glob("docs/assets/js/*.js")),
             *ROOT.glob("overrides/**/*.html"),
             *ROOT.glob("qr/**/*.py"),
             *(p for p in ROOT.glob("wagesafe/**/*.py") if "law" not in p.relative_to(ROOT / "wagesafe").parts),
             *ROOT.glob("formsvc/**/*.py"),
             *ROOT.glob("formsvc/**/templates/**/*.html")]
    return sorted(set(files))


SCANNED = _scanned()


def _pairs(found: list[Citation]) -> list[tuple[str, str]]:
    return [(c.law, c.article) for c in found]


def test_the_scan_reads_every_surface_a_worker_sees():
    rel = {p.relative_to(ROOT).as_posix() for p in SCANNED}
    for must in ("docs/guides/what-to-do.md", "docs/guides/what-to-do.en.md", "docs/calculator/index.md",
                 "docs/assets/js/calculator.js", "wagesafe/wagecalc.py", "formsvc/web/tools/application.py",
                 "formsvc/web/tools/words.py", "qr/layout.py", "qr/card.py", "formsvc/web/i18n_worker.py",
                 "formsvc/case/county_transfer.py", "formsvc/case/open311_services.py"):
        assert must in rel, must


def test_every_citation_in_the_sources_is_in_the_index_and_current():
    assert cit.check_files(SCANNED) == []


def test_every_citation_in_the_built_portal_is_in_the_index_and_current(site):  # noqa: F811
    index = load_index()
    bad, seen = [], 0
    for page in sorted(site.rglob("*.html")):
        text = re.sub(r"<script\b.*?</script>|<style\b.*?</style>", " ", page.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"<(?:p|li|h\d|div|br|tr|td|section|article)\b[^>]*>", "\n\n", text)
        for c in find_in_text(re.sub(r"<[^>]+>", "", text)):
            seen += 1
            why = problem(c, index)
            if why:
                bad.append(f"{page.relative_to(site)}:{c.line}: {why}")
    assert seen > 200, "the built guides cite articles: the scan must find them"
    assert bad == []


# --- the finder reads the forms a page uses -----------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("《保障农民工工资支付条例》第三十六条", [("保障农民工工资支付条例", "36")]),
    ("依照条例第36条处理", [("保障农民工工资支付条例", "36")]),
    ("条例36和民诉法225–228", [("保障农民工工资支付条例", "36")] + [("民事诉讼法", str(n)) for n in range(225, 229)]),
    ("《劳动合同法》第三十八条第一款第二项", [("劳动合同法", "38")]),
    ("《劳动合同法》第82条；《劳动合同法实施条例》第6条、第7条",
     [("劳动合同法", "82"), ("劳动合同法实施条例", "6"), ("劳动合同法实施条例", "7")]),
    ("《民事诉讼法》第225条至第228条", [("民事诉讼法", str(n)) for n in range(225, 229)]),
    ("《保障农民工工资支付条例》第11–15条", [("保障农民工工资支付条例", str(n)) for n in range(11, 16)]),
    ("《刑法》第二百七十六条之一", [("刑法", "276之一")]),
    ("《劳动保障监察条例》第十三条", [("劳动保障监察条例", "13")]),
    ("《条例》第十条", [("保障农民工工资支付条例", "10")]),
    ("法释〔2025〕12号第1条、第2条", [("劳动争议解释（二）", "1"), ("劳动争议解释（二）", "2")]),
    ("解释（二）第7条", [("劳动争议解释（二）", "7")]),
    ("《最高人民法院关于审理劳动争议案件适用法律问题的解释（一）》第15条", [("劳动争议解释（一）", "15")]),
    ("调解仲裁法第二十八条", [("劳动争议调解仲裁法", "28")]),
    ("免费（《劳动争议调解仲裁法》第五十三条），离职起1年内（同法第二十七条）",
     [("劳动争议调解仲裁法", "53"), ("劳动争议调解仲裁法", "27")]),
    ("Labour Contract Law art. 46, 47", [("劳动合同法", "46"), ("劳动合同法", "47")]),
    ("《劳动争议调解仲裁法》 (Labour Dispute Mediation and Arbitration Law) art. 27 (1-year limit; para. 2 "
     "restart, para. 3 suspension), 29 (5 days), 43 (45 days)",
     [("劳动争议调解仲裁法", "27"), ("劳动争议调解仲裁法", "29"), ("劳动争议调解仲裁法", "43")]),
    ("(*Legal Aid Law* art. 42(3))", [("法律援助法", "42")]),
    ("《诉讼费用交纳办法》 (Measures on Litigation Fees) art. 13(4) (10 yuan), 14 (payment order fee)",
     [("诉讼费用交纳办法", "13"), ("诉讼费用交纳办法", "14")]),
    ("Criminal Law art. 276-1", [("刑法", "276之一")]),
    ("Chapter 3 of the Regulations (arts. 16–22)", [("保障农民工工资支付条例", str(n)) for n in range(16, 23)]),
    ("as required by art. 34 of the Regulations on Ensuring Payment of Wages to Migrant Workers",
     [("保障农民工工资支付条例", "34")]),
    ("Implementing Regulations art. 6–7", [("劳动合同法实施条例", "6"), ("劳动合同法实施条例", "7")]),
    ("《地图管理条例》第15条", [("《地图管理条例》", "15")]),
    ("（第五十三条）", [("", "53")]),
])
def test_finder_reads_the_forms_pages_use(text, expected):
    assert _pairs(find_in_text(text)) == expected


def test_finder_keeps_a_law_within_its_paragraph_only():
    text = "《劳动合同法》第38条（欠薪可以马上走）。\n第46条（经济补偿）。\n\n下一段：第47条。"
    assert _pairs(find_in_text(text)) == [("劳动合同法", "38"), ("劳动合同法", "46"), ("", "47")]


def test_finder_reads_strings_not_docstrings_in_python():
    source = ('"""Module docstring: 《民事诉讼法》第二百四十七条 (a note for developers)."""\n'
              'LINES = [\n'
              '    "仲裁不收费（《劳动争议调解仲裁法》第53条）。",\n'
              '    "5日内决定是否受理（第29条）。",\n'
              '    "Apply within 1 year (art. 27).",\n'
              ']\n')
    found = find_in_python(source)
    assert _pairs(found) == [("劳动争议调解仲裁法", "53"), ("劳动争议调解仲裁法", "29"), ("", "27")]
    assert [c.line for c in found] == [3, 4, 5]


def test_chinese_numbers():
    assert [cit.cn_number(x) for x in ("十", "十三", "三十六", "一百", "二百二十五", "二百五十", "二百七十六", "36")] == \
        [10, 13, 36, 100, 225, 250, 276, 36]


# --- it can fail: planted wrong citations -------------------------------------------------------

@pytest.mark.parametrize("text, why", [
    ("向法院申请支付令（《民事诉讼法》第二百一十七条）", "superseded"),
    ("支付令（《民事诉讼法》第221–224条）", "superseded"),
    ("申请执行的期间为2年（《民事诉讼法》第二百四十七条）", "superseded"),
    ("Apply within 2 years (Civil Procedure Law art. 246).", "superseded"),
    ("《劳动合同法》第999条", "not in wagesafe/law/citations.yaml"),
    ("《地图管理条例》第15条", "not in wagesafe/law/citations.yaml"),
    ("免费（第五十三条）", "names no law"),
])
def test_a_wrong_citation_is_caught(text, why):
    problems = [problem(c) for c in find_in_text(text)]
    assert problems and all(p and why in p for p in problems), problems


def test_a_planted_wrong_citation_fails_the_file_check(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# 指南\n\n老板不付，可以申请支付令（《民事诉讼法》第二百一十七条）。\n", encoding="utf-8")
    code = tmp_path / "words.py"
    code.write_text('"""Docstring: 《民事诉讼法》第247条 is fine here."""\n'
                    'W = {"x": ("2年内申请执行（《民事诉讼法》第二百四十七条）。", "within 2 years (Civil Procedure Law art. 247).")}\n',
                    encoding="utf-8")
    good = tmp_path / "good.md"
    good.write_text("支付令（《民事诉讼法》第225条至第228条），执行期间2年（第250条）。\n", encoding="utf-8")
    out = cit.check_files([page, code, good])
    assert len(out) == 3, out
    assert out[0].startswith(f"{page}:3: 第二百一十七条") and "cpl-228" in out[0]
    assert all(line.startswith(str(code) + ":2:") and "cpl-250" in line for line in out[1:])


# --- the index itself ---------------------------------------------------------------------------

def test_index_rows_are_complete():
    index = load_index()
    ids = {e.id: e for e in index.values()}
    for e in index.values():
        assert re.fullmatch(r"[a-z0-9-]+", e.id), e.id
        assert re.fullmatch(r"\d+(之一)?", e.article), e.id
        date.fromisoformat(e.effective)
        assert re.search(r"[\u4e00-\u9fff]", e.says_zh) and len(e.says_zh) >= 8, e.id
        assert re.search(r"[A-Za-z]{3}", e.says_en) and len(e.says_en) >= 15, e.id
        if e.superseded_by:
            assert not ids[e.superseded_by].superseded_by, f"{e.id}: points at another old number"


def test_index_has_what_the_done_when_asks():
    index = load_index()
    for law, article in (("劳动合同法", "38"), ("劳动合同法", "46"), ("劳动合同法", "47"), ("劳动合同法", "87"),
                         ("劳动争议解释（二）", "1"), ("劳动争议解释（二）", "2"), ("劳动争议解释（二）", "7"),
                         ("劳动保障监察条例", "13"), ("民事诉讼法", "250"), ("社会保险法", "41")):
        assert (law, article) in index and not index[(law, article)].superseded_by, (law, article)


# The verbatim articles (with their sources) the index is checked against: a copy of the shared
# reference kept in the project, so the check runs on every checkout (CI has no shared/ beside it).
STATUTES_MD = ROOT / "wagesafe" / "law" / "statutes.md"


def _shared_statutes_md() -> Path | None:
    for parent in ROOT.parents:
        p = parent / "shared" / "reference" / "statutes.md"
        if p.exists():
            return p
    return None


def test_the_projects_copy_of_statutes_md_is_the_shared_reference():
    """Where the shared reference sits beside the checkout, the project's copy is the same text."""
    shared = _shared_statutes_md()
    if shared is None:
        pytest.skip("shared/reference/statutes.md is not beside this checkout; the project's copy is used")
    assert STATUTES_MD.read_bytes() == shared.read_bytes(), "copy shared/reference/statutes.md into wagesafe/law/"


# The section heading of each law in shared/reference/statutes.md.
STATUTE_SECTIONS = {
    "保障农民工工资支付条例": "保障农民工工资支付条例",
    "劳动合同法": "中华人民共和国劳动合同法",
    "劳动争议调解仲裁法": "中华人民共和国劳动争议调解仲裁法",
    "法律援助法": "中华人民共和国法律援助法",
    "劳动保障监察条例": "劳动保障监察条例",
    "民事诉讼法": "中华人民共和国民事诉讼法（2023年修正）",
    "诉讼费用交纳办法": "诉讼费用交纳办法",
    "工伤保险条例": "工伤保险条例",
    "社会保险法": "中华人民共和国社会保险法",
    "刑法": "中华人民共和国刑法",
    "人民调解法": "中华人民共和国人民调解法",
    "建筑法": "中华人民共和国建筑法",
    "劳动争议解释（一）": "最高人民法院关于审理劳动争议案件适用法律问题的解释（一）（法释〔2020〕26号）",
    "劳动争议解释（二）": "最高人民法院关于审理劳动争议案件适用法律问题的解释（二）（法释〔2025〕12号）",
    "失信联合惩戒名单管理暂行办法": "拖欠农民工工资失信联合惩戒对象名单管理暂行办法（人力资源社会保障部令第45号）",
}


def test_rows_said_checked_against_statutes_md_are_there():
    """A row whose source is statutes.md names an article that file holds."""
    path = STATUTES_MD
    sections: dict[str, set[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = set()
        elif line.startswith("### 第") and current:
            m = re.match(r"### 第(\d+)条(之一)?", line)
            sections[current].add(m.group(1) + (m.group(2) or ""))
    import yaml
    source = {r["id"]: r.get("source", "") for r in yaml.safe_load(cit.INDEX_PATH.read_text(encoding="utf-8"))}
    missing = []
    for e in load_index().values():
        if source[e.id] != "statutes.md" or e.superseded_by:
            continue   # an old number is checked against statutes.md's numbering note, not a heading
        held = sections.get(STATUTE_SECTIONS.get(e.law, ""), set())
        if e.article not in held:
            missing.append(f"{e.id}: {e.law} {e.article}")
    assert missing == []

