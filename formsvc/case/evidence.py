"""Evidence uploads: checked by content, staged before the database write, published after it.

Why this shape:
- The file *name* and the browser's content type are whatever the sender says; only the
  first bytes (``filetype``) tell a JPEG from an EXE or an HTML page dressed as ``.jpg``.
  Only photos (JPEG, PNG, WebP, HEIC) and PDFs are accepted. JPEG, PNG and WebP are then
  decoded with a pixel limit and re-encoded (``image_check``): a decompression bomb is
  refused, a polyglot loses everything but its pixels.
- Files live under ``config.upload_dir``, outside the web root, under random names from
  ``secrets``: the original name is kept only as text, never used as a path.
- A complaint and its files must appear together or not at all. Each file is written to a
  hidden ``.<name>.part`` file and fsync'd *before* the transaction; after COMMIT it is
  renamed into place (an atomic rename); if the transaction fails the parts are deleted.
  ``recover`` finishes a rename a crash interrupted and removes parts no row points to (a
  row of a redacted case, ``formsvc.duties.retention``, points to none).
- A staged part stays open with a shared ``flock`` until it is published or discarded. The
  kernel drops the lock when its process dies (kill -9, OOM), so ``recover`` can tell a part
  some live request is still working on (locked: left alone) from one a dead process left
  (unlocked: published if its row exists, else deleted), at once and without guessing by age.
  ``create_app`` runs it at every start, while other gunicorn workers may be serving.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import os
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import filetype

from . import image_check

ALLOWED = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic",
           "application/pdf": "pdf"}
SNIFF_BYTES = 8192
CHUNK = 1 << 16
PART_MAX_AGE_SECONDS = 3600


@dataclass(frozen=True)
class Problem:
    """Why one upload was refused: a message key of ``formsvc.web.i18n`` and its values."""

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
    lock_fd: int | None = field(default=None, repr=False, compare=False)  # holds the shared flock

    def release(self) -> None:
        """Drop the in-flight lock (after publishing or discarding; a dead process drops it too)."""
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None

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
    if kind.mime in image_check.REENCODED:
        # Decoded with a pixel limit and written anew: no bomb, no polyglot survives (image_check).
        try:
            clean = image_check.reencode(stream.read(), kind.mime)
        except image_check.ImageRefused as refused:
            stream.seek(0)
            return None, Problem("err_file_pixels" if refused.kind == "pixels" else "err_file_broken",
                                 {"name": name, "mp": f"{image_check.MAX_PIXELS // 1_000_000}"})
        storage.stream = io.BytesIO(clean)
    return kind.mime, None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# What flock raises on a file system without it (some network mounts): staging and recover then
# fall back to the part's age instead of its lock.
NO_FLOCK = (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL)


def _create_locked_part(upload_dir: Path, ext: str) -> tuple[str, Path, int]:
    """A new empty ``.part`` file under a random name, open for writing and holding a shared flock."""
    for _ in range(5):
        stored_name = f"{secrets.token_hex(16)}.{ext}"
        part = upload_dir / f".{stored_name}.part"
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
        except OSError as e:
            if e.errno not in NO_FLOCK:
                os.close(fd)
                part.unlink(missing_ok=True)
                raise
            return stored_name, part, fd  # no flock here: recover falls back to the part's age
        try:
            same = os.stat(part).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return stored_name, part, fd
        # recover() took the part for an orphan between our create and our lock: draw a new name.
        os.close(fd)
    raise RuntimeError("could not create a staging file")


def stage(storage, mime: str, upload_dir: Path) -> StagedFile:
    """Write an inspected upload to a fsync'd ``.part`` file under a random name; hash it on the way."""
    stored_name, part, fd = _create_locked_part(upload_dir, ALLOWED[mime])
    digest, size = hashlib.sha256(), 0
    stream = storage.stream
    stream.seek(0)
    try:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
            size += len(chunk)
        os.fsync(fd)
    except BaseException:
        part.unlink(missing_ok=True)
        os.close(fd)
        raise
    return StagedFile(stored_name=stored_name, original_name=clean_name(storage.filename), mime=mime, size=size,
                      sha256=digest.hexdigest(), part_path=part, final_path=upload_dir / stored_name, lock_fd=fd)


def publish(staged: list[StagedFile]) -> None:
    """After COMMIT: move each part to its final name (atomic rename) and make the renames durable."""
    try:
        for f in staged:
            os.replace(f.part_path, f.final_path)
        if staged:
            _fsync_dir(staged[0].final_path.parent)
    finally:
        for f in staged:
            f.release()


def discard(staged: list[StagedFile]) -> None:
    """After a failed or unneeded transaction: delete the parts."""
    for f in staged:
        f.part_path.unlink(missing_ok=True)
        f.release()


def recover(db, upload_dir: Path, now: float | None = None) -> tuple[int, int]:
    """Finish what a crash between COMMIT and rename left: publish parts that a row names, delete
    parts no row names. Returns ``(published, removed)``. Safe to run at any time, also while
    other processes serve: a part whose request is still in flight holds a lock and is left alone
    (where the file system has no ``flock``, a part without a row is deleted only when an hour old)."""
    now = time.time() if now is None else now
    published = removed = 0
    for part in Path(upload_dir).glob(".*.part"):
        stored_name = part.name[1:-len(".part")]
        try:
            fd = os.open(part, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            continue  # published or discarded meanwhile
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locks = True
            except BlockingIOError:
                continue  # a live request holds it
            except OSError as e:
                if e.errno not in NO_FLOCK:
                    raise
                locks = False
            try:
                if os.stat(part).st_ino != os.fstat(fd).st_ino:
                    continue
            except FileNotFoundError:
                continue
            # A row of a case whose personal data was deleted (formsvc.duties.retention) names no file
            # any more: such a part is removed, never published back.
            known = db.conn.execute("SELECT 1 FROM evidence e JOIN complaints c ON c.id = e.complaint_id"
                                    " WHERE e.stored_name = ? AND c.redacted_at IS NULL", (stored_name,)).fetchone()
            if known:
                os.replace(part, part.with_name(stored_name))
                published += 1
            elif locks or now - os.fstat(fd).st_mtime > PART_MAX_AGE_SECONDS:
                part.unlink(missing_ok=True)
                removed += 1
        finally:
            os.close(fd)
    if published:
        _fsync_dir(Path(upload_dir))
    return published, removed


KIND_ZH = {"image": "照片", "application/pdf": "PDF 文件", "audio": "录音", "video": "视频"}


def kind_words(mime: str) -> str:
    """What a file is, as a worker or an arbitrator says it: 照片, PDF 文件, 录音, 视频, 文件."""
    mime = mime or ""
    return KIND_ZH.get(mime) or KIND_ZH.get(mime.split("/")[0], "文件")


def listing(db, case_id: int, zone_name: str) -> list[dict]:
    """The case's uploaded evidence for a person to read (the arbitration application's list):
    kind, file name, the local date it was uploaded. A redacted case's files have no name left."""
    from wagesafe.localtime import format_local

    return [{"kind": kind_words(r["mime"]), "name": r["original_name"] or f"文件 {r['id']}",
             "date": format_local(r["created_at"], zone_name, "%Y-%m-%d")}
            for r in db.query("SELECT id, mime, original_name, created_at FROM evidence WHERE complaint_id = ?"
                              " ORDER BY id", [case_id])]
