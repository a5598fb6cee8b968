"""The store: migrations are named and applied once; a new database opened by several processes
at the same moment (gunicorn workers at first start) comes up in WAL without "database is locked"."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from formsvc.storage import store


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


def _apply_only(db, names: list[str]) -> None:
    """Bring a new database to an older schema: only the named migrations, in order."""
    db.conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, sql in store.MIGRATIONS:
        if name in names:
            with store.write_transaction(db):
                for statement in store._statements(sql):
                    db.conn.execute(statement)
                db.conn.execute("INSERT INTO schema_migrations VALUES (?, '2026-01-01T00:00:00+00:00')", (name,))


def test_store_upgrade_keeps_old_cases_whole(tmp_path: Path):
    """A database from before 0002/0003 (routing and timeline in child rows, rate events with ids,
    a dedupe key on every notice) upgrades without losing a row, and reads as before through the
    views; a new complaint after it reads the same way from its own columns."""
    from formsvc.notify import outbox

    db = store.connect(tmp_path / "old.db")
    _apply_only(db, ["0001_initial"])
    with store.write_transaction(db):
        db.conn.execute("INSERT INTO complaints (id, receipt, created_at, assignee_kind, assignee_code, responsible_kind,"
                        " responsible_code) VALUES (1, 'AAAA-BBBB', '2026-01-02T00:00:00+00:00', 'township', 'hexi',"
                        " 'township', 'hexi')")
        db.conn.execute("INSERT INTO routing_decisions (complaint_id, decided_at, rule, target_kind, target_code, reason)"
                        " VALUES (1, '2026-01-02T00:00:00+00:00', 'project', 'township', 'hexi', '旧的分派理由')")
        db.conn.executemany("INSERT INTO events (complaint_id, at, actor, kind, detail, public) VALUES (1, ?, ?, ?, ?, 1)",
                            [("2026-01-02T00:00:00+00:00", "worker", "submitted", ""),
                             ("2026-01-02T00:00:00+00:00", "system", "routed", "旧的分派理由"),
                             ("2026-01-03T00:00:00+00:00", "a@x", "acknowledged", "")])
        db.conn.execute("INSERT INTO notices (complaint_id, created_at, kind, channel, recipient, body, dedupe_key,"
                        " next_attempt_at) VALUES (1, 'x', 'new_case', 'email', 'a@x', 'b', 'new:1:email:a@x', 'x')")
        db.conn.execute("INSERT INTO rate_events (at, key) VALUES ('2026-01-02T00:00:00+00:00', 'submit-ip:10.0.0.1')")
    applied = store.migrate(db)
    assert applied[:3] == ["0002_lean_complaint_writes", "0003_routing_on_the_complaint", "0004_personal_data_retention"]
    assert applied == [name for name, _ in store.MIGRATIONS[1:]]  # and every later one, in order

    assert [(r["rule"], r["reason"]) for r in db.query("SELECT * FROM case_routing WHERE complaint_id = 1")] == [
        ("project", "旧的分派理由")]
    assert [e["kind"] for e in db.query("SELECT kind FROM case_events WHERE complaint_id = 1 ORDER BY at, seq")] == [
        "submitted", "routed", "acknowledged"]
    assert db.conn.execute("SELECT key FROM rate_events").fetchall() == [("submit-ip:10.0.0.1",)]
    # The old dedupe key still guards; a key-less notice (a new case's) is never refused.
    with store.write_transaction(db):
        assert not outbox.enqueue(db, kind="new_case", channel="email", recipient="a@x", body="b",
                                  dedupe_key="new:1:email:a@x")
        assert outbox.enqueue(db, kind="new_case", channel="email", recipient="a@x", body="b")
        assert outbox.enqueue(db, kind="new_case", channel="email", recipient="a@x", body="b")
    assert db.conn.execute("SELECT count(*) FROM notices").fetchone()[0] == 3

    with store.write_transaction(db):
        db.conn.execute("INSERT INTO complaints (id, receipt, created_at, assignee_kind, responsible_kind, route_rule,"
                        " route_target_kind, route_target_code, route_reason, urgent_reason) VALUES (2, 'CCCC-DDDD',"
                        " '2026-02-01T00:00:00+00:00', 'township', 'township', 'project', 'township', 'hexi', '新的理由',"
                        " '25 人')")
    assert [(r["rule"], r["reason"]) for r in db.query(
        "SELECT * FROM case_routing WHERE complaint_id = 2 ORDER BY decided_at, seq")] == [
        ("project", "新的理由"), ("urgent", "25 人")]
    assert [(e["kind"], e["detail"]) for e in db.query(
        "SELECT * FROM case_events WHERE complaint_id = 2 ORDER BY at, seq")] == [("submitted", ""), ("routed", "新的理由")]
