"""Policy updates: the dated posts in ``docs/updates/posts/``, listed newest first, and Atom feeds.

Material's blog plugin drops posts when combined with mkdocs-static-i18n
(ultrabug/mkdocs-static-i18n#283), so the list and the feeds are made here from each post's
front matter (``title``, ``date``, ``categories``, ``summary``). A post without an ``.en.md``
twin appears on the English list in Chinese, marked as such, and its English page falls back
to Chinese visibly; its categories are still named in English (``CATEGORIES``), never in Chinese.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from mkdocs.utils.meta import get_data

from wagesafe.posts import CATEGORIES, as_date, category_name, date_words, post_header_html  # noqa: F401

from .html import e

ATOM = "http://www.w3.org/2005/Atom"
TEXT = {
    "zh": {"none": "还没有动态。", "feed": "订阅（Atom）", "title": "薪安通政策动态"},
    "en": {"none": "No updates yet.", "feed": "Subscribe (Atom feed)", "title": "WageSafe policy updates",
           "zh_only": "in Chinese"},
}

@dataclass(frozen=True)
class Post:
    """One post in one language (``lang`` is the language its text is written in)."""

    slug: str
    lang: str
    title: str
    date: date
    categories: tuple[str, ...] = field(default_factory=tuple)
    summary: str = ""


def _as_date(value: object, path: Path) -> date:
    found = as_date(value)
    if found is None:
        raise ValueError(f"{path}: front matter 'date' must be YYYY-MM-DD, not {value!r}")
    return found


def load_posts(posts_dir: Path, lang: str) -> list[Post]:
    """The posts to list for ``lang``, newest first (same date: by slug, for a stable order).

    For English, a post with an ``x.en.md`` uses it; one without falls back to its Chinese file.
    """
    by_slug: dict[str, Path] = {}
    for path in sorted(posts_dir.glob("*.md")):
        stem = path.name[:-3]
        if stem.endswith(".en"):
            continue
        by_slug[stem] = path
    posts = []
    for slug, zh_path in by_slug.items():
        path = zh_path
        if lang == "en" and (en_path := zh_path.with_name(f"{slug}.en.md")).exists():
            path = en_path
        _, meta = get_data(path.read_text(encoding="utf-8"))
        if "date" not in meta or "title" not in meta:
            raise ValueError(f"{path}: a post needs 'title' and 'date' in its front matter")
        cats = meta.get("categories") or []
        posts.append(Post(slug=slug, lang="en" if path.name.endswith(".en.md") else "zh", title=str(meta["title"]),
                          date=_as_date(meta["date"], path),
                          categories=tuple(str(c) for c in (cats if isinstance(cats, list) else [cats])),
                          summary=str(meta.get("summary") or "")))
    posts.sort(key=lambda p: (p.date, p.slug), reverse=True)
    return posts


def updates_list_html(posts: list[Post], lang: str) -> str:
    """The list on ``updates/`` (links are relative to that page)."""
    t = TEXT[lang]
    out = [f'<p class="ws-feed-link"><a href="feed.xml" type="application/atom+xml">{e(t["feed"])}</a></p>']
    if not posts:
        out.append(f"<p>{e(t['none'])}</p>")
        return "\n".join(out)
    out.append('<ol class="ws-updates" reversed>')
    for p in posts:
        mark = ""
        attr = ""
        if lang == "en" and p.lang != "en":
            mark = f' <small class="ws-badge" lang="en">({e(t["zh_only"])})</small>'
            attr = ' lang="zh-Hans"'
        cats = "".join(f'<span class="ws-cat">{e(n)}</span>' for n in (category_name(c, lang) for c in p.categories)
                       if n)
        out.append(f'<li class="ws-update" data-date="{p.date.isoformat()}">'
                   f'<time datetime="{p.date.isoformat()}">{p.date.isoformat()}</time> {cats}'
                   f'<h2 class="ws-update-title"><a href="posts/{e(p.slug)}/"{attr}>{e(p.title)}</a>{mark}</h2>'
                   + (f"<p{attr}>{e(p.summary)}</p>" if p.summary else "") + "</li>")
    out.append("</ol>")
    return "\n".join(out)


def atom_feed(posts: list[Post], lang: str, site_url: str) -> bytes:
    """An Atom 1.0 feed of the posts, with absolute links under ``site_url``."""
    base = site_url.rstrip("/") + "/" + ("en/" if lang == "en" else "")
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "en" if lang == "en" else "zh-Hans"})

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    def stamp(d: date) -> str:
        return f"{d.isoformat()}T00:00:00Z"

    sub(feed, "title", TEXT[lang]["title"])
    sub(feed, "id", base + "updates/")
    sub(feed, "link", href=base + "updates/feed.xml", rel="self", type="application/atom+xml")
    sub(feed, "link", href=base + "updates/", rel="alternate", type="text/html")
    sub(feed, "updated", stamp(posts[0].date) if posts else "1970-01-01T00:00:00Z")
    author = sub(feed, "author")
    sub(author, "name", "WageSafe 薪安通")
    for p in posts:
        url = f"{base}updates/posts/{p.slug}/"
        entry = sub(feed, "entry")
        sub(entry, "title", p.title)
        sub(entry, "id", url)
        sub(entry, "link", href=url, rel="alternate", type="text/html")
        sub(entry, "updated", stamp(p.date))
        sub(entry, "published", stamp(p.date))
        for c in p.categories:
            if name := category_name(c, lang):
                sub(entry, "category", term=name)
        if p.summary:
            sub(entry, "summary", p.summary)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
