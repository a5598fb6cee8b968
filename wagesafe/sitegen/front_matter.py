"""Front matter that MkDocs would silently ignore, found before it ruins a page.

MkDocs reads a page's YAML front matter with ``mkdocs.utils.meta.get_data``, which swallows a
YAML error: the page then shows its front matter as body text, its title becomes "Index", and
the build says nothing (issue 26: the English defaulters page, broken by a colon in its
description). ``problem`` reads the block the same way (same delimiters) but reports the
error with the file and the line, Chinese first; the build hooks stop on it, and the desk runs
the same check on what it is about to write.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from mkdocs.utils.meta import YAML_RE


def problem(text: str, label: str) -> str | None:
    """What is wrong with the front matter of ``text`` (a page's Markdown), or ``None``.

    :param label: how the file is named in the message (``docs/defaulters/index.en.md``).
    """
    text = text.lstrip("\ufeff")
    match = YAML_RE.match(text)
    if match is None:
        if text.startswith("---") and text.split("\n", 1)[0].strip() == "---":
            return (f"{label} 第 1 行：页首信息（front matter）没有结束的 “---” 行。"
                    f" {label}:1: the front matter has no closing '---' line.")
        return None
    try:
        data = yaml.load(match.group(1), Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = (mark.line + 2) if mark is not None else 2  # +1: 1-based, +1: the opening "---" line
        why = getattr(err, "problem", None) or str(err).splitlines()[0]
        return (f"{label} 第 {line} 行：页首信息（front matter）不是有效的 YAML（{why}）；"
                "含冒号“: ”、引号或“#”的值请整体加英文引号。"
                f" {label}:{line}: the front matter is not valid YAML ({why}); quote a value that holds ': ',"
                " quotes or '#'.")
    if data is not None and not isinstance(data, dict):
        return (f"{label} 第 2 行：页首信息（front matter）应是“键: 值”的列表。"
                f" {label}:2: the front matter must be a mapping of 'key: value' lines.")
    return None


def file_problem(path: Path, label: str) -> str | None:
    """``problem`` for a file on disk."""
    return problem(path.read_text(encoding="utf-8"), label)
