"""Evidence uploads: checked by content, staged before the database write, published after it.

Why this shape:
- The file *name* and the browser's content type are whatever the sender says; only the
  first bytes (``filetype``) tell a JPEG from an EXE or an HTML page dressed as ``.jpg``.
  Only photos (JPEG, PNG, WebP, HEIC) and PDFs are accepted.
- Files live under ``config.upload_dir``, outside the web root, under random names from
  ``secrets``: the original name is kept only as text, never used as a path.
- A complaint and its files must appear together or not at all. Each file is written to a
  hidden ``.<name>.part`` file and fsync'd *before* the transaction; after COMMIT it is
  renamed into place (an atomic rename); if the transaction fails the parts are deleted.
  ``recover`` finishes a rename a crash interrupted and removes parts no row points to.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import filetype

ALLOWED = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic",
           "application/pdf": "pdf"}
SNIFF_BYTES = 8192
CHUNK = 1 << 16
PART_MAX_AGE_SECONDS = 3600


@dataclass(frozen=True)
class Problem:
    """Why one upload was refused: a message key of ``formsvc.i18n`` and its values."""

    key: str
    values: dict


@dataclass
class StagedFile:
    """A checked upload written to its ``.part`` file, waiting for the transaction to commit."""

    stored_name: str
    original_name: str
    mime: str
    size: int
    sha256: str
    part_path: Path
    final_path: Path

    def row(self) -> dict:
        return dict(stored_name=self.stored_name, original_name=self.original_name, mime=self.mime,
                    size=self.size, sha256=self.sha256)


def clean_name(name: str | None) -> str:
    """The sender's file name as harmless text: last path part, no control characters, at most 100 chars."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    return base.strip()[:100] or "file"


def _size(stream) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def inspect(storage, max_bytes: int) -> tuple[str | None, Problem | None]:
    """Check one uploaded file (a werkzeug ``FileStorage``): return ``(mime, None)`` or ``(None, problem)``."""
    name = clean_name(storage.filename)
    stream = storage.stream
    size = _size(stream)
    if size == 0:
        return None, Problem("err_file_empty", {"name": name})
    if size > max_bytes:
        return None, Problem("err_file_big", {"name": name, "size": f"{size / 1048576:.1f}",
                                              "mb": f"{max_bytes / 1048576:g}"})
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED:
        return None, Problem("err_file_type", {"name": name})
    return kind.mime, None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stage(storage, mime: str, upload_dir: Path) -> StagedFile:
    """Write an inspected upload to a fsync'd ``.part`` file under a random name; hash it on the way."""
    stored_name = f"{secrets.token_hex(16)}.{ALLOWED[mime]}"
    part = upload_dir / f".{stored_name}.part"
    digest, size = hashlib.sha256(), 0
    stream = storage.stream
    stream.seek(0)
    try:
        with open(part, "xb") as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return StagedFile(stored_name=stored_name, original_name=clean_name(storage.filename), mime=mime, size=size,
                      sha256=digest.hexdigest(), part_path=part, final_path=upload_dir / stored_name)


def publish(staged: list[StagedFile]) -> None:
    """After COMMIT: move each part to its final name (atomic rename) and make the renames durable."""
    for f in staged:
        os.replace(f.part_path, f.final_path)
    if staged:
        _fsync_dir(staged[0].final_path.parent)


def discard(staged: list[StagedFile]) -> None:
    """After a failed or unneeded transaction: delete the parts."""
    for f in staged:
        f.part_path.unlink(missing_ok=True)


def recover(db, upload_dir: Path, now: float | None = None) -> tuple[int, int]:
    """Finish what a crash between COMMIT and rename left: publish parts that a row names, delete
    stale parts no row names. Returns ``(published, removed)``. Safe to run at any time."""
    now = time.time() if now is None else now
    published = removed = 0
    for part in Path(upload_dir).glob(".*.part"):
        stored_name = part.name[1:-len(".part")]
        known = db.conn.execute("SELECT 1 FROM evidence WHERE stored_name = ?", (stored_name,)).fetchone()
        if known:
            os.replace(part, part.with_name(stored_name))
            published += 1
        elif now - part.stat().st_mtime > PART_MAX_AGE_SECONDS:
            part.unlink(missing_ok=True)
            removed += 1
    return published, removed
