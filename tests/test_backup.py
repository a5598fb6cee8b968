"""Backup while complaints keep arriving; restore into a fresh directory; upgrade keeps a backup."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.datastructures import FileStorage

from formsvc.case import evidence
from formsvc.storage import store
from formsvc.storage.backup import BackupError, backup, restore, sha256_file, verify
from formsvc.case.complaints import ComplaintInput, submit
from wagesafe.cli import main
from wagesafe.config import Config
from wagesafe.registry import load_registry

# A real (tiny) PNG: the intake checks evidence by its bytes.
from tests.images import PNG  # noqa: E402  (a real photo: the service re-encodes it)


@pytest.fixture
def env(tmp_path, data_dir) -> dict[str, str]:
    return {"WAGESAFE_DATA_DIR": str(data_dir), "WAGESAFE_VAR_DIR": str(tmp_path / "var"),
            "RATE_LIMIT_IP_PER_HOUR": "1000000", "RATE_LIMIT_MOBILE_PER_DAY": "1000000",
            "RATE_LIMIT_DEVICE_PER_HOUR": "1000000", "SURGE_ALERT_PER_10_MINUTES": "0"}


def _submit_one(db, registry, config, i: int) -> None:
    """One complaint with one evidence file, through the intake's own functions (stage → submit → publish)."""
    photo = PNG + i.to_bytes(4, "big")  # a different file (and checksum) each time
    staged = [evidence.stage(FileStorage(io.BytesIO(photo), filename=f"欠条{i}.png"), "image/png",
                             config.upload_dir)]
    project = next(iter(registry.projects))
    submit(db, registry, config, ComplaintInput(submission_token=f"tok-{i}", project_code=project, anonymous=True,
                                                description=f"第{i}号投诉", amount_yuan=1000 + i),
           staged, ip=f"10.0.{i // 250}.{i % 250}")


def _seed(config: Config, n: int) -> None:
    registry = load_registry(config.data_dir)
    config.upload_dir.mkdir(parents=True, exist_ok=True)
    db = store.open_db(config.database)
    for i in range(n):
        _submit_one(db, registry, config, i)
    db.conn.close()


