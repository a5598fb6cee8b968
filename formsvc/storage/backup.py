"""Backup and restore of the form service's state: the SQLite database and the evidence files.

Why it is done this way:
- The database is copied with SQLite's online backup API (``Connection.backup``) in one step,
  inside a read transaction: in WAL mode writers keep going while it runs, and the copy is the
  database exactly as it was at one instant. Copying the file with ``cp`` while the service
  writes can give a torn, corrupt copy; the backup API cannot.
- Evidence files are copied *after* the database snapshot, and only those that the snapshot's
  ``evidence`` rows name. The intake writes a file before it commits the row that names it, so
  every file the snapshot knows is already complete on disk; files of complaints that arrive
  later are simply not in this backup (they will be in the next one).
- A backup is a plain directory (``wagesafe-backup-<UTC time>/``) with ``manifest.json``: the
  SHA-256 and size of every file, the applied migrations, counts, and the receipts of every
  case. Plain files can be copied off the server with rsync or tar; the manifest lets a restore
  (and an auditor) prove that nothing was lost or damaged. The directory appears under its
  final name only when complete (written as ``.partial``, then renamed).
- Restore verifies every checksum before it writes anything, refuses to replace an existing
  database unless forced (a live database must not be overwritten by a slip of the keyboard),
  and moves a replaced database aside instead of deleting it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

MANIFEST = "manifest.json"
DB_NAME = "wagesafe.db"
UPLOADS = "uploads"
PREFIX = "wagesafe-backup-"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot be done safely; the message says why and what to do."""


