"""The portal's article citations, found in its text and checked against one index.

Why: the guides, the poster, the calculator and the application cite articles of a dozen laws, and
the numbers move (the Civil Procedure Law renumbered its payment-order chapter in 2021 and again
in 2023). ``citations.yaml`` beside this module lists every article the portal may cite, in the
project's own words, each checked against the verbatim text (``shared/reference/statutes.md``).
``find_citations`` reads a text the way a reader does: a law named (《劳动合同法》, 条例, Labour
Contract Law, 法释〔2025〕12号 …) and the articles after it (第三十八条, 第38条第1款第2项, 第225条至第228条,
条例36, art. 46, 47, arts. 16–22, art. 34 of the Regulations …). ``check`` returns what a reader
would be misled by: an article the index does not know, one cited by a superseded number, or an
article whose law the text never names.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

INDEX_PATH = Path(__file__).with_name("citations.yaml")

# Canonical law name (as the index's ``law`` field writes it) → the other names a page may use.
# Longer names are tried first, so 劳动合同法实施条例 is never read as 劳动合同法 and 监察条例 never as 条例.
LAWS: dict[str, tuple[str, ...]] = {
    "保障农民工工资支付条例": (
        "保障农民工工资支付条例", "条例", "农民工工资支付条例",
        "Regulations on Ensuring Payment of Wages to Migrant Workers", "Wage Payment Regulations",
        "Regulations"),
    "劳动合同法": ("中华人民共和国劳动合同法", "劳动合同法", "Labour Contract Law", "Labor Contract Law", "LCL"),
    "劳动合同法实施条例": (
        "劳动合同法实施条例", "实施条例",
        "Implementing Regulations of the Labour Contract Law", "Implementing Regulations"),
    "劳动法": ("中华人民共和国劳动法", "劳动法", "Labour Law"),
    "劳动争议调解仲裁法": (
        "中华人民共和国劳动争议调解仲裁法", "劳动争议调解仲裁法", "调解仲裁法",
        "Labour Dispute Mediation and Arbitration Law", "Mediation and Arbitration Law"),
    "法律援助法": ("中华人民共和国法律援助法", "法律援助法", "法援法", "Legal Aid Law"),
    "劳动保障监察条例": (
        "劳动保障监察条例", "监察条例",
        "Labour Security Inspection Regulations", "Regulations on Labour Security Inspection"),
    "民事诉讼法": ("中华人民共和国民事诉讼法", "民事诉讼法", "民诉法", "Civil Procedure Law"),
    "民诉法解释": (
        "最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释", "最高人民法院关于适用《中华人民共和国民事诉讼法》的解释", "民诉法解释", "民事诉讼法解释",
        "法释〔2022〕11号", "Interpretation on the Civil Procedure Law"),
    "诉讼费用交纳办法": ("诉讼费用交纳办法", "Measures on Litigation Fees", "Measures on the Payment of Litigation Costs"),
    "工伤保险条例": (
        "工伤保险条例", "工伤条例",
        "Regulations on Work-Related Injury Insurance", "Work-Related Injury Insurance Regulations",
        "Work Injury Insurance Regulations"),
    "社会保险法": ("中华人民共和国社会保险法", "社会保险法", "Social Insurance Law"),
    "刑法": ("中华人民共和国刑法", "刑法", "Criminal Law"),
    "刑事诉讼法": ("中华人民共和国刑事诉讼法", "刑事诉讼法", "刑诉法", "Criminal Procedure Law"),
    "人民调解法": ("中华人民共和国人民调解法", "人民调解法", "People's Mediation Law", "People’s Mediation Law"),
    "建筑法": ("中华人民共和国建筑法", "建筑法", "Construction Law"),
    "劳动争议解释（一）": (
        "最高人民法院关于审理劳动争议案件适用法律问题的解释（一）", "劳动争议解释（一）", "解释（一）", "解释(一)",
        "法释〔2020〕26号", "Interpretation (I) on labour disputes", "Interpretation (I)"),
    "劳动争议解释（二）": (
        "最高人民法院关于审理劳动争议案件适用法律问题的解释（二）", "劳动争议解释（二）", "解释（二）", "解释(二)",
        "法释〔2025〕12号", "Interpretation (II) on labour disputes", "Interpretation (II)"),
    "劳动争议解释（三）": (
        "最高人民法院关于审理劳动争议案件适用法律若干问题的解释（三）", "劳动争议解释（三）", "解释（三）",
        "法释〔2010〕12号", "Interpretation (III)"),
    "拒不支付劳动报酬刑事案件解释": (
        "最高人民法院关于审理拒不支付劳动报酬刑事案件适用法律若干问题的解释", "法释〔2013〕3号",
        "Interpretation on refusing to pay labour remuneration"),
    "失信联合惩戒名单管理暂行办法": (
        "拖欠农民工工资失信联合惩戒对象名单管理暂行办法", "人社部令第45号", "人力资源社会保障部令第45号",
        "MOHRSS Order No. 45"),
    "关于执行《工伤保险条例》若干问题的意见": (
        "关于执行〈工伤保险条例〉若干问题的意见", "关于执行《工伤保险条例》若干问题的意见", "人社部发〔2013〕34号"),
    "工资支付暂行规定": ("工资支付暂行规定", "Provisional Regulations on Wage Payment"),
    "个人信息保护法": ("中华人民共和国个人信息保护法", "个人信息保护法", "Personal Information Protection Law", "PIPL"),
}

_ALIAS_TO_LAW = {alias: law for law, aliases in LAWS.items() for alias in aliases}
_CJK = "\u4e00-\u9fff"


def _alias_pattern(alias: str) -> str:
    p = re.escape(alias)
    if alias == "条例":
        # bare 条例 is the wage regulations only when no name runs into it (依照条例, 《条例》, not 地图管理条例)
        return rf"(?:(?<![{_CJK}A-Za-z])|(?<=[依照据按见该的和及与或即是由在对同]))条例"
    if alias in ("实施条例", "监察条例", "工伤条例", "调解仲裁法", "刑法", "劳动法"):
        return rf"(?<![{_CJK}]){p}"
    if alias == "Regulations":
        return r"(?<!-)\bRegulations\b"
    if re.match(r"[A-Za-z]", alias):
        return rf"\b{p}\b" if alias[-1].isalnum() else rf"\b{p}"
    return p


_LAW_RE = re.compile(
    r"《(?P<book>[^《》\n]{1,60})》|" + "|".join(
        f"(?:{_alias_pattern(a)})" for a in sorted(_ALIAS_TO_LAW, key=len, reverse=True)))

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(?:\d+|[零〇一二两三四五六七八九十百]+)"
_ZH_ART = re.compile(
    rf"第\s*(?P<a>{_NUM})\s*条(?P<zhi>之一)?"
    rf"(?:\s*(?:至|到|—|–|-|~|～)\s*第?\s*(?P<b>{_NUM})\s*条)?")
_ZH_RANGE = re.compile(rf"第\s*(?P<a>\d+)\s*[–—\-~～]\s*(?P<b>\d+)\s*条")
_ALIAS_NUM = re.compile(r"\s*(?P<a>\d+)(?:\s*[–—\-]\s*(?P<b>\d+))?(?![\d.%])")
_EN_ART = re.compile(r"\b(?:[Aa]rts?\.|[Aa]rticles?)\s*(?=\d)")
_EN_ITEM = re.compile(r"(?P<a>\d+)(?:-(?P<one>1)\b(?!\d)|\s*[–—]\s*(?P<b>\d+)|-(?P<b2>\d+))?(?:\(\d+\))*")
_EN_OF_LAW = re.compile(r"\s+of\s+(?:the\s+)?")
_ALIAS_NUM_LAWS = ("条例", "民诉法", "调解仲裁法", "劳动合同法", "监察条例", "工伤条例", "法援法",
                   "解释（一）", "解释（二）", "民诉法解释", "社会保险法", "刑法")


def cn_number(text: str) -> int:
    """第三十六 → 36, 二百二十五 → 225, 36 → 36."""
    if text.isdigit():
        return int(text)
    total, section = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            section = _CN_DIGITS[ch]
        elif ch == "十":
            total += (section or 1) * 10
            section = 0
        elif ch == "百":
            total += (section or 1) * 100
            section = 0
        else:
            raise ValueError(text)
    return total + section


@dataclass(frozen=True)
class Citation:
    """One article as a reader takes it: its law (canonical name, or the unknown book's own, or
    "" when the text names none) and its number ("38", "276之一")."""

    law: str
    article: str
    text: str        # what the page wrote, e.g. 第二百四十七条
    line: int        # 1-based line in the source, for the failure message


@dataclass(frozen=True)
class Entry:
    id: str
    law: str
    article: str
    says_zh: str
    says_en: str
    effective: str
    superseded_by: str | None = None


@lru_cache(maxsize=4)
def load_index(path: Path = INDEX_PATH) -> dict[tuple[str, str], Entry]:
    """The index as {(law, article): Entry}; raises ValueError on a row that cannot be read."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[tuple[str, str], Entry] = {}
    ids = set()
    for row in rows:
        entry = Entry(**{k: (str(v) if v is not None else None) for k, v in row.items()
                         if k in Entry.__dataclass_fields__})
        if entry.law not in LAWS:
            raise ValueError(f"{entry.id}: unknown law {entry.law!r} (add it to wagesafe.law.citations.LAWS)")
        if entry.id in ids or (entry.law, entry.article) in out:
            raise ValueError(f"{entry.id}: a second row for {entry.law} {entry.article}")
        ids.add(entry.id)
        out[(entry.law, entry.article)] = entry
    for entry in out.values():
        if entry.superseded_by and entry.superseded_by not in ids:
            raise ValueError(f"{entry.id}: superseded_by {entry.superseded_by!r} is not a row")
    return out


