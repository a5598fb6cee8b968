"""Submissions' turns and the WAL checkpoints outside them (formsvc/storage/write_turns.py), on real SQLite files."""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest

from formsvc.case import complaints
from formsvc.storage import store, write_turns
from formsvc.case.complaints import ComplaintInput
from wagesafe.config import Config
from wagesafe.registry import load_registry

from tests.test_intake import make_app, submit


@pytest.fixture
def env(tmp_path, data_dir):
    config = Config.from_env({"WAGESAFE_VAR_DIR": str(tmp_path / "var"), "WAGESAFE_DATA_DIR": str(data_dir),
                              "PUBLIC_BASE_URL": "https://wagesafe.example", "RATE_LIMIT_IP_PER_HOUR": "100000",
                              "RATE_LIMIT_MOBILE_PER_DAY": "100000",
                              "RATE_LIMIT_DEVICE_PER_HOUR": "100000", "SURGE_ALERT_PER_10_MINUTES": "0"})
    config.upload_dir.mkdir(parents=True)
    return config, store.open_db(config.database), load_registry(data_dir)


def file_complaints(config, db, registry, n: int, every: int) -> None:
    for i in range(n):
        complaints.submit(db, registry, config, ComplaintInput(
            submission_token=os.urandom(12).hex(), project_code="qh012", name="张三", mobile=f"138{i:08d}",
            description="干了三个月，包工头一直拖着不发。" * 5, consent=True), [], ip=f"10.0.{i // 250}.{i % 250}")
        write_turns.checkpoint_now_and_then(db.conn, config.database, every=every)


def wal_bytes(config) -> int:
    return os.path.getsize(f"{config.database}-wal")


def test_checkpoints_keep_the_wal_small_without_sqlites_own(env):
    """With SQLite's automatic checkpoint off, only ours can bound the WAL: the file stops growing
    because SQLite writes it from the beginning again after each complete checkpoint."""
    config, db, registry = env
    db.conn.execute("PRAGMA wal_autocheckpoint = 0")
    file_complaints(config, db, registry, 20, every=10)
    after_20 = wal_bytes(config)
    file_complaints(config, db, registry, 200, every=10)
    assert wal_bytes(config) <= after_20 * 1.5

    # The same without our checkpoint: the WAL holds every page written since the start.
    file_complaints(config, db, registry, 200, every=0)
    assert wal_bytes(config) > after_20 * 5
    assert db.conn.execute("SELECT count(*) FROM complaints").fetchone()[0] == 420


def test_checkpoint_runs_on_every_nth_submission_of_a_process(env):
    config, db, _ = env
    ran = [write_turns.checkpoint_now_and_then(db.conn, config.database, every=3) for _ in range(7)]
    assert ran == [False, False, True, False, False, True, False]


def test_a_failed_checkpoint_is_logged_and_never_raised(env, caplog):
    """The complaint is already stored when the checkpoint runs: the worker must still get the receipt."""
    config, db, _ = env
    broken = store.connect(config.database).conn
    broken.close()
    with caplog.at_level(logging.WARNING, logger="formsvc.storage.write_turns"):
        assert write_turns.checkpoint_now_and_then(broken, config.database, every=1) is False
    assert "checkpoint" in caplog.text


def test_the_short_checkpoint_waits_for_the_submitters_turn(env):
    """The second checkpoint runs inside a turn: while another submitter holds it, it waits."""
    config, db, _ = env
    finished = threading.Event()

    def checkpoint():
        write_turns.checkpoint_now_and_then(store.connect(config.database).conn, config.database, every=1)
        finished.set()

    with write_turns.writer_turn(config.database):
        worker = threading.Thread(target=checkpoint)
        worker.start()
        time.sleep(0.3)
        assert not finished.is_set()
    worker.join(5)
    assert finished.is_set()


def test_the_form_checkpoints_after_created_complaints_only(tmp_path, data_dir, monkeypatch):
    """Wired into the complaint POST: one count per stored complaint, none for a double tap."""
    app = make_app(tmp_path, data_dir)
    client = app.test_client()
    calls = []
    real = write_turns.checkpoint_now_and_then
    monkeypatch.setattr(write_turns, "checkpoint_now_and_then",
                        lambda conn, database, every=None: calls.append(database) or real(conn, database, every=1))
    page = client.get("/r/qh012").data
    for response in (submit(client, token_from=page), submit(client, token_from=page), submit(client)):
        assert response.status_code == 303  # the second is the same form again: no new complaint
        response.close()  # what the server does once the response is sent
    assert calls == [app.config["WAGESAFE"].database] * 2
