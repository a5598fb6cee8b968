"""``<site_dir>/posters/manifest.json``: the fingerprint of each project's printed values.

A project is rebuilt only when its fingerprint changed, a file is missing, or ``--force``; so a
nightly run over 20,000 projects touches only the few posters whose data changed. The manifest
is written atomically and only lists projects whose files were all written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

VERSION = 1


def manifest_path(posters_dir: Path) -> Path:
    return posters_dir / "manifest.json"


def load_manifest(posters_dir: Path) -> dict[str, dict]:
    """Project code → {"fingerprint", "formats"}; empty when there is none or it is unreadable."""
    try:
        doc = json.loads(manifest_path(posters_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("version") != VERSION or not isinstance(doc.get("projects"), dict):
        return {}
    return doc["projects"]


def save_manifest(posters_dir: Path, projects: dict[str, dict]) -> None:
    posters_dir.mkdir(parents=True, exist_ok=True)
    path = manifest_path(posters_dir)
    tmp = path.with_name(f".manifest.{os.getpid()}.tmp")
    doc = {"version": VERSION, "projects": dict(sorted(projects.items()))}
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def is_current(entry: dict | None, fingerprint: str, formats: tuple[str, ...], files: list[Path]) -> bool:
    """True when the recorded poster has this fingerprint, covers these formats and its files exist."""
    return (bool(entry) and entry.get("fingerprint") == fingerprint
            and set(formats) <= set(entry.get("formats", ())) and all(f.exists() for f in files))