def _law_of(match: re.Match) -> str:
    book = match.group("book")
    if book is None:
        return _ALIAS_TO_LAW[match.group(0)]
    book = book.strip()
    if book in _ALIAS_TO_LAW:
        return _ALIAS_TO_LAW[book]
    # a book title that starts with a known name and adds a version: 《民事诉讼法（2023年修正）》
    for alias in sorted(_ALIAS_TO_LAW, key=len, reverse=True):
        if len(alias) > 2 and book.startswith(alias) and not re.match(r"[A-Za-z]", alias):
            return _ALIAS_TO_LAW[alias]
    return "《" + book + "》"


def _articles(a: str, b: str | None, zhi: bool = False) -> list[str]:
    first = cn_number(a)
    if zhi:
        return [f"{first}之一"]
    last = cn_number(b) if b else first
    if last < first or last - first > 30:
        return [str(first), str(last)] if b else [str(first)]
    return [str(n) for n in range(first, last + 1)]


def find_in_segment(text: str, line_of=lambda pos: 1, law: str = "") -> list[Citation]:
    """The citations of one paragraph (a law named earlier in it carries on to later articles)."""
    events: list[tuple[int, int, str, object]] = []   # (start, end, kind, payload)
    for m in _LAW_RE.finditer(text):
        events.append((m.start(), m.end(), "law", m))
    for m in _ZH_RANGE.finditer(text):
        events.append((m.start(), m.end(), "arts", (_articles(m.group("a"), m.group("b")), m.group(0))))
    for m in _ZH_ART.finditer(text):
        events.append((m.start(), m.end(), "arts",
                       (_articles(m.group("a"), m.group("b"), bool(m.group("zhi"))), m.group(0))))
    for m in _EN_ART.finditer(text):
        pos, arts = m.end(), []
        while True:
            item = _EN_ITEM.match(text, pos)
            if not item:
                break
            if item.group("one"):
                arts.append(f"{item.group('a')}之一")
            else:
                arts.extend(_articles(item.group("a"), item.group("b") or item.group("b2")))
            pos = item.end()
            pos = _skip_parenthetical(text, pos)
            sep = re.match(r"\s*(?:,|、|and|&)\s*(?=\d)", text[pos:])
            if not sep:
                break
            pos += sep.end()
        if arts:
            events.append((m.start(), pos, "arts_en", (arts, text[m.start():pos])))
    events.sort(key=lambda e: (e[0], -e[1]))
    out: list[Citation] = []
    covered_to = -1
    for start, end, kind, payload in events:
        if start < covered_to:
            continue      # inside a longer match already read (第225条至第228条, a law's own title)
        if kind == "law":
            law = _law_of(payload)
            alias = payload.group(0)
            if alias in _ALIAS_NUM_LAWS or alias.strip("《》") in _ALIAS_NUM_LAWS:
                m = _ALIAS_NUM.match(text, end)
                if m and not text[end:end + 1].isspace():
                    for art in _articles(m.group("a"), m.group("b")):
                        out.append(Citation(law, art, alias + m.group(0), line_of(start)))
                    end = m.end()
            covered_to = end
            continue
        arts, written = payload
        cited_law = law
        if kind == "arts_en" and not law:
            after = _EN_OF_LAW.match(text, end)
            if after:
                m = _LAW_RE.match(text, after.end())
                if m:
                    cited_law = _law_of(m)
        elif kind == "arts_en":
            after = _EN_OF_LAW.match(text, end)
            m = _LAW_RE.match(text, after.end()) if after else None
            if m:
                cited_law = _law_of(m)
        for art in arts:
            out.append(Citation(cited_law, art, written, line_of(start)))
        covered_to = end
    return out


