"""Remove the poster folders of projects that are no longer in the registry.

The portal serves ``<site_dir>/posters/`` as it is, so a removed project's poster would stay
downloadable and printable, and its QR code would lead to the form's "unknown project" page: a
site notice that misleads is worse than none. Only what the builder itself wrote is removed: a
directory right inside the posters directory, named like a project code, holding nothing but
regular files with the builder's names (``render.FILE_NAMES``). Anything else there belongs to
someone else (an operator's folder, a note, a symlink to an archive), so it is left alone and
named in the report for a person to decide. Files are unlinked one by one by name and the
folder is removed with ``rmdir``: a file that appears in between makes the ``rmdir`` fail
instead of being deleted unseen, and nothing is ever followed through a symlink.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from wagesafe.registry.rules import is_project_code

from .manifest import manifest_path
from .render import FILE_NAMES

POSTER_FILES = frozenset(FILE_NAMES.values())


@dataclass
class PruneReport:
    """Codes whose poster folder was removed, and (name, reason) for each entry left alone."""

    removed: list[str] = field(default_factory=list)
    left_alone: list[tuple[str, str]] = field(default_factory=list)


def prune_posters(posters_dir: Path, known: set[str], written: set[str] | None = None) -> PruneReport:
    """Remove ``<posters_dir>/<code>/`` for each code not in ``known`` whose folder holds only poster files.

    :param known: the registry's project codes (their folders are the builder's to keep current).
    :param written: the codes this county's manifest says it wrote (issue 24): any other folder is
        left alone, whatever it holds (``None``: every folder named like a code, as before).
    """
    report = PruneReport()
    try:
        entries = sorted(os.scandir(posters_dir), key=lambda e: e.name)
    except FileNotFoundError:
        return report
    manifest = manifest_path(posters_dir).name
    for entry in entries:
        name = entry.name
        if name in known or name == manifest:
            continue
        if entry.is_symlink():
            report.left_alone.append((name, "a symlink (never followed)"))
        elif not entry.is_dir(follow_symlinks=False):
            report.left_alone.append((name, "not a poster folder"))
        elif not is_project_code(name):
            report.left_alone.append((name, "a folder not named like a project code"))
        else:
            reason = _remove_folder(posters_dir, name, ours=written is None or name in written)
            if reason is None:
                report.removed.append(name)
            else:
                report.left_alone.append((name, f"not in the registry, but {reason}"))
    return report


def _remove_folder(posters_dir: Path, name: str, ours: bool = True) -> str | None:
    """Remove one folder of poster files; return why it was kept instead, or None when it is gone."""
    try:
        fd = os.open(posters_dir / name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as e:  # replaced by a symlink or removed since the scan
        return f"cannot be opened ({e.strerror})"
    try:
        with os.scandir(fd) as it:
            files = list(it)
        foreign = sorted(f.name for f in files if f.name not in POSTER_FILES or not f.is_file(follow_symlinks=False))
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            return f"it holds files the poster builder does not write ({shown})"
        if not ours:
            return "this county's manifest does not list it (another county's, or written by hand)"
        for f in files:
            os.unlink(f.name, dir_fd=fd)
    except OSError as e:
        return f"could not be emptied ({e.strerror})"
    finally:
        os.close(fd)
    try:
        os.rmdir(posters_dir / name)
    except OSError as e:  # something was added to it meanwhile: keep it
        return f"could not be removed ({e.strerror})"
    return None