def test_backup_is_consistent_while_complaints_arrive(tmp_path, env):
    config = Config.from_env(env)
    _seed(config, 15)
    registry = load_registry(config.data_dir)
    stop, written, errors = threading.Event(), [15], []

    def writer():
        db = store.connect(config.database)
        try:
            while not stop.is_set():
                _submit_one(db, registry, config, written[0])
                written[0] += 1
        except Exception as e:  # surfaced by the assertion below
            errors.append(e)
        finally:
            db.conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 25:
            time.sleep(0.01)
        first = backup(config.database, config.upload_dir, tmp_path / "backups")
        while written[0] < 40:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    # The writer really was writing around the backup: the live database has more than the snapshot.
    assert 25 <= len(manifest["complaints"]) < written[0]
    assert manifest["missing_files"] == []
    assert len(manifest["files"]) == len(manifest["complaints"])  # one photo each

    fresh = tmp_path / "fresh"
    result = restore(first, fresh / "wagesafe.db", fresh / "uploads")
    assert result.complaints == len(manifest["complaints"])

    db = sqlite3.connect(fresh / "wagesafe.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    receipts = {r[0] for r in db.execute("SELECT receipt FROM complaints")}
    assert receipts == set(manifest["complaints"])  # every case listed, and nothing half-written beyond it
    for entry in manifest["files"]:
        restored = fresh / entry["path"]
        assert restored.is_file(), entry
        assert sha256_file(restored) == entry["sha256"]
    for stored_name, sha, complaint_id in db.execute("SELECT stored_name, sha256, complaint_id FROM evidence"):
        assert sha256_file(fresh / "uploads" / stored_name) == sha  # the database's own record agrees
    # Every complaint in the snapshot has its notices: the outbox was copied in the same instant.
    assert db.execute("SELECT count(*) FROM complaints c WHERE NOT EXISTS "
                      "(SELECT 1 FROM notices n WHERE n.complaint_id = c.id)").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM evidence").fetchone()[0] == len(manifest["files"])


def test_backup_picks_up_evidence_between_commit_and_rename(tmp_path, env):
    """A row committed while its file is still the fsync'd ``.part`` (the intake renames after COMMIT)."""
    config = Config.from_env(env)
    _seed(config, 2)
    db = store.connect(config.database)
    stored = db.conn.execute("SELECT stored_name FROM evidence ORDER BY id LIMIT 1").fetchone()[0]
    db.conn.close()
    final = config.upload_dir / stored
    final.rename(config.upload_dir / f".{stored}.part")
    path = backup(config.database, config.upload_dir, tmp_path / "b")
    manifest = verify(path)
    assert manifest["missing_files"] == []
    assert (path / "uploads" / stored).is_file()


def test_restore_refuses_a_live_database_without_force(tmp_path, env):
    config = Config.from_env(env)
    _seed(config, 3)
    path = backup(config.database, config.upload_dir, tmp_path / "b")
    registry = load_registry(config.data_dir)
    db = store.connect(config.database)
    _submit_one(db, registry, config, 99)  # the live database moves on after the backup
    db.conn.close()
    before = sha256_file(config.database)
    with pytest.raises(BackupError, match="--force"):
        restore(path, config.database, config.upload_dir)
    assert sha256_file(config.database) == before  # untouched

    result = restore(path, config.database, config.upload_dir, force=True)
    assert any(p.name.startswith("wagesafe.db.before-restore-") for p in result.moved_aside)
    count = sqlite3.connect(config.database).execute("SELECT count(*) FROM complaints").fetchone()[0]
    assert count == 3


def test_restore_refuses_a_damaged_backup_and_writes_nothing(tmp_path, env):
    config = Config.from_env(env)
    _seed(config, 2)
    path = backup(config.database, config.upload_dir, tmp_path / "b")
    victim = next((path / "uploads").iterdir())
    victim.write_bytes(victim.read_bytes() + b"x")
    fresh = tmp_path / "fresh"
    with pytest.raises(BackupError, match="checksum"):
        restore(path, fresh / "wagesafe.db", fresh / "uploads")
    assert not (fresh / "wagesafe.db").exists()


def test_backup_and_restore_commands(tmp_path, env):
    config = Config.from_env(env)
    _seed(config, 4)
    runner = CliRunner()
    dest = tmp_path / "nightly"
    paths = []
    for _ in range(3):
        result = runner.invoke(main, ["backup", "--to", str(dest), "--keep", "2", "--tar"], env=env)
        assert result.exit_code == 0, result.output
        assert "4 complaints, 4 evidence files" in result.output
        paths.append(Path(result.output.split("backup written: ")[1].split()[0]))
    kept = sorted(p.name for p in dest.iterdir() if p.is_dir())
    assert kept == [p.name for p in paths[1:]]  # --keep 2 pruned the oldest

    fresh_env = env | {"WAGESAFE_VAR_DIR": str(tmp_path / "fresh")}
    archive = paths[-1].with_name(paths[-1].name + ".tar.gz")
    result = runner.invoke(main, ["restore", str(archive)], env=fresh_env)
    assert result.exit_code == 0, result.output
    assert "restored 4 complaints" in result.output
    result = runner.invoke(main, ["restore", str(paths[-1])], env=fresh_env)
    assert result.exit_code == 1 and "--force" in result.output and "Traceback" not in result.output


def test_upgrade_backs_up_then_migrates(tmp_path, env, monkeypatch):
    config = Config.from_env(env)
    _seed(config, 2)
    monkeypatch.setattr(store, "MIGRATIONS", [*store.MIGRATIONS, ("9999_upgrade_probe", "CREATE TABLE upgrade_probe (x);")])
    result = CliRunner().invoke(main, ["upgrade", "--backup-to", str(tmp_path / "pre")], env=env)
    assert result.exit_code == 0, result.output
    assert "applied migrations: 9999_upgrade_probe" in result.output
    kept = Path(result.output.split("backup kept: ")[1].split()[0])
    assert "9999_upgrade_probe" not in verify(kept)["migrations"]  # taken before the migration
    live = sqlite3.connect(config.database)
    assert live.execute("SELECT count(*) FROM sqlite_master WHERE name = 'upgrade_probe'").fetchone()[0] == 1
    again = CliRunner().invoke(main, ["upgrade", "--backup-to", str(tmp_path / "pre")], env=env)
    assert "no migrations to apply" in again.output


def test_backup_does_not_count_evidence_the_retention_period_removed_as_missing(tmp_path, env):
    """A redacted case keeps its evidence rows as a record, not its files; a real loss is still named."""
    from datetime import datetime, timedelta, timezone

    from formsvc.duties import retention

    config = Config.from_env({**env, "PERSONAL_DATA_RETENTION_DAYS": "30"})
    _seed(config, 3)
    db = store.connect(config.database)
    closed_id, open_id = [r[0] for r in db.conn.execute("SELECT id FROM complaints ORDER BY id LIMIT 2")]
    long_ago = datetime.now(timezone.utc) - timedelta(days=60)
    db.conn.execute("UPDATE complaints SET status = 'resolved', resolved_at = ? WHERE id = ?",
                    (store.iso(long_ago), closed_id))
    db.conn.execute("UPDATE notices SET status = 'sent' WHERE complaint_id = ?", (closed_id,))
    assert retention.redact_due(db, config, datetime.now(timezone.utc))
    lost = db.conn.execute("SELECT stored_name FROM evidence WHERE complaint_id = ?", (open_id,)).fetchone()[0]
    db.conn.close()

    manifest = verify(backup(config.database, config.upload_dir, tmp_path / "b1"))
    assert manifest["missing_files"] == [] and len(manifest["files"]) == 2

    (config.upload_dir / lost).unlink()  # an open case's photo really gone: still reported
    manifest = verify(backup(config.database, config.upload_dir, tmp_path / "b2"))
    assert manifest["missing_files"] == [lost]
