"""Faults, the way the real world brings them: a killed server, a mail server that is away, a
locked database, a full disk. Real components only: gunicorn processes killed with SIGKILL,
aiosmtpd on loopback, SQLite files, a real tiny tmpfs.

What must hold in each case: what the worker was told was stored is stored, whole (complaint,
routing decision, events, notices, evidence files); nothing is half-written; each notice is
delivered exactly once; and when the service cannot store a complaint it says so politely
(503, in Chinese) instead of a 500.
"""

from __future__ import annotations

import collections
import hashlib
import io
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (JPEG, VENV_BIN, Browser, Gunicorn, free_port, load, photo, service_env)  # noqa: E402
from formsvc import create_app  # noqa: E402
from formsvc.case import evidence  # noqa: E402
from formsvc.storage import store  # noqa: E402
from formsvc.demo.mailcatcher import MailCatcher, read_message  # noqa: E402
from formsvc.notify.notifiers import EmailSender, FileSmsProvider  # noqa: E402
from formsvc.notify.worker import run_once  # noqa: E402
from wagesafe.config import Config  # noqa: E402

GOOD = dict(name="张三", mobile="13812345678", owed_by_kind="team_leader", owed_by_name="李四", trade="木工",
            workers="3", amount_yuan="12000", months_owed="2", description="干了三个月，包工头一直拖着不发。",
            callback_time="evening", consent="y")
TOKEN_RES = [re.compile(r'name="(csrf_token|submission_token)"[^>]*value="([^"]*)"')]


# --- helpers shared with test_hostile_input ---------------------------------------------------------

def make_app(tmp_path: Path, data_dir: Path, testing: bool = True, **env):
    settings = {"WAGESAFE_VAR_DIR": str(tmp_path / "var"), "WAGESAFE_DATA_DIR": str(data_dir),
                "PUBLIC_BASE_URL": "https://wagesafe.example", "RATE_LIMIT_IP_PER_HOUR": "100000",
                "RATE_LIMIT_MOBILE_PER_DAY": "100000", "RATE_LIMIT_DEVICE_PER_HOUR": "100000",
                "SURGE_ALERT_PER_10_MINUTES": "0", **env}
    app = create_app(Config.from_env(settings))
    app.config["TESTING"] = testing
    return app


def tokens(page: bytes) -> dict:
    import html

    text = page.decode("utf-8", "replace")
    out = {}
    for name in ("csrf_token", "submission_token"):
        m = (re.search(rf'name="{name}"[^>]*value="([^"]*)"', text)
             or re.search(rf'value="([^"]*)"[^>]*name="{name}"', text))
        if m:
            out[name] = html.unescape(m.group(1))
    return out


def post_form(client, url: str = "/r/qh012", files=(), page: bytes | None = None, **fields):
    """Fetch the form (unless ``page`` is given), fill GOOD overridden by ``fields`` (None drops one), post it."""
    page = page if page is not None else client.get(url).data
    data = {**tokens(page), **GOOD, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(url, data=data, content_type="multipart/form-data")


def counts(database: Path) -> dict:
    db = store.connect(database)
    try:
        return {t: db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("complaints", "case_routing", "case_events", "notices", "evidence")}
    finally:
        db.conn.close()


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in Path(directory).iterdir()) if Path(directory).exists() else []


def assert_whole(database: Path, upload_dir: Path) -> int:
    """Every complaint in the database is whole: routing, both public events, notices, evidence files."""
    db = store.connect(database)
    try:
        assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.conn.execute("SELECT id, receipt FROM complaints").fetchall()
        for cid, receipt in rows:
            n_route = db.conn.execute("SELECT count(*) FROM case_routing WHERE complaint_id=?", (cid,)).fetchone()[0]
            kinds = {k for (k,) in db.conn.execute("SELECT kind FROM case_events WHERE complaint_id=?", (cid,))}
            n_notice = db.conn.execute("SELECT count(*) FROM notices WHERE complaint_id=?", (cid,)).fetchone()[0]
            assert n_route >= 1 and {"submitted", "routed"} <= kinds and n_notice >= 1, (receipt, n_route, kinds)
        for stored, sha in db.conn.execute("SELECT stored_name, sha256 FROM evidence"):
            path = Path(upload_dir) / stored
            assert path.exists(), f"evidence {stored} has a row but no file"
            assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
        return len(rows)
    finally:
        db.conn.close()