@dataclass
class RestoreResult:
    database: Path
    upload_dir: Path
    complaints: int
    files: int
    moved_aside: list[Path] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def backup(database: Path, upload_dir: Path, dest_dir: Path, *, now: datetime | None = None) -> Path:
    """Take a consistent backup of ``database`` and the evidence it names into ``dest_dir``.

    :returns: the new backup directory ``dest_dir/wagesafe-backup-<YYYYmmddTHHMMSSZ>``.
    :raises BackupError: when the database does not exist.
    """
    database, upload_dir, dest_dir = Path(database), Path(upload_dir), Path(dest_dir)
    if not database.exists():
        raise BackupError(f"no database at {database}: nothing to back up")
    now = now or datetime.now(timezone.utc)
    stamp = f"{PREFIX}{now.astimezone(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}"
    final, n = dest_dir / stamp, 0
    while final.exists() or final.with_name(final.name + ".partial").exists():  # two backups in one second
        n += 1
        final = dest_dir / f"{stamp}-{n}"
    dest_dir.mkdir(parents=True, exist_ok=True)
    work = dest_dir / (final.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    (work / UPLOADS).mkdir(parents=True)
    try:
        _snapshot_database(database, work / DB_NAME)
        facts = _read_snapshot(work / DB_NAME)
        files, missing = _copy_evidence(facts.pop("stored_names"), upload_dir, work / UPLOADS)
        manifest = {
            "format": FORMAT,
            "created_at": now.astimezone(timezone.utc).isoformat(timespec="seconds"),
            "source": {"database": str(database.resolve()), "upload_dir": str(upload_dir.resolve())},
            "database": {"path": DB_NAME, "size": (work / DB_NAME).stat().st_size,
                         "sha256": sha256_file(work / DB_NAME)},
            **facts,
            "files": files,
            "missing_files": missing,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _fsync_tree(work)
        os.rename(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def _snapshot_database(database: Path, target: Path) -> None:
    """Copy the live database at one instant with the online backup API (all pages in one step)."""
    src = sqlite3.connect(str(database), timeout=30)
    dst = sqlite3.connect(str(target))
    try:
        src.execute("PRAGMA busy_timeout = 30000")
        src.backup(dst, pages=-1)
        # The copy is a standalone file: no -wal beside it is needed to read it.
        dst.execute("PRAGMA journal_mode = DELETE")
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if ok != "ok":
        raise BackupError(f"the database copy failed SQLite's integrity check: {ok}")


# The evidence files a snapshot expects on disk. Cases whose personal data the retention period
# removed (``formsvc.duties.retention``; migration 0004 adds ``redacted_at``) keep their evidence rows
# as a record but no longer their files: counting those as missing would bury a real loss.
_EVIDENCE_ON_DISK = {
    False: "SELECT stored_name, sha256 FROM evidence ORDER BY id",
    True: "SELECT e.stored_name, e.sha256 FROM evidence e JOIN complaints c ON c.id = e.complaint_id"
          " WHERE c.redacted_at IS NULL ORDER BY e.id",
}


def _has_redaction(conn: sqlite3.Connection, tables: set[str]) -> bool:
    return "complaints" in tables and any(
        r[1] == "redacted_at" for r in conn.execute("PRAGMA table_info(complaints)"))


def _read_snapshot(path: Path) -> dict:
    """What the manifest records about the snapshot: migrations, counts, receipts, evidence names."""
    conn = sqlite3.connect(str(path))
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        migrations = ([r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY applied_at, name")]
                      if "schema_migrations" in tables else [])
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                  for t in sorted(tables) if not t.startswith("sqlite_")}
        receipts = ([r[0] for r in conn.execute("SELECT receipt FROM complaints ORDER BY id")]
                    if "complaints" in tables else [])
        evidence = ([(r[0], r[1]) for r in conn.execute(_EVIDENCE_ON_DISK[_has_redaction(conn, tables)])]
                    if "evidence" in tables else [])
    finally:
        conn.close()
    return {"migrations": migrations, "counts": counts, "complaints": receipts, "stored_names": evidence}


def _safe_relative(name: str) -> PurePosixPath:
    """A stored name as a path that cannot leave the upload folder."""
    rel = PurePosixPath(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise BackupError(f"refusing an evidence file name that leaves the upload folder: {name!r}")
    return rel


def _copy_evidence(names: list[tuple[str, str]], upload_dir: Path, target: Path) -> tuple[list[dict], list[str]]:
    """Copy each named evidence file; a file missing on disk is reported, not fatal (the rest still count)."""
    files, missing = [], []
    for stored_name, recorded_sha in names:
        rel = _safe_relative(stored_name)
        dst = target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not _copy_published_or_part(upload_dir / rel, dst):
            missing.append(stored_name)
            continue
        digest = sha256_file(dst)
        entry = {"path": f"{UPLOADS}/{rel}", "size": dst.stat().st_size, "sha256": digest}
        if recorded_sha and recorded_sha != digest:
            entry["recorded_sha256"] = recorded_sha  # damaged before the backup: keep it, but say so
        files.append(entry)
    return files, missing


def _copy_published_or_part(src: Path, dst: Path) -> bool:
    """Copy an evidence file that may be between COMMIT and its rename into place.

    The intake writes and fsyncs ``.<name>.part`` before COMMIT and renames it after
    (``formsvc.case.evidence``), so a row in the snapshot may still point at a part file; its content
    is already complete. Try the final name, then the part, then the final name again (the rename
    may happen between two tries).
    """
    part = src.with_name(f".{src.name}.part")
    for candidate in (src, part, src):
        try:
            shutil.copy2(candidate, dst)
            return True
        except FileNotFoundError:
            continue
    return False


def _fsync_tree(root: Path) -> None:
    for path in [*root.rglob("*"), root]:
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())


def read_manifest(backup_dir: Path) -> dict:
    path = Path(backup_dir) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{backup_dir} is not a WageSafe backup (no {MANIFEST})")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{backup_dir}: backup format {manifest.get('format')!r} is not supported")
    return manifest


def verify(backup_dir: Path) -> dict:
    """Check every file of a backup against its manifest; return the manifest or raise ``BackupError``."""
    backup_dir = Path(backup_dir)
    manifest = read_manifest(backup_dir)
    bad = []
    for entry in [manifest["database"], *manifest["files"]]:
        path = backup_dir / _safe_relative(entry["path"])
        if not path.is_file():
            bad.append(f"{entry['path']}: missing")
        elif path.stat().st_size != entry["size"] or sha256_file(path) != entry["sha256"]:
            bad.append(f"{entry['path']}: checksum does not match the manifest")
    if bad:
        raise BackupError(f"backup {backup_dir} is damaged; nothing was restored:\n  " + "\n  ".join(bad))
    return manifest


def restore(backup_path: Path, database: Path, upload_dir: Path, *, force: bool = False,
            now: datetime | None = None) -> RestoreResult:
    """Restore a backup (directory, or a .tar/.tar.gz of one) into ``database`` and ``upload_dir``.

    Every checksum is verified before anything is written. An existing database is replaced only
    with ``force`` (stop the web service and worker first) and is moved aside, never deleted.

    :raises BackupError: damaged backup, or an existing database without ``force``.
    """
    backup_path = Path(backup_path)
    if backup_path.is_file() and tarfile.is_tarfile(backup_path):
        with tempfile.TemporaryDirectory(prefix="wagesafe-restore-") as tmp:
            return restore(_extract(backup_path, Path(tmp)), database, upload_dir, force=force, now=now)
    database, upload_dir = Path(database), Path(upload_dir)
    manifest = verify(backup_path)
    moved: list[Path] = []
    if database.exists():
        if not force:
            raise BackupError(f"a database already exists at {database}. If you really mean to replace it: stop "
                              "wagesafe-web and wagesafe-worker, then run the restore again with --force "
                              "(the current database is kept beside it as a .before-restore copy)")
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
        for suffix in ("", "-wal", "-shm"):  # a stale -wal applied to the restored file would corrupt it
            old = Path(f"{database}{suffix}")
            if old.exists():
                aside = Path(f"{database}.before-restore-{stamp}{suffix}")
                os.replace(old, aside)
                moved.append(aside)
    database.parent.mkdir(parents=True, exist_ok=True)
    tmp_db = database.with_name(database.name + ".restoring")
    shutil.copyfile(backup_path / DB_NAME, tmp_db)
    with open(tmp_db, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp_db, database)
    upload_dir.mkdir(parents=True, exist_ok=True)
    for entry in manifest["files"]:
        rel = PurePosixPath(entry["path"]).relative_to(UPLOADS)
        dst = upload_dir / rel
        if dst.is_file() and sha256_file(dst) == entry["sha256"]:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(backup_path / entry["path"], dst)
    return RestoreResult(database=database, upload_dir=upload_dir, complaints=len(manifest["complaints"]),
                         files=len(manifest["files"]), moved_aside=moved)


def _extract(archive: Path, into: Path) -> Path:
    """Unpack a tar of one backup directory safely (no absolute paths, links or devices)."""
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    found = [p.parent for p in into.rglob(MANIFEST)]
    if len(found) != 1:
        raise BackupError(f"{archive} does not hold exactly one WageSafe backup")
    return found[0]


def archive(backup_dir: Path) -> Path:
    """Pack a backup directory into ``<name>.tar.gz`` beside it, for copying off the server."""
    backup_dir = Path(backup_dir)
    target = backup_dir.with_name(backup_dir.name + ".tar.gz")
    tmp = target.with_name(target.name + ".partial")
    with tarfile.open(tmp, "w:gz") as tar:
        tar.add(backup_dir, arcname=backup_dir.name)
    os.replace(tmp, target)
    return target


def prune(dest_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``dest_dir`` (names sort by time); return those removed."""
    if keep < 1:
        raise BackupError("--keep must be at least 1: pruning must never delete the backup just taken")
    backups = sorted(p for p in Path(dest_dir).glob(f"{PREFIX}*") if p.is_dir() and not p.name.endswith(".partial"))
    removed = backups[:-keep]
    for path in removed:
        shutil.rmtree(path)
        tar = path.with_name(path.name + ".tar.gz")
        if tar.exists():
            tar.unlink()
    return removed


# Tables whose rows are only ever added (retention blanks cells, never deletes rows): a backup can hold
# fewer of them than the live database (what arrived since), never more.
COUNTED_TABLES = ("complaints", "events", "evidence", "notices", "users", "audit_log", "county_transfers")


@dataclass
class RestoreCheck:
    """What ``check_restore`` found: ``ok``, one line per finding, and each table's rows (backup, live)."""

    backup: Path
    ok: bool
    lines: list[str]
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)


def latest(dest_dir: Path) -> Path | None:
    """The newest complete backup directory in ``dest_dir`` (names sort by time), or None."""
    found = sorted(p for p in Path(dest_dir).glob(f"{PREFIX}*") if p.is_dir() and not p.name.endswith(".partial"))
    return found[-1] if found else None


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES if t in tables}


def check_restore(backup_path: Path, live_database: Path, *, work_dir: Path | None = None) -> RestoreCheck:
    """Prove a backup can be restored: restore it into a temporary directory (every checksum is verified
    first), run ``PRAGMA integrity_check`` on the restored database and compare its rows with the live one.

    A backup holding more rows of a table than the live database means rows were lost since; fewer is
    what arrived after the backup. The temporary directory is made in ``work_dir`` (default: beside the
    backup, on the backups' own disk, not in a small /tmp) and removed afterwards.

    :raises BackupError: the backup is damaged (a checksum) or cannot be read.
    """
    backup_path, live_database = Path(backup_path), Path(live_database)
    work_dir = Path(work_dir) if work_dir else backup_path.parent
    lines, ok = [], True
    with tempfile.TemporaryDirectory(prefix=".wagesafe-verify-", dir=work_dir) as tmp:
        restored = restore(backup_path, Path(tmp) / DB_NAME, Path(tmp) / UPLOADS)
        lines.append(f"restored into a temporary directory: {restored.complaints} complaints, "
                     f"{restored.files} evidence files, every checksum as in the manifest")
        conn = sqlite3.connect(str(restored.database))
        try:
            integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            in_backup = _counts(conn)
        except sqlite3.DatabaseError as e:  # so damaged that it cannot even be read
            integrity, in_backup = [f"the restored database cannot be read: {e}"], {}
        finally:
            conn.close()
    if integrity == ["ok"]:
        lines.append("integrity_check: ok")
    else:
        ok = False
        lines.append("integrity_check FAILED: " + "; ".join(integrity[:5]))
    if in_backup.get("complaints") != restored.complaints:
        ok = False
        lines.append(f"the manifest lists {restored.complaints} complaints but the restored database holds "
                     f"{in_backup.get('complaints')}")
    if not live_database.exists():
        return RestoreCheck(backup_path, False, [*lines, f"no live database at {live_database} to compare with"])
    live_conn = sqlite3.connect(str(live_database), timeout=30)
    try:
        live = _counts(live_conn)
    finally:
        live_conn.close()
    counts = {t: (n, live.get(t, 0)) for t, n in in_backup.items()}
    for table, (then, now) in counts.items():
        if then > now:
            ok = False
            lines.append(f"{table}: the backup has {then} rows, the live database only {now}: rows were lost since")
        else:
            lines.append(f"{table}: backup {then}, live {now}" + (f" ({now - then} since the backup)" if now > then
                                                                  else ""))
    return RestoreCheck(backup_path, ok, lines, counts)
