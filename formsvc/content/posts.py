"""Policy updates as files: a form's fields ↔ ``docs/updates/posts/<date>-<name>.md`` (Chinese) and
``.en.md`` (English), written exactly as the editor's guide tells a person to write them (front
matter ``title``, ``date``, ``categories``, ``summary``; the title as the page's heading)."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

import yaml

from wagesafe.posts import CATEGORIES, as_date

from .files import read_text

NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
SLUG_RE = re.compile(r"^\d{4}-\d{2}-\d{2}-[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
_FRONT = re.compile(r"^---[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.S)


@dataclass
class UpdateFields:
    """What the desk's form for an update holds (all text, as typed)."""

    date: str = ""
    name: str = ""            # the short Latin name in the address: 2026-12-01-<name>
    category: str = "政策"
    title_zh: str = ""
    summary_zh: str = ""
    body_zh: str = ""
    title_en: str = ""
    summary_en: str = ""
    body_en: str = ""

    @classmethod
    def from_form(cls, form) -> "UpdateFields":
        values = {f.name: (form.get(f.name) or "").replace("\r\n", "\n").strip() for f in fields(cls)}
        return cls(**values)

    @property
    def slug(self) -> str:
        return f"{self.date}-{self.name}"

    @property
    def has_english(self) -> bool:
        return bool(self.title_en or self.summary_en or self.body_en)


def posts_dir(docs_dir: Path) -> Path:
    return docs_dir / "updates" / "posts"


def problems(u: UpdateFields, *, new: bool, docs_dir: Path) -> dict[str, str]:
    """Each field's problem, in Chinese then English (empty: the update may be published)."""
    found: dict[str, str] = {}
    if as_date(u.date) is None or not re.match(r"^\d{4}-\d{2}-\d{2}$", u.date):
        found["date"] = "请填写发布日期，格式 2026-12-01。Enter the date as YYYY-MM-DD."
    if not NAME_RE.match(u.name):
        found["name"] = ("网址名只用小写英文字母、数字和连字符，例如 winter-campaign。"
                         "Use lowercase Latin letters, digits and hyphens, e.g. winter-campaign.")
    elif new and "date" not in found and (posts_dir(docs_dir) / f"{u.slug}.md").exists():
        found["name"] = "这一天已有同名动态，请换一个网址名。An update with this date and name exists; choose another name."
    if u.category not in CATEGORIES:
        found["category"] = "请选择类别。Choose a category."
    for name, label, limit in (("title_zh", "标题", 80), ("summary_zh", "摘要", 200), ("body_zh", "正文", 20000)):
        value = getattr(u, name)
        if not value:
            found[name] = f"请填写中文{label}。The Chinese {name.split('_')[0]} is required."
        elif len(value) > limit:
            found[name] = f"中文{label}最多 {limit} 个字（现在 {len(value)}）。At most {limit} characters."
    if u.has_english:
        for name, label in (("title_en", "英文标题"), ("body_en", "英文正文")):
            if not getattr(u, name):
                found[name] = (f"写了英文版就要有{label}；不写英文版请把英文各栏都留空。"
                               f"An English version needs its {name.split('_')[0]}; leave every English box empty for none.")
    return found


def compose(u: UpdateFields, lang: str) -> str | None:
    """The file's text for ``lang`` (``None``: no English file)."""
    if lang == "en" and not u.has_english:
        return None
    title, summary, body = (u.title_zh, u.summary_zh, u.body_zh) if lang == "zh" else (u.title_en, u.summary_en, u.body_en)
    meta = {"title": title, "date": as_date(u.date),
            "categories": [u.category if lang == "zh" else CATEGORIES[u.category]]}
    if summary:
        meta["summary"] = summary
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    text = f"---\n{front}---\n\n# {title}\n\n{body.strip()}\n"
    assert yaml.safe_load(_FRONT.match(text).group(1)) == meta  # what the build will read back
    return text


def item_value(u: UpdateFields) -> dict:
    return {"zh": compose(u, "zh"), "en": compose(u, "en")}


def read_item(docs_dir: Path, slug: str) -> dict | None:
    """The update's files as they are now (``None``: no such update)."""
    base = posts_dir(docs_dir)
    zh, en = read_text(base / f"{slug}.md"), read_text(base / f"{slug}.en.md")
    return None if zh is None and en is None else {"zh": zh, "en": en}


def write_item(docs_dir: Path, slug: str, value: dict | None) -> list[Path]:
    from .files import write_atomic

    base = posts_dir(docs_dir)
    paths = [base / f"{slug}.md", base / f"{slug}.en.md"]
    write_atomic(paths[0], (value or {}).get("zh"))
    write_atomic(paths[1], (value or {}).get("en"))
    return paths


def _split(text: str | None) -> tuple[dict, str]:
    if not text:
        return {}, ""
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError:
        meta = {}
    body = text[m.end():].lstrip("\n")
    title = str(meta.get("title") or "")
    first, _, rest = body.partition("\n")
    if title and first.strip() == f"# {title}":
        body = rest.lstrip("\n")
    return (meta if isinstance(meta, dict) else {}), body.rstrip("\n")


def fields_of(slug: str, value: dict) -> UpdateFields:
    """The form's fields for an existing update (a hand-written one too)."""
    zh_meta, zh_body = _split(value.get("zh"))
    en_meta, en_body = _split(value.get("en"))
    cats = zh_meta.get("categories") or ["政策"]
    d = as_date(zh_meta.get("date") or slug[:10])
    return UpdateFields(date=d.isoformat() if d else slug[:10], name=slug[11:],
                        category=str(cats[0] if isinstance(cats, list) and cats else cats),
                        title_zh=str(zh_meta.get("title") or ""), summary_zh=str(zh_meta.get("summary") or ""),
                        body_zh=zh_body, title_en=str(en_meta.get("title") or ""),
                        summary_en=str(en_meta.get("summary") or ""), body_en=en_body)


def list_updates(docs_dir: Path) -> list[dict]:
    """Every published update, newest first: slug, date, title, category, English or not."""
    out = []
    for path in posts_dir(docs_dir).glob("*.md"):
        if path.name.endswith(".en.md"):
            continue
        slug = path.name[:-3]
        meta, _ = _split(read_text(path))
        d = as_date(meta.get("date"))
        cats = meta.get("categories") or []
        out.append({"slug": slug, "date": d or date.min, "title": str(meta.get("title") or slug),
                    "category": str(cats[0]) if isinstance(cats, list) and cats else "",
                    "english": (path.with_name(f"{slug}.en.md")).exists()})
    return sorted(out, key=lambda u: (u["date"], u["slug"]), reverse=True)
