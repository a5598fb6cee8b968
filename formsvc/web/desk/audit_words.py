"""The audit log's details in words and in the county's time, as the desk shows them.

The audit log is append-only: its rows keep what was written (some in English, times in UTC, codes
such as ``with department housing``). An officer reading it must not meet ``with personal data``,
``password`` or ``2026-12-01T00:00:00+00:00``: ``detail_words`` turns every known detail into
Chinese, names units and channels in words and shows every stored time in ``TIMEZONE``. A detail it
does not know is shown as written, with its times converted.
"""

from __future__ import annotations

import ast
import re

from wagesafe.localtime import format_local

from formsvc.case import sources, story
from .words import CHANNEL_ZH, NOTICE_KIND_ZH, word

_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?(?:\.\d+)?(?:\+00:00|Z)")
_FIXED = {"with personal data": "含投诉人个人信息", "password": "密码登录", "email link": "邮件链接登录"}
_FILTER_WORDS = {"urgent": "紧急", "overdue": "超期"}


def _times(text: str, zone: str) -> str:
    return _ISO.sub(lambda m: format_local(m.group(0).replace("Z", "+00:00"), zone), text)


def _filters(raw: str, registry) -> str:
    try:
        args = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return raw
    if not isinstance(args, dict) or not args:
        return "无筛选"
    parts = []
    for key, value in args.items():
        if key == "status":
            parts.append("全部未办结" if value == "open" else story.officer_status(value))
        elif key == "township":
            parts.append(registry.townships[value].name_zh if value in registry.townships else str(value))
        elif key == "project":
            p = registry.project(str(value))
            parts.append(f"项目 {value}" + (f" {p.name_zh}" if p else ""))
        elif key == "source":
            parts.append(sources.label(str(value)))
        elif key in _FILTER_WORDS:
            parts.append(_FILTER_WORDS[key])
    return "筛选：" + "、".join(parts)


def detail_words(action: str, detail: str, registry, zone: str) -> str:
    """One audit row's detail as an officer reads it."""
    text = (detail or "").strip()
    if text in _FIXED:
        return _FIXED[text]
    m = re.fullmatch(r"with department (\S+)", text)
    if m:
        code = m.group(1)
        return "共享给" + (registry.departments[code].name_zh if code in registry.departments else "行业部门")
    m = re.fullmatch(r"evidence (\d+) by signed link \(transfer\)", text)
    if m:
        return f"证据文件 {m.group(1)}：外县凭限时链接下载"
    m = re.fullmatch(r"evidence (\d+) not shared with (\S+) ?(\S*)", text)
    if m:
        return f"证据文件 {m.group(1)}：未共享给本单位，已拒绝"
    m = re.fullmatch(r"evidence (\d+) ?(.*)", text, re.S)
    if m:
        return f"证据文件 {m.group(1)}" + (f"：{m.group(2)}" if m.group(2) else "")
    m = re.fullmatch(r"notice (\d+) (\S+) (\S+) (.*)", text)
    if m:
        return f"通知 {m.group(1)}：{word(NOTICE_KIND_ZH, m.group(2))}，{word(CHANNEL_ZH, m.group(3))}，{m.group(4)}"
    m = re.fullmatch(r"(\d+) cases; filters (.*)", text)
    if m:
        return f"{m.group(1)} 件；{_filters(m.group(2), registry)}"
    m = re.fullmatch(r"(\d+) other session\(s\) of (\S+)", text)
    if m:
        return f"{m.group(2)} 的其他 {m.group(1)} 个登录"
    m = re.fullmatch(r"(\d+) session\(s\) of (\S+)", text)
    if m:
        return f"{m.group(2)} 的 {m.group(1)} 个登录"
    m = re.fullmatch(r"retention (\d+) days after (\S+): (\d+) evidence file\(s\) deleted, (\d+) notice\(s\) blanked",
                     text)
    if m:
        return (f"办结（{format_local(m.group(2), zone)}）满 {m.group(1)} 天：删除证据文件 {m.group(3)} 个，"
                f"清空通知 {m.group(4)} 条")
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)\.\.(\d{4}-\d\d-\d\d)", text)
    if m:
        return f"{m.group(1)} 至 {m.group(2)}"
    return _times(text, zone)