# --- (a) kill -9 during a burst --------------------------------------------------------------------

@pytest.mark.slow
def test_faults_kill_9_during_burst_loses_no_receipted_complaint_and_notices_go_out_once(tmp_path, data_dir):
    var = tmp_path / "var"
    catcher = MailCatcher(tmp_path / "mail", port=0).start()
    env = service_env(var, data_dir, SMTP_PORT=catcher.port, WORKER_POLL_SECONDS="0.2")
    web = Gunicorn(env, workers=2, threads=4).start()
    receipts: list[str] = []
    lock = threading.Lock()

    def one(i: int) -> str:
        b = Browser(web.port, timeout=10)
        files = [("evidence", f"工资条{i}.jpg", JPEG + i.to_bytes(4, "big"), "image/jpeg")] if i % 5 == 0 else []
        r, receipt = b.submit("/r/qh012", {"mobile": f"139{i:08d}", "description": f"第 {i} 号投诉"}, files)
        b.close()
        if receipt:
            with lock:
                receipts.append(receipt)
        return receipt

    killed_at = []

    def killer():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with lock:
                n = len(receipts)
            if n >= 120:
                web.kill(signal.SIGKILL)  # master and workers: the whole process group
                killed_at.append(n)
                return
            time.sleep(0.01)

    k = threading.Thread(target=killer)
    k.start()
    try:
        result = load(one, 500, concurrency=32, time_limit=60)
    finally:
        k.join(70)
    assert killed_at, "the burst ended before the kill"
    assert web.proc is None
    assert result.errors, "the kill should have cut some submissions short"
    got = set(receipts)
    assert 120 <= len(got) < 500

    # Every receipt the worker saw is stored, whole. A crash between COMMIT and rename may leave a
    # staged file: evidence.recover (run here as an operator would at start) must finish it.
    evidence.recover(store.connect(var / "wagesafe.db"), var / "uploads")
    stored = assert_whole(var / "wagesafe.db", var / "uploads")
    db = store.connect(var / "wagesafe.db")
    in_db = {r for (r,) in db.conn.execute("SELECT receipt FROM complaints")}
    assert got <= in_db, f"receipted but lost: {sorted(got - in_db)[:5]}"
    assert stored >= len(got)
    assert not [p for p in files_in(var / "uploads") if p.endswith(".part")]

    # Restart: the service comes back on the same files and takes a new complaint.
    web = Gunicorn(env, workers=2, threads=4).start()
    try:
        _, receipt = Browser(web.port).submit("/r/qh012", {"mobile": "13700000001"})
        assert receipt
        # The worker delivers every notice exactly once.
        worker = subprocess.Popen([str(VENV_BIN / "wagesafe"), "worker"], env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "wb"))
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                left = db.conn.execute("SELECT count(*) FROM notices WHERE status IN ('pending','sending')").fetchone()[0]
                if left == 0:
                    break
                time.sleep(0.2)
            assert left == 0, f"{left} notices not delivered in 60 s"
            time.sleep(1.0)  # one more poll round: nothing may be sent again
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(20)
    finally:
        web.kill(signal.SIGTERM)
        catcher.stop()
    email_ids = {i for (i,) in db.conn.execute("SELECT id FROM notices WHERE channel='email'")}
    assert db.conn.execute("SELECT count(*) FROM notices WHERE status != 'sent'").fetchone()[0] == 0
    seen = collections.Counter(int(str(read_message(p)["X-WageSafe-Notice"]).split()[0])
                               for p in (tmp_path / "mail").glob("[0-9]*.eml"))
    assert set(seen) == email_ids
    assert max(seen.values()) == 1, [i for i, n in seen.items() if n > 1][:5]
    # Per complaint: as many emails arrived as it has email notices, and at least one.
    owner = dict(db.conn.execute("SELECT n.id, c.receipt FROM notices n JOIN complaints c ON c.id = n.complaint_id"
                                 " WHERE n.channel = 'email'").fetchall())
    per_receipt = collections.Counter(owner[i] for i in seen if i in owner)
    expected = collections.Counter(dict(db.conn.execute(
        "SELECT c.receipt, count(n.id) FROM complaints c JOIN notices n ON n.complaint_id = c.id"
        " AND n.channel = 'email' GROUP BY c.id").fetchall()))
    assert per_receipt == expected
    for r in got | {receipt}:
        assert per_receipt[r] >= 1
    sms_ids = {i for (i,) in db.conn.execute("SELECT id FROM notices WHERE channel='sms'")}
    assert {int(p.stem.split("-")[1]) for p in (var / "sms").glob("notice-*.json")} == sms_ids
    db.conn.close()


