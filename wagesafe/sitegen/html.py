"""Small HTML helpers shared by the generated parts of the portal.

The generated pages are written as HTML (not Markdown) and inserted after Markdown has run:
Python-Markdown never parses them, which keeps a 20,000-project build linear and fast, and
escaping stays in one place (``e``).
"""

from __future__ import annotations

from html import escape


def e(value: object) -> str:
    """Escape text for HTML content and attribute values (quotes included)."""
    return escape("" if value is None else str(value), quote=True)


def tel(number: str, label: str | None = None, cls: str = "ws-tel") -> str:
    """A tap-to-call link; the label defaults to the number as printed."""
    digits = "".join(ch for ch in number if ch.isdigit() or ch in "+-")
    return f'<a class="{cls}" href="tel:{e(digits)}">{e(label or number)}</a>'


def zh(text: str, lang: str) -> str:
    """Chinese-only text (company names, addresses) marked lang="zh-Hans" inside an English page."""
    if lang == "en" and text:
        return f'<span lang="zh-Hans">{e(text)}</span>'
    return e(text)


def root_of(url: str) -> str:
    """The relative prefix from a page URL (``en/projects/x/``) back to the site root (``../../../``)."""
    depth = len([part for part in url.strip("/").split("/") if part])
    return "../" * depth if depth else "./"
