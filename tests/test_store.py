"""The store: migrations are named and applied once; a new database opened by several processes
at the same moment (gunicorn workers at first start) comes up in WAL without "database is locked"."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from formsvc import store


def _open(path: str, barrier) -> str:
    barrier.wait()
    db = store.open_db(path)
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    db.close()
    return mode


def test_store_new_database_opened_by_many_processes_at_once(tmp_path: Path):
    path = str(tmp_path / "new.db")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(6)
        with ctx.Pool(6) as pool:
            modes = pool.starmap(_open, [(path, barrier)] * 6)
    assert modes == ["wal"] * 6
    db = store.connect(path)
    assert store.pending_migrations(db) == []
    assert [r["name"] for r in db.query("SELECT name FROM schema_migrations")] == [n for n, _ in store.MIGRATIONS]


def test_store_migrate_twice_applies_nothing_new(tmp_path: Path):
    db = store.connect(tmp_path / "x.db")
    assert store.migrate(db) == [n for n, _ in store.MIGRATIONS]
    assert store.migrate(db) == []