# --- (b) SMTP away for a while ---------------------------------------------------------------------

def test_faults_smtp_unreachable_then_back_every_notice_delivered_once(tmp_path, data_dir):
    app = make_app(tmp_path, data_dir)
    client = app.test_client()
    for i, workers in enumerate(["3", "25", "1"]):  # 25 workers: urgent, the county desk is told too
        assert post_form(client, workers=workers, mobile=f"1391234000{i}").status_code == 303
    config = app.config["WAGESAFE"]
    db = store.connect(config.database)
    port = free_port()  # nobody listens here yet
    senders = {"email": EmailSender("127.0.0.1", port, mail_from="WageSafe <noreply@wagesafe.localhost>", timeout=3),
               "sms": FileSmsProvider(config.var_dir / "sms")}
    n_email = db.conn.execute("SELECT count(*) FROM notices WHERE channel='email'").fetchone()[0]
    assert n_email == 4
    clock = store.utcnow()
    first = run_once(db, senders, clock)
    # One failed connection tells the worker the server is away: the rest of the round skips email
    # (the SMS still go); the next rounds try the others, one each.
    assert first.retried == 1 and first.dead == 0 and first.unreachable == {"email"}
    t = clock
    for _ in range(n_email):
        t += timedelta(seconds=1)
        run_once(db, senders, t)
    rows = list(db.query("SELECT * FROM notices WHERE channel='email'"))
    assert all(r["status"] == "pending" and r["attempts"] == 1 and "cannot reach" in r["last_error"]
               for r in rows), [(r["status"], r["attempts"], r["last_error"]) for r in rows]
    # Before the backoff is over nothing is tried again.
    assert run_once(db, senders, t + timedelta(seconds=5)).claimed == 0
    second = run_once(db, senders, clock + timedelta(minutes=10))
    assert second.retried == 1 and second.unreachable == {"email"}
    with MailCatcher(tmp_path / "mail", port=port) as catcher:
        assert catcher.port == port
        t = clock + timedelta(minutes=10)
        for _ in range(10):  # bounded: at most 10 rounds of an hour each
            t += timedelta(hours=1)
            run_once(db, senders, t)
            if not db.conn.execute("SELECT count(*) FROM notices WHERE status != 'sent'").fetchone()[0]:
                break
        assert run_once(db, senders, t + timedelta(days=2)).claimed == 0  # nothing left, nothing re-sent
        time.sleep(0.3)
    ids = collections.Counter(int(str(read_message(p)["X-WageSafe-Notice"]).split()[0])
                              for p in (tmp_path / "mail").glob("[0-9]*.eml"))
    assert len(ids) == n_email and set(ids.values()) == {1}
    # two failed tries each (the one that found the server away in the second round: three), then sent
    assert all(r["status"] == "sent" and r["attempts"] in (2, 3)
               for r in db.query("SELECT * FROM notices WHERE channel='email'"))


# --- (c) the database held by a long reader, then by a long writer -----------------------------------

def test_faults_long_reader_does_not_block_submissions(tmp_path, data_dir):
    app = make_app(tmp_path, data_dir)
    client = app.test_client()
    database = app.config["WAGESAFE"].database
    assert post_form(client).status_code == 303
    held, release = threading.Event(), threading.Event()
    seen = {}

    def reader():
        conn = sqlite3.connect(str(database), isolation_level=None)
        conn.execute("BEGIN")
        seen["before"] = conn.execute("SELECT count(*) FROM complaints").fetchone()[0]  # the read snapshot starts
        held.set()
        release.wait(10)
        seen["during"] = conn.execute("SELECT count(*) FROM complaints").fetchone()[0]
        conn.execute("COMMIT")
        conn.close()

    t = threading.Thread(target=reader)
    t.start()
    assert held.wait(5)
    t0 = time.monotonic()
    try:
        for i in range(5):
            r = post_form(client, mobile=f"1370000000{i}")
            assert r.status_code == 303, r.data[:300]
        elapsed = time.monotonic() - t0
        time.sleep(max(0.0, 3.0 - elapsed))  # the reader holds its transaction for 3 s in all
        assert t.is_alive()
    finally:
        release.set()
        t.join(10)
    assert elapsed < 3.0, f"submissions waited on a reader: {elapsed:.1f}s"
    assert seen == {"before": 1, "during": 1}  # the reader kept its snapshot while we wrote
    assert counts(database)["complaints"] == 6
    assert_whole(database, app.config["WAGESAFE"].upload_dir)


