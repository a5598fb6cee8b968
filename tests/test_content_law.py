"""The corrections of the legal review (shared/reference/law-review.md) stay made.

Source-level checks read every page and every string a worker or an English reader sees; the
built-site checks read the sample portal as ``test_site`` builds it (its session fixture).
"""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from wagesafe.cli import main
from wagesafe.registry import RegistryError, load_registry
from wagesafe.sitegen import defaulters as defaulters_mod

from tests.test_site import BASE, POSTER_FILES, _env, registry, site  # noqa: F401  (session fixtures)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDES = sorted(p for p in (DOCS / "guides").glob("*.md") if p.stem not in ("index", "index.en"))
TEXT_SOURCES = [*DOCS.rglob("*.md"), ROOT / "qr" / "layout.py", ROOT / "wagesafe" / "sitegen" / "projects.py",
                ROOT / "formsvc" / "web" / "i18n.py"]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[。！？\n]", text) if s.strip()]


def _ties_illegal_subcontracting_to_art_30(text: str) -> list[str]:
    out = []
    for s in _sentences(text):
        if "违法分包" in s and re.search(r"第\s*30\s*条|第三十条", s):
            out.append(s.strip())
        if re.search(r"subcontract\w* illegally|illegal(ly)? subcontract", s, re.I) and re.search(r"art\. 30\b", s):
            out.append(s.strip())
    return out


def test_no_page_ties_illegal_subcontracting_to_art_30():
    """Art. 30(4) is 转包; illegal subcontracting to an individual or unqualified unit is art. 36."""
    wrong = [(p.name, s) for p in TEXT_SOURCES for s in _ties_illegal_subcontracting_to_art_30(
        p.read_text(encoding="utf-8"))]
    assert wrong == []


def test_no_page_ties_illegal_subcontracting_check_can_fail():
    """The two wrong sentences the review found are caught."""
    assert _ties_illegal_subcontracting_to_art_30("4. 违法分包的工程欠薪，也是总包单位先付（第30条）。")
    assert _ties_illegal_subcontracting_to_art_30(
        "4. If the project was subcontracted illegally, the general contractor also pays first (art. 30).")


def test_guides_say_turnkey_transfer_goes_to_the_general_contractor():
    text = (DOCS / "guides" / "your-rights.md").read_text(encoding="utf-8")
    assert "整个工程被转包" in text and "第30条（分包欠薪和转包" in text
    assert "第36条" in text


@pytest.mark.parametrize("path", GUIDES, ids=[p.name for p in GUIDES])
def test_every_guide_ends_with_its_legal_basis(path):
    text = path.read_text(encoding="utf-8")
    heading = "## Legal basis" if path.name.endswith(".en.md") else "## 法律依据"
    headings = re.findall(r"^## .+$", text, flags=re.M)
    assert headings and headings[-1].strip() == heading, path.name
    basis = text.split(heading, 1)[1]
    assert re.findall(r"^- .*《.+》", basis, flags=re.M), f"{path.name}: the legal basis names no law"


def test_every_guide_has_its_english_twin_and_so_has_every_post():
    for p in [*GUIDES, *(DOCS / "updates" / "posts").glob("*.md")]:
        if not p.name.endswith(".en.md"):
            assert p.with_name(p.stem + ".en.md").exists(), p.name


def test_one_english_word_for_the_team_boss():
    bad = []
    for path in TEXT_SOURCES:
        text = path.read_text(encoding="utf-8")
        for word in ("gang boss", "labour boss", "team leader", "main contractor"):
            if word in text.lower():
                bad.append((path.name, word))
    assert bad == []


def test_means_review_waiver_is_named_precisely():
    """"免于审查" alone reads as "no review at all"; the waiver is of the financial-hardship check."""
    for path in DOCS.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert "免于审查" not in text, path


def test_art_85_extra_is_a_possibility_the_authority_orders():
    for name in ("what-to-do.md", "what-to-do.en.md"):
        text = (DOCS / "guides" / name).read_text(encoding="utf-8")
        assert ("可以" in text and "不是自动就有" in text) or ("may" in text and "not automatic" in text)
        assert "第30条、第85条" not in text  # the order to pay is art. 85, the payment order art. 30


def test_work_injury_year_counts_from_the_accident():
    for name in ("work-injury.md", "deadlines.md"):
        assert "受伤那天起**1年**" in (DOCS / "guides" / name).read_text(encoding="utf-8")
    for name in ("work-injury.en.md", "deadlines.en.md"):
        assert "within **1 year** of the accident" in (DOCS / "guides" / name).read_text(encoding="utf-8")


# --- the built portal -------------------------------------------------------------------------

def test_english_project_page_says_project_owner(site, registry):  # noqa: F811
    code = next(iter(registry.projects))
    en = (site / "en" / "projects" / code / "index.html").read_text(encoding="utf-8")
    assert "Project owner (建设单位)" in en and "Builder" not in en
    zh = (site / "projects" / code / "index.html").read_text(encoding="utf-8")
    assert "建设单位" in zh


def test_minimum_wage_date_reads_in_chinese_word_order(site, registry):  # noqa: F811
    code = next(iter(registry.projects))
    d = registry.county.minimum_wage.effective_from.isoformat()
    zh = (site / "projects" / code / "index.html").read_text(encoding="utf-8")
    assert f"（{d}起执行）" in zh and "(起执行" not in zh
    en = (site / "en" / "projects" / code / "index.html").read_text(encoding="utf-8")
    assert f"(since {d})" in en


