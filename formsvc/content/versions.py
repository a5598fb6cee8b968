"""Every change of the portal's content, versioned and reversible (issue 26 item 4).

An *item* is one update (``post:<slug>``, its Chinese and English files) or one row of the registry
(``projects:<code>``, ``legal_aid:<id>``, ``townships:<code>``). ``save`` writes it only if it is
still as the editor saw it (its ``etag``): otherwise ``Conflict`` says who changed it and how, and
nothing is overwritten. Each save stores the item before and after (who, when), an audit row and a
request for the portal's rebuild, in one transaction; the files are replaced before COMMIT, so a
failed write leaves no version and a failed COMMIT leaves... the file written: the next save's
etag check sees the file as it is, which is the truth (the files are the source of truth).
``revert`` is a save of the item as it was before a version.
"""

from __future__ import annotations

import difflib
import json
import logging
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils

from formsvc.storage import audit
from formsvc.storage.store import iso, write_transaction

from . import posts, rows
from .files import etag

log = logging.getLogger(__name__)
ACTION_ZH = {"create": "新建", "change": "修改", "withdraw": "撤下", "revert": "撤回修改"}
KIND_ZH = {"post": "政策动态", "projects": "工地项目", "legal_aid": "法律援助地点", "townships": "镇街专员"}


def item_words(item: str) -> str:
    """An item as a person names it: 工地项目 qh001, 政策动态 2026-12-01-winter-campaign."""
    kind, _, key = (item or "").partition(":")
    return f"{KIND_ZH.get(kind, kind)} {key}".strip()


@dataclass(frozen=True)
class Place:
    """Where the content lives: the registry directory and the portal's Markdown directory."""

    data_dir: Path
    docs_dir: Path
    git_commit: bool = False


class Conflict(Exception):
    """The item changed since the editor opened it: ``latest`` is that change (a version row, or
    ``None`` for a hand edit of the file), ``current`` the item as it is now."""

    def __init__(self, current, latest: dict | None):
        super().__init__("changed by someone else")
        self.current, self.latest = current, latest


def read(place: Place, item: str):
    kind, _, key = item.partition(":")
    if kind == "post":
        return posts.read_item(place.docs_dir, key)
    return rows.read_item(place.data_dir, rows.KINDS[kind], key)


def _write(place: Place, item: str, value) -> list[Path]:
    kind, _, key = item.partition(":")
    if kind == "post":
        return posts.write_item(place.docs_dir, key, value)
    return rows.write_item(place.data_dir, rows.KINDS[kind], key, value)


