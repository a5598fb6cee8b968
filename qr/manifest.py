"""``<site_dir>/posters/manifest.json``: the fingerprint of each project's printed values.

A project is rebuilt only when its fingerprint changed, a file is missing, or ``--force``; so a
nightly run over 20,000 projects touches only the few posters whose data changed. The manifest
is written atomically and only lists projects whose files were all written.

It also names the county that wrote it (issue 24): pruning removes only folders this county's
manifest lists, and a posters directory another county's manifest owns is refused outright (two
demos pointed at one site directory deleted each other's posters).
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


def manifest_county(posters_dir: Path) -> str | None:
    """The county code the manifest was written for; ``None`` without one (or from before issue 24)."""
    try:
        doc = json.loads(manifest_path(posters_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    county = doc.get("county") if isinstance(doc, dict) else None
    return county if isinstance(county, str) and county else None


def save_manifest(posters_dir: Path, projects: dict[str, dict], county: str = "") -> None:
    posters_dir.mkdir(parents=True, exist_ok=True)
    path = manifest_path(posters_dir)
    tmp = path.with_name(f".manifest.{os.getpid()}.tmp")
    doc = {"version": VERSION, **({"county": county} if county else {}), "projects": dict(sorted(projects.items()))}
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def is_current(entry: dict | None, fingerprint: str, formats: tuple[str, ...], files: list[Path]) -> bool:
    """True when the recorded poster has this fingerprint, covers these formats and its files exist."""
    return (bool(entry) and entry.get("fingerprint") == fingerprint
            and set(formats) <= set(entry.get("formats", ())) and all(f.exists() for f in files))