def test_legal_aid_page_links_the_contact_card(site):  # noqa: F811
    for rel, prefix in (("legal-aid/index.html", "../"), ("en/legal-aid/index.html", "../../")):
        html = (site / rel).read_text(encoding="utf-8")
        assert f'href="{prefix}posters/_legal-aid-card/card.pdf"' in html
        assert f'href="{prefix}posters/_legal-aid-card/card-a4.pdf"' in html


# --- registry-driven rules: a copy of the sample registry, changed, built -----------------------

def _add_column(path: Path, column: str, values: dict[str, str], key: str = "code") -> None:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    names = list(rows[0].keys()) + ([column] if column not in rows[0] else [])
    for r in rows:
        r[column] = values.get(r[key], r.get(column, ""))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=names, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _drop_subcontractors(data: Path, codes: set[str]) -> None:
    path = data / "subcontractors.csv"
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(r for r in rows if r["project"] not in codes)


@pytest.fixture(scope="module")
def changed(tmp_path_factory):
    """qh001: no subcontractor, registry says "no"; qh002: none listed, nothing said; a township
    with no project; the sample defaulters; built on a fixed day."""
    base = tmp_path_factory.mktemp("changed")
    data = base / "data"
    shutil.copytree(ROOT / "data", data)
    _drop_subcontractors(data, {"qh001", "qh002"})
    _add_column(data / "projects.csv", "subcontracted", {"qh001": "no"})
    with (data / "townships.csv").open("a", encoding="utf-8") as fh:
        fh.write("newtown,新建镇,Xinjian Town,镇,冯新,13600000999,xinjian.officer@qinghe.example.gov.cn,no,,,\n")
    site_dir = base / "site"
    return data, site_dir


@pytest.fixture(scope="module")
def changed_site(changed):
    data, site_dir = changed
    mp = pytest.MonkeyPatch()
    mp.setattr(defaulters_mod, "build_day", lambda reg=None: date(2026, 12, 1))
    try:
        result = CliRunner().invoke(main, ["build"], env=_env(data, site_dir), catch_exceptions=False)
    finally:
        mp.undo()
    assert result.exit_code == 0, result.output
    return site_dir


def test_none_only_when_the_registry_says_so(changed_site):
    said_no = (changed_site / "projects" / "qh001" / "index.html").read_text(encoding="utf-8")
    unknown = (changed_site / "projects" / "qh002" / "index.html").read_text(encoding="utf-8")
    assert "无（本项目未分包）" in said_no and "未登记" not in said_no
    assert "无（本项目未分包）" not in unknown and "未登记（可向总包项目部或劳资专管员询问）" in unknown


def test_no_with_subcontractors_listed_is_a_registry_problem(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    _add_column(data / "projects.csv", "subcontracted", {"qh003": "no"})
    with pytest.raises(RegistryError) as err:
        load_registry(data)
    assert "subcontracted" in err.value.report() and "says no" in err.value.report()


def test_poster_prints_none_only_when_the_registry_says_so(changed):
    from qr import layout
    from qr.content import poster_content

    reg = load_registry(changed[0])
    rows = {code: dict(layout._parties_rows(poster_content(reg, reg.project(code), BASE)))
            for code in ("qh001", "qh002")}
    assert rows["qh001"]["分包单位"] == "无（本项目未分包）"
    assert rows["qh002"]["分包单位"].startswith("未登记")


def test_every_township_is_on_the_portal_also_without_projects(changed_site):
    for lang_dir in (changed_site, changed_site / "en"):
        page = (lang_dir / "townships" / "newtown" / "index.html").read_text(encoding="utf-8")
        assert "冯新" in page and 'href="tel:13600000999"' in page and 'href="tel:12333"' in page
        index = (lang_dir / "projects" / "index.html").read_text(encoding="utf-8")
        assert 'href="../townships/newtown/"' in index


def test_defaulters_page_lists_entries_in_force_and_drops_expired(changed_site):
    page = (changed_site / "defaulters" / "index.html").read_text(encoding="utf-8")
    assert "91369900MA00000017" in page and "91369900MA00000025" in page
    assert "91369900MA00000033" not in page  # ended 2025-05-31: gone at the next build
    assert "示例数据，单位为虚构" in page and 'id="ws-filter-input"' in page
    en = (changed_site / "en" / "defaulters" / "index.html").read_text(encoding="utf-8")
    assert "Sample data: a fictional unit" in en


def test_project_page_flags_a_listed_party(changed_site, registry):  # noqa: F811
    flagged = [c for c, p in registry.projects.items() if p.general_contractor == "示例·顺达建工集团有限公司（虚构）"]
    assert flagged
    html = (changed_site / "projects" / flagged[0] / "index.html").read_text(encoding="utf-8")
    assert "已列入拖欠农民工工资失信联合惩戒对象名单" in html and "../../defaulters/" in html
    other = next(c for c, p in registry.projects.items() if p.general_contractor != "示例·顺达建工集团有限公司（虚构）"
                 and p.builder != "示例·顺达建工集团有限公司（虚构）")
    assert "失信联合惩戒" not in (changed_site / "projects" / other / "index.html").read_text(encoding="utf-8")


def test_defaulters_file_rejects_a_bad_credit_code_and_reversed_dates(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    with (data / "defaulters.csv").open("a", encoding="utf-8") as fh:
        fh.write("某公司,12345,青禾县人社局,文号1,2026-01-01,2025-01-01,no\n")
    with pytest.raises(RegistryError) as err:
        load_registry(data)
    report = err.value.report()
    assert "credit_code" in report and "ends_on" in report