@pytest.mark.slow
def test_faults_long_writer_gets_a_polite_503_and_nothing_half_written(tmp_path, data_dir, monkeypatch, caplog):
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 400)  # every connection opened from now on waits 0.4 s
    app = make_app(tmp_path, data_dir, testing=False)
    client = app.test_client()
    config = app.config["WAGESAFE"]
    assert post_form(client).status_code == 303
    before = counts(config.database)
    before_files = files_in(config.upload_dir)
    page = client.get("/r/qh012").data
    writer = sqlite3.connect(str(config.database), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # e.g. a backup or a migration that holds the write lock
    writer.execute("INSERT INTO rate_events (at, key) VALUES ('x', 'held')")
    try:
        t0 = time.monotonic()
        r = post_form(client, page=page, files=[("photo.jpg", JPEG)], mobile="13600000001")
        waited = time.monotonic() - t0
        body = r.get_data(as_text=True)
        assert r.status_code == 503, body[:500]
        assert "没有保存" in body or "未保存" in body, body[:800]
        assert "<html" in body.lower() and "Traceback" not in body
        assert r.headers.get("Retry-After")
        assert waited < 5
        # The status check (a rate-limit write) is polite too.
        s = client.post("/status", data={**tokens(client.get("/status").data), "receipt": "ABCD-EFGH",
                                         "mobile": "13600000001"})
        assert s.status_code == 503
        assert counts(config.database) == before
        assert files_in(config.upload_dir) == before_files  # no staged file left behind
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    # The same page, sent again once the lock is gone, is stored once.
    r = post_form(client, page=page, files=[("photo.jpg", JPEG)], mobile="13600000001")
    assert r.status_code == 303
    r = post_form(client, page=page, files=[("photo.jpg", JPEG)], mobile="13600000001")  # a double tap
    assert r.status_code == 303
    after = counts(config.database)
    assert after["complaints"] == before["complaints"] + 1 and after["evidence"] == before["evidence"] + 1
    assert_whole(config.database, config.upload_dir)
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR and "Exception on" in rec.getMessage()]


# --- (d) disk full while storing an upload ------------------------------------------------------------

@pytest.fixture
def tiny_disk(tmp_path):
    """A real 1 MB tmpfs (root only); unmounted after the test."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"mount not permitted here: {p.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_faults_disk_full_during_upload_is_a_clear_error_and_stores_nothing(tmp_path, data_dir, tiny_disk, caplog):
    uploads = tiny_disk / "uploads"
    app = make_app(tmp_path, data_dir, testing=False, WAGESAFE_UPLOAD_DIR=str(uploads))
    client = app.test_client()
    config = app.config["WAGESAFE"]
    small = JPEG + b"\x01" * 1000
    assert post_form(client, files=[("ok.jpg", small)], mobile="13500000001").status_code == 303
    before, before_files = counts(config.database), files_in(uploads)
    big = photo(600 * 1024)  # two of these do not fit in what is left of 1 MB (a real photo: re-encoded)
    r = post_form(client, files=[("a.jpg", big), ("b.jpg", big)], mobile="13500000002")
    body = r.get_data(as_text=True)
    assert r.status_code in (503, 507), (r.status_code, body[:500])
    assert "没有保存" in body or "未保存" in body, body[:800]
    assert "Traceback" not in body
    assert counts(config.database) == before
    assert files_in(uploads) == before_files  # no half-written .part left
    # Once there is room again (a smaller file), the same worker can submit.
    assert post_form(client, files=[("c.jpg", small)], mobile="13500000002").status_code == 303
    assert_whole(config.database, uploads)
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR and "Exception on" in rec.getMessage()]
