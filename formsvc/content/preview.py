"""An update's preview, as the portal will show it (issue 26 item 2).

The article is made by the same Markdown extensions, with the same settings, as MkDocs uses
(``wagesafe.posts.render_markdown``, read from ``mkdocs.yml``), links rewritten as MkDocs writes
them, and the date line the build's hook puts under the title; it is set into the frame of a post
page the portal built (its header, stylesheets, footer and the sample-county note), with a
``<base>`` at that page's address so the frame's relative links resolve. A test compares it with
the page the build makes from the same files.
"""

from __future__ import annotations

import re
from pathlib import Path

from wagesafe.posts import post_header_html, render_markdown

from .posts import UpdateFields, compose

ARTICLE = '<article class="md-content__inner md-typeset">'
_SAMPLE_NOTE = re.compile(r'<p class="ws-sample"[^>]*>.*?</p>', re.S)


def article_html(u: UpdateFields, lang: str) -> str:
    """The article's body for ``lang`` (title, date line, text), as the build renders it."""
    text = compose(u, lang) or ""
    body = text.split("---\n", 2)[2].lstrip("\n")
    html = render_markdown(body, f"updates/posts/{u.slug}.md")
    end = html.find("</h1>")
    header = post_header_html({"date": u.date, "categories": [u.category]}, lang)
    return html[:end + 5] + "\n" + header + html[end + 5:] if end >= 0 else header + "\n" + html


def portal_frame(site_dir: Path, lang: str) -> tuple[str, str] | None:
    """A built post page of ``lang`` and its path on the portal, or None before the first build."""
    posts_dir = site_dir / ("en" if lang == "en" else "") / "updates" / "posts"
    for page in sorted(posts_dir.glob("*/index.html")) if posts_dir.is_dir() else []:
        text = page.read_text(encoding="utf-8")
        if ARTICLE in text:
            return text, "/" + page.parent.relative_to(site_dir).as_posix() + "/"
    return None


def page(u: UpdateFields, lang: str, site_dir: Path, *, bar: str = "", stylesheet: str = "") -> str | None:
    """The whole preview page: ``bar`` (the desk's buttons) above the article, in the portal's frame."""
    frame = portal_frame(site_dir, lang)
    if frame is None:
        return None
    shell, base = frame
    start = shell.index(ARTICLE) + len(ARTICLE)
    stop = shell.index("</article>", start)
    note = _SAMPLE_NOTE.search(shell[start:stop])
    title = u.title_zh if lang == "zh" else u.title_en
    from html import escape

    out = shell[:start] + bar + (note.group(0) + "\n" if note else "") + article_html(u, lang) + shell[stop:]
    out = re.sub(r"<title>.*?</title>", lambda _: f"<title>预览 Preview: {escape(title)}</title>", out, count=1,
                 flags=re.S)
    out = out.replace("<head>", f'<head>\n<base href="{base}">\n<meta name="robots" content="noindex">', 1)
    if stylesheet:
        out = out.replace("</head>", f'<link rel="stylesheet" href="{stylesheet}">\n</head>', 1)
    return out