def save(db: sqlite_utils.Database, place: Place, user, item: str, value, base_etag: str, now: datetime, *,
         action: str, summary: str = "", reverts: int | None = None, ip: str = "") -> int:
    """Write ``value`` as ``item`` (``None`` withdraws it) unless it changed since ``base_etag``.

    :returns: the new version's id.
    :raises Conflict: when the item is no longer what the editor saw.
    """
    with write_transaction(db):
        current = read(place, item)
        if etag(current) != base_etag:
            raise Conflict(current, latest(db, item))
        if current == value:
            return 0
        vid = db.conn.execute(
            "INSERT INTO content_versions (at, user_id, item, action, before_json, after_json, summary, reverts)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (iso(now), user.id, item, action, _json(current), _json(value), summary, reverts)).lastrowid
        db.conn.execute("INSERT INTO site_builds (requested_at, requested_by, version_id) VALUES (?, ?, ?)",
                        (iso(now), user.id, vid))
        audit.insert(db, user.id, "content_revert" if action == "revert" else "content_change",
                     detail=f"{item_words(item)} {ACTION_ZH.get(action, action)}（版本 {vid}）{summary}", ip=ip, now=now)
        paths = _write(place, item, value)
    if place.git_commit:
        _commit(paths, user, f"{item_words(item)} {ACTION_ZH.get(action, action)} {summary}".strip())
    return vid


def revert(db: sqlite_utils.Database, place: Place, user, version_id: int, now: datetime, ip: str = "") -> int:
    """Put the item back as it was before ``version_id`` (one click on the history page)."""
    v = version(db, version_id)
    if v is None:
        raise KeyError(version_id)
    current = read(place, v["item"])
    return save(db, place, user, v["item"], v["before"], etag(current), now, action="revert",
                summary=f"撤回版本 {version_id}", reverts=version_id, ip=ip)


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _row(r: dict) -> dict:
    r = dict(r)
    r["before"] = json.loads(r["before_json"]) if r.get("before_json") else None
    r["after"] = json.loads(r["after_json"]) if r.get("after_json") else None
    r["action_zh"] = ACTION_ZH.get(r["action"], r["action"])
    return r


_SELECT = ("SELECT v.*, u.name AS user_name, u.email AS user_email FROM content_versions v"
           " LEFT JOIN users u ON u.id = v.user_id")


def version(db: sqlite_utils.Database, version_id: int) -> dict | None:
    found = list(db.query(f"{_SELECT} WHERE v.id = ?", [version_id]))
    return _row(found[0]) if found else None


def latest(db: sqlite_utils.Database, item: str) -> dict | None:
    found = list(db.query(f"{_SELECT} WHERE v.item = ? ORDER BY v.id DESC LIMIT 1", [item]))
    return _row(found[0]) if found else None


def history(db: sqlite_utils.Database, item: str | None = None, limit: int = 100) -> list[dict]:
    where, params = ("WHERE v.item = ?", [item]) if item else ("", [])
    return [_row(r) for r in db.query(f"{_SELECT} {where} ORDER BY v.id DESC LIMIT ?", [*params, limit])]


def diff(before, after) -> list[tuple[str, str]]:
    """A readable diff: ``(mark, text)`` lines, mark ``-`` removed, ``+`` added, ``=`` context, ``@`` a heading.

    A row shows each changed field as "field: old → new"; an update shows its changed lines per language.
    """
    out: list[tuple[str, str]] = []
    if isinstance(before, dict) and set(before) <= {"zh", "en"} or isinstance(after, dict) and set(after) <= {"zh", "en"}:
        for lang, label in (("zh", "中文"), ("en", "English")):
            a, b = (before or {}).get(lang), (after or {}).get(lang)
            if a == b:
                continue
            out.append(("@", label + ("（新建）" if a is None else "（删除）" if b is None else "")))
            for line in difflib.unified_diff((a or "").splitlines(), (b or "").splitlines(), lineterm="", n=1):
                if line.startswith(("---", "+++")):
                    continue
                if line.startswith("@@"):
                    out.append(("@", "…"))
                else:
                    out.append((line[0] if line[0] in "+-" else "=", line[1:]))
        return out
    keys = list(dict.fromkeys([*(before or {}), *(after or {})]))
    for k in keys:
        a, b = (before or {}).get(k, ""), (after or {}).get(k, "")
        if a != b:
            label = rows.LABELS.get(k, k)
            if before is not None:
                out.append(("-", f"{label}：{a}"))
            if after is not None:
                out.append(("+", f"{label}：{b}"))
    return out


def _commit(paths: list[Path], user, message: str) -> None:
    """Commit the changed files in their git work tree, with the editor as author (``CONTENT_GIT_COMMIT``)."""
    if not paths:
        return
    names = [str(p) for p in paths]
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=paths[0].parent, capture_output=True,
                             text=True, timeout=20, check=True).stdout.strip()
        subprocess.run(["git", "add", "-A", "--", *names], cwd=top, capture_output=True, timeout=20, check=True)
        subprocess.run(["git", "-c", "user.name=WageSafe desk", "-c", "user.email=desk@wagesafe.localhost",
                        "commit", "-q", "--author", f"{user.name} <{user.email}>", "-m", message, "--", *names],
                       cwd=top, capture_output=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError) as err:
        log.warning("the desk could not commit %s to git: %s", names, err)
