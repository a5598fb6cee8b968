"""Writing the content files the way an editor's save would, but atomically: a reader (the build,
``wagesafe check``, a person) sees the old file or the new one, never half of one."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def write_atomic(path: Path, text: str | None) -> None:
    """Replace ``path`` with ``text`` in one rename (``None`` deletes it)."""
    if text is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.desk-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def etag(value) -> str:
    """A short fingerprint of an item's current state: a form carries the one it was opened with,
    and a save refuses when the item changed since (another editor, or a hand edit)."""
    if value is None:
        return "none"
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:20]
