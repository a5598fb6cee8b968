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


# --- issue 27: the second review's rows and §3 ---------------------------------------------------

def _guide(name: str) -> str:
    return (DOCS / "guides" / name).read_text(encoding="utf-8")


def test_leaving_guide_says_at_once_in_writing_and_compensation():
    """§3.1: 劳动合同法38 (at once, in writing, the unpaid wages as the reason), 46, 47 with both caps, 87."""
    zh, en = _guide("leaving-for-unpaid-wages.md"), _guide("leaving-for-unpaid-wages.en.md")
    for must in ("**马上**解除劳动合同", "写下来", "自己辞职", "经济补偿", "**6个月以上**按1年算", "**半个月**",
                 "**3倍**", "**12年**", "**两倍**", "第三十八条", "第38条", "第46条", "第47条", "第87条"):
        assert must in zh, must
    for must in ("**at once**", "in writing", "of your own accord", "economic compensation", "**6 months or more**",
                 "**half a month's**", "**3 times**", "**12 years**", "**twice**", "art. 38", "46", "47", "87"):
        assert must in en, must
    # the examples are the review's case E: 2 years → 12,000; 2 y 7 m → 18,000; 2 y 3 m → 15,000
    assert "| 2年 | 2个月 | 12000元 |" in zh and "| 2年7个月 | 3个月 | 18000元 |" in zh and "15000元" in zh


def test_leaving_guide_is_linked_and_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "guides/leaving-for-unpaid-wages.md" in nav
    for page in ("guides/index.md", "guides/index.en.md", "guides/what-to-do.md", "guides/what-to-do.en.md",
                 "calculator/index.md", "calculator/index.en.md"):
        assert "leaving-for-unpaid-wages.md" in (DOCS / page).read_text(encoding="utf-8"), page


def test_built_portal_tells_of_leaving_cites_2025_interpretation_and_12345_national(site):  # noqa: F811
    zh = (site / "guides" / "leaving-for-unpaid-wages" / "index.html").read_text(encoding="utf-8")
    en = (site / "en" / "guides" / "leaving-for-unpaid-wages" / "index.html").read_text(encoding="utf-8")
    assert "经济补偿" in zh and "第38条" in zh and "第47条" in zh and "economic compensation" in en
    pages = [p.read_text(encoding="utf-8") for p in site.rglob("*.html")]
    assert sum("法释〔2025〕12号" in p for p in pages) >= 6
    for rel in ("guides/what-to-do/index.html", "en/guides/what-to-do/index.html"):
        html = (site / rel).read_text(encoding="utf-8")
        assert "全国统一的政务服务便民热线" in html or "the national government service hotline" in html, rel


def test_12345_is_not_called_local_practice():
    """Row 4: 12345 is the national hotline; only its local routing is local practice."""
    for name in ("what-to-do.md", "what-to-do.en.md"):
        for line in _guide(name).splitlines():
            if "本县做法" in line or line.startswith("- Local practice"):
                assert "12345" not in line, line


def test_year_limit_comes_first_and_runs_beside_a_complaint():
    """§3.10: the 1-year limit at the top of the step-by-step guide; complaint and arbitration in parallel."""
    zh, en = _guide("what-to-do.md"), _guide("what-to-do.en.md")
    assert zh.index("离职后**1年**内") < zh.index("## 第1步") and "可以同时办" in zh
    assert en.index("within **1 year** of leaving") < en.index("## Step 1") and "at the same time" in en
    assert "任选一种：" not in zh  # the channels are a choice; arbitration is not one of them


def test_iou_and_payment_order_carry_their_conditions():
    """Rows 19 and 21: the employer's IOU, for that debt alone; the order lapses only on a valid objection."""
    zh, en = _guide("what-to-do.md"), _guide("what-to-do.en.md")
    assert "有老板签字的欠条" not in zh and "单位出具的工资欠条" in zh and "包工头个人写的欠条" in zh
    assert "老板一提出异议，支付令就失效" not in zh and "异议成立" in zh and "没有别的债务纠纷" in zh
    assert "issued by the employer" in en and "finds the objection valid" in en
    assert "if the boss objects, the order lapses" not in en


def test_oral_application_and_mediation_bodies():
    """§3.7 and row 9: a worker who cannot write applies orally; the three mediation bodies."""
    assert "**口头申请**" in _guide("what-to-do.md") and "apply **orally**" in _guide("what-to-do.en.md")
    assert "第28条（书面申请；书写确有困难的可以口头申请）" in _guide("what-to-do.md")


def test_who_pays_cites_the_2025_interpretation_and_art_37():
    """Row 32 and §3.2–3: 条例36 names only the owner and the general contractor; 解释（二）1–2; 条例37."""
    zh, en = _guide("your-rights.md"), _guide("your-rights.en.md")
    assert "可能是建设单位，也可能是总包或分包单位" not in zh
    assert "法释〔2025〕12号" in zh and "第37条" in zh and "不只管工地" in zh
    assert "法释〔2025〕12号" in en and "art. 37" in en and "not only for building sites" in en
    for name in ("not-on-a-building-site.md", "not-on-a-building-site.en.md", "work-injury.md", "work-injury.en.md"):
        assert "法释〔2025〕12号" in _guide(name), name


