"""What a policy update is, shared by the portal's build (``wagesafe.sitegen``) and the desk that
writes updates (``formsvc.content``): its categories and their English names, how its date is
written, the line under its title, and the Markdown pipeline of ``mkdocs.yml`` (so that the desk's
preview is made by the same extensions, with the same settings, as the page the portal builds).
"""

from __future__ import annotations

import posixpath
import re
from datetime import date, datetime
from pathlib import Path

import yaml

from wagesafe.config import ROOT


def e(text: str) -> str:
    """HTML-escaped text."""
    from html import escape

    return escape(str(text), quote=True)


def as_date(value: object) -> date | None:
    """A front matter's ``date`` (YAML gives a date; a string is read as YYYY-MM-DD), or None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


# The categories a post may carry (the desk offers these), Chinese → English. An English list or
# feed names a Chinese category by its English name; a category not in this table is left out
# of the English list rather than shown in Chinese.
CATEGORIES = {"政策": "Policy", "通知": "Notice", "案例": "Case", "解读": "Explainer", "活动": "Event"}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def category_name(category: str, lang: str) -> str:
    """The category as ``lang`` names it ("" when English has no name for a Chinese category)."""
    if lang == "zh":
        back = {en: zh for zh, en in CATEGORIES.items()}
        return back.get(category, category)
    if category in CATEGORIES:
        return CATEGORIES[category]
    return category if category.isascii() else ""


def date_words(d: date, lang: str) -> str:
    """A post's date as a reader writes it: 2026年6月18日, 18 June 2026."""
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def post_header_html(meta: dict, lang: str) -> str:
    """The line under a post's title: its date and categories (a post's own page)."""
    d = as_date(meta.get("date"))
    if d is None:
        return ""
    cats = meta.get("categories") or []
    names = [n for n in (category_name(str(c), lang) for c in (cats if isinstance(cats, list) else [cats])) if n]
    said = "发布于" if lang == "zh" else "Published"
    cat_html = "".join(f' <span class="ws-cat">{e(n)}</span>' for n in names)
    return (f'<p class="ws-post-date">{said} <time datetime="{d.isoformat()}">{e(date_words(d, lang))}</time>'
            f'{cat_html}</p>')




def markdown_settings(mkdocs_yml: Path | None = None) -> tuple[list, dict]:
    """The ``markdown_extensions`` of ``mkdocs.yml`` as (names, configs), the way MkDocs passes them."""
    raw = yaml.safe_load((mkdocs_yml or ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    names, configs = [], {}
    for item in raw.get("markdown_extensions") or []:
        if isinstance(item, dict):
            for name, cfg in item.items():
                names.append(name)
                if cfg:
                    configs[name] = cfg
        else:
            names.append(item)
    return names, configs


def render_markdown(text: str, src_uri: str | None = None, mkdocs_yml: Path | None = None) -> str:
    """``text`` (a page's Markdown, without front matter) as MkDocs turns it into a page's body.

    :param src_uri: the page's file under ``docs/`` (``updates/posts/x.md``): its links to other
                    pages (``../../guides/evidence.md``) become the URLs MkDocs writes for them.
    """
    import markdown

    names, configs = markdown_settings(mkdocs_yml)
    html = markdown.Markdown(extensions=names, extension_configs=configs).convert(text)
    return portal_links(html, src_uri) if src_uri else html


_HREF = re.compile(r'(<(?:a|img)\b[^>]*?\s(?:href|src)=")([^"]*)(")')


def portal_links(html: str, src_uri: str) -> str:
    """Relative links of a page's HTML made as MkDocs makes them with ``use_directory_urls``: a
    link to ``x.md`` goes to ``x/`` (``index.md`` to its folder), relative to the page's own URL."""
    src_dir = posixpath.dirname(src_uri)
    stem = src_uri[:-3]
    page_dir = posixpath.dirname(stem) if posixpath.basename(stem) == "index" else stem

    def fix(m: re.Match) -> str:
        href = m.group(2)
        if not href or href.startswith(("#", "/")) or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href):
            return m.group(0)
        path, hash_, frag = href.partition("#")
        target = posixpath.normpath(posixpath.join(src_dir, path))
        slash = ""
        if target.endswith(".md"):
            target = target[:-3]
            target = posixpath.dirname(target) if posixpath.basename(target) == "index" else target
            slash = "/"
        rel = posixpath.relpath(target or ".", page_dir or ".")
        url = ("" if rel == "." else rel) + slash if rel != "." else "./"
        return m.group(1) + url + hash_ + frag + m.group(3)

    return _HREF.sub(fix, html)
