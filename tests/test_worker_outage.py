"""Nothing given up quietly (issue 15): a day's mail outage is ridden out, delivery resumes within
seconds of the server's return (a probe, not the backoff clock), a crashed worker holds one notice,
not its batch, and a sign-in link queued during an outage is valid from its delivery. Real SMTP on loopback, a real SQLite file."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from datetime import timedelta
from pathlib import Path

from formsvc.demo.mailcatcher import MailCatcher, read_message
from formsvc.notify import worker
from formsvc.notify.notifiers import EmailSender
from formsvc.notify.worker import claim, probe_and_wake, run_forever, run_once
from formsvc.storage import store
from tests.net import free_port
from tests.test_worker import db, queue, sender  # noqa: F401  (db is a fixture)
from wagesafe.config import Config


def test_six_hours_of_smtp_outage_then_every_notice_delivered_once_within_30_seconds(db, tmp_path, data_dir):  # noqa: F811
    port = free_port()  # nothing listens: the county's mail server is down
    queue(db, 25)
    senders = sender(port)
    t0 = store.utcnow()
    rng = random.Random(15)
    # Six simulated hours of the worker's loop (a round every 30 s, the probe with it): nothing is lost.
    t = t0
    while t < t0 + timedelta(hours=6):
        probe_and_wake(db, senders, t)
        result = run_once(db, senders, t, rng=rng, max_attempts=40)
        assert result.sent == 0 and result.dead == 0
        t += timedelta(seconds=30)
    rows = db.conn.execute("SELECT status, attempts, next_attempt_at FROM notices").fetchall()
    assert {r[0] for r in rows} == {"pending"} and max(r[1] for r in rows) >= 8  # past the old limit of 8
    assert max(r[2] for r in rows) > store.iso(t + timedelta(minutes=20))  # deep in their backoff
    # The server comes back: the worker loop, on a clock that goes on from the simulated six hours.
    offset = t - store.utcnow()
    config = Config.from_env({"WAGESAFE_DATABASE": str(tmp_path / "wagesafe.db"), "WAGESAFE_DATA_DIR": str(data_dir),
                              "WAGESAFE_VAR_DIR": str(tmp_path / "var"), "SMTP_PORT": str(port),
                              "WORKER_POLL_SECONDS": "1", "NOTICE_MAX_ATTEMPTS": "40"})
    stop = threading.Event()
    loop = threading.Thread(target=run_forever, args=(config, stop),
                            kwargs=dict(senders=senders, clock=lambda: store.utcnow() + offset))
    loop.start()
    try:
        time.sleep(3)  # the worker has been probing a dead server for a while
        with MailCatcher(tmp_path / "mail", port=port):
            back = time.monotonic()
            while time.monotonic() - back < 30:
                sent = db.conn.execute("SELECT count(*) FROM notices WHERE status = 'sent' AND kind = 'new_case'"
                                       ).fetchone()[0]  # (the loop's duties may queue a daily report too)
                if sent == 25:
                    break
                time.sleep(0.2)
            took = time.monotonic() - back
            time.sleep(1)
    finally:
        stop.set()
        loop.join(30)
    print(f"all 25 notices delivered {took:.1f} s after the mail server's return (after 6 simulated hours)")
    assert sent == 25 and took < 30, (sent, took)
    messages = [m for m in (read_message(p) for p in (tmp_path / "mail").rglob("*.eml"))
                if "officer.li@" in m["To"]]
    assert len(messages) == 25 and len({m["Message-ID"] for m in messages}) == 25  # each once


def test_a_crashed_worker_holds_one_notice_not_its_batch(db, tmp_path):  # noqa: F811
    queue(db, 5)
    t0 = store.utcnow()
    # A worker claims (one at a time, as run_once does) and is killed -9 while sending the first.
    assert len(claim(db, t0, "killed-worker", limit=1)) == 1
    with MailCatcher(tmp_path / "mail", port=0) as catcher:
        result = run_once(db, sender(catcher.port), t0 + timedelta(seconds=5))
    assert result.sent == 4  # the other four did not wait for the dead worker's lease


def test_a_sign_in_link_queued_during_an_outage_is_valid_from_its_delivery(db, tmp_path):  # noqa: F811
    token = "tok-" + "x" * 40
    t0 = store.utcnow()
    with store.write_transaction(db):
        db.conn.execute("INSERT INTO users (email, name, role, scope_code, password_hash, active, created_at)"
                        " VALUES ('a@b.cn', 'A', 'township', 'hexi', '', 1, ?)", (store.iso(t0),))
        db.conn.execute("INSERT INTO login_tokens (token_hash, user_id, created_at, expires_at, next_url)"
                        " VALUES (?, 1, ?, ?, '')", (hashlib.sha256(token.encode()).hexdigest(), store.iso(t0),
                                                     store.iso(t0 + timedelta(minutes=15))))
    queue(db, 1, kind="sign_in", body=f"登录：https://w.example/desk/login/{token}\n")
    delivered = t0 + timedelta(hours=2)  # the mail server was down for two hours
    with MailCatcher(tmp_path / "mail", port=0) as catcher:
        assert run_once(db, sender(catcher.port), delivered).sent == 1
    expires = db.conn.execute("SELECT expires_at FROM login_tokens").fetchone()[0]
    assert expires == store.iso(delivered + timedelta(minutes=worker.LINK_MINUTES))