def test_double_wages_exception_and_year():
    """Row 28: when the year runs is unsettled (apply early); 解释（二）7's exception."""
    zh = _guide("your-rights.md")
    assert "尽早申请" in zh and "不可抗力" in zh and "第7条（不可抗力或劳动者本人故意、重大过失" in zh
    assert "apply early" in _guide("your-rights.en.md") and "force majeure" in _guide("your-rights.en.md")


def test_work_injury_fund_advance_and_grading():
    """§3.4: 社会保险法41 and 工伤条例21–23."""
    zh, en = _guide("work-injury.md"), _guide("work-injury.en.md")
    assert "先行支付" in zh and "《社会保险法》第41条" in zh and "劳动能力鉴定" in zh and "第21条、第22条、第23条" in zh
    assert "**advance**" in en and "Social Insurance Law" in en and "art. 21, 22, 23" in en


def test_limitation_in_practice():
    """§3.5: the last day worked, provable interruptions, the complaint form and the 2-year cutoff."""
    zh, en = _guide("deadlines.md"), _guide("deadlines.en.md")
    assert "**最后干活的那天**" in zh and "拿得出证明" in zh and "快满2年" in zh
    assert "**the last day you worked**" in en and "**prove it**" in en and "nearly 2 years old" in en


def test_evidence_names_the_chat_partner_and_recordings():
    """§3.11: the chat partner's profile; recordings under 民诉法解释106."""
    zh, en = _guide("evidence.md"), _guide("evidence.en.md")
    assert "资料页" in zh and "第106条" in zh and "劳社部发〔2005〕12号" in zh
    assert "profile page" in en and "art. 106" in en


def test_legal_aid_one_go_notice_is_law_and_where_to_apply():
    """Rows 48, 49: 法援法38 decides where to apply; 一次性告知 is statutory (43)."""
    zh, en = _guide("free-legal-aid.md"), _guide("free-legal-aid.en.md")
    local = zh[zh.index("## 本县的绿色通道"):zh.index("## 法律依据")]
    assert "一次性" not in local.split("不查经济困难、7天决定")[0]
    assert "材料不全一次性告知" in zh and "第38条" in zh and "仲裁委所在地" in zh
    assert "told in one go what is missing" in en and "38 (a lawsuit" in en


def test_crime_reduction_only_without_serious_consequences():
    """Row 59: 276-1(3) applies only where no serious consequences followed."""
    assert "**没有造成严重后果**" in _guide("refusal-to-pay-crime.md")
    assert "**no serious consequences**" in _guide("refusal-to-pay-crime.en.md")


def test_enforcement_court_and_judicial_confirmation():
    """Rows 70, 72: 民诉法235 for judgments; 司法确认 jointly within 30 days."""
    zh, en = _guide("after-winning.md"), _guide("after-winning.en.md")
    assert "一审法院" in zh and "第235条" in zh and "第250条" in zh and "**30天内一起**" in zh
    assert "first" in en and "art. 235" in en and "**together, within 30 days**" in en


def test_winter_campaign_advance_is_a_may():
    """Row 84: 条例63 is discretionary."""
    zh = (DOCS / "updates" / "posts" / "2026-12-01-winter-campaign.md").read_text(encoding="utf-8")
    en = (DOCS / "updates" / "posts" / "2026-12-01-winter-campaign.en.md").read_text(encoding="utf-8")
    assert "**可以**用应急周转金" in zh and "不是一定给" in zh
    assert "**may** advance" in en and "not guaranteed" in en


def _jurisdiction_basis(text: str) -> list[str]:
    """The citation right after each statement of who has jurisdiction (管辖, 负责处理, handles your case)."""
    return [m.group(1) for m in re.finditer(r"(?:管辖|负责处理|handles your case)[^（(]{0,12}[（(]([^）)]+)[）)]", text)]


def test_jurisdiction_is_not_cited_to_art_10():
    """Row 106: territorial jurisdiction is 劳动保障监察条例第十三条; 条例第十条 only passes on and tells."""
    import ast
    from formsvc.case import county_transfer
    template = (ROOT / "formsvc" / "web" / "desk" / "templates" / "desk" / "_county_transfer.html").read_text(encoding="utf-8")
    strings = "\n".join(n.value for n in ast.walk(ast.parse(Path(county_transfer.__file__).read_text(encoding="utf-8")))
                        if isinstance(n, ast.Constant) and isinstance(n.value, str))
    bases = _jurisdiction_basis(template) + _jurisdiction_basis(strings)
    assert len(bases) >= 3, bases   # the desk's note, the worker's zh and en words
    assert all("劳动保障监察条例" in b or "Labour Security Inspection" in b for b in bases), bases
    # the check reads the old wrong sentence as wrong
    assert _jurisdiction_basis("欠薪发生地在该县，由该县负责处理（《保障农民工工资支付条例》第十条）。") == ["《保障农民工工资支付条例》第十条"]


def test_open311_other_wages_cites_chapter_3():
    """Row 109: clearing arrears for every employer is chapter 3 (arts. 16–22), not chapter 2."""
    from formsvc.case import open311_services
    other = next(s for s in open311_services.BUILT_IN if s.code == open311_services.WAGE_OTHER)
    assert "第三章" in other.description and "第二章" not in other.description


def test_sample_defaulters_are_obviously_fictional():
    """Item 7: a real-sounding firm on a blacklist is a risk; every sample row says 示例 and 虚构."""
    reg = load_registry(ROOT / "data")
    assert reg.defaulters and all("示例" in d.unit_name and "虚构" in d.unit_name for d in reg.defaulters)