def _skip_parenthetical(text: str, pos: int) -> int:
    """After ``art. 27``, skip `` (1-year limit; para. 2 restart)`` so its numbers are not articles."""
    m = re.match(r"\s*[(（]", text[pos:])
    if not m:
        return pos
    depth, i = 0, pos + m.end() - 1
    while i < len(text):
        if text[i] in "(（":
            depth += 1
        elif text[i] in ")）":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return pos


def _line_counter(text: str, base: int = 1):
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def line_of(pos: int) -> int:
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return base + lo
    return line_of


def find_in_text(text: str) -> list[Citation]:
    """Citations of a page or a script: a law carries within its paragraph (blank lines part them)."""
    out: list[Citation] = []
    line_of = _line_counter(text)
    for m in re.finditer(r"(?:[^\n]|\n(?!\s*\n))+", text):
        segment_line = _line_counter(m.group(0), base=line_of(m.start()))
        out.extend(find_in_segment(m.group(0), segment_line))
    return out


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                ids.add(id(body[0].value))
    return ids


def _has_cjk(text: str) -> bool:
    return bool(re.search(f"[{_CJK}]", text))


def find_in_python(source: str) -> list[Citation]:
    """Citations in a module's strings (what a person reads: not its docstrings or comments).

    A string that cites an article without naming its law takes the law of the string just
    before it, when that one is on the line above and in the same language (a PDF's lines
    written one ``d.line`` after another read as one paragraph)."""
    tree = ast.parse(source)
    skip = _docstring_nodes(tree)
    consts = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                     and id(n) not in skip), key=lambda n: (n.lineno, n.col_offset))
    out: list[Citation] = []
    prev: tuple[int, bool, str] | None = None     # (end line, cjk?, law in force at its end)
    for node in consts:
        text = node.value
        carried = ""
        if prev and node.lineno - prev[0] <= 1 and prev[1] == _has_cjk(text):
            carried = prev[2]
        found = find_in_segment(text, lambda pos, n=node: n.lineno, law=carried)
        out.extend(found)
        laws = [_law_of(m) for m in _LAW_RE.finditer(text)]
        prev = (node.end_lineno or node.lineno, _has_cjk(text), laws[-1] if laws else carried)
    return out


def find_in_file(path: Path) -> list[Citation]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return find_in_python(text)
    if path.suffix in (".html", ".htm"):
        text = re.sub(r"<[^>]+>", " ", text)
    return find_in_text(text)


def problem(citation: Citation, index: dict[tuple[str, str], Entry] | None = None) -> str | None:
    """Why a reader would be misled by this citation, or None when it is in the index and current."""
    index = load_index() if index is None else index
    if not citation.law:
        return f"{citation.text}: the text names no law for this article"
    entry = index.get((citation.law, citation.article))
    if entry is None:
        return f"{citation.text}: {citation.law} art. {citation.article} is not in wagesafe/law/citations.yaml"
    if entry.superseded_by:
        new = next(e for e in index.values() if e.id == entry.superseded_by)
        return (f"{citation.text}: {citation.law} art. {citation.article} is a superseded number; "
                f"cite {new.law} art. {new.article} ({new.id})")
    return None


def check_files(paths) -> list[str]:
    """Every misleading citation in these files, as ``path:line: why``."""
    index = load_index()
    out = []
    for path in paths:
        for c in find_in_file(Path(path)):
            why = problem(c, index)
            if why:
                out.append(f"{path}:{c.line}: {why}")
    return out
