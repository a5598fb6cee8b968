"""The outbox worker against real SMTP servers on loopback and a real SQLite file, with a driven clock."""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from formsvc.notify import outbox
from formsvc.storage import store
from formsvc.demo.mailcatcher import MailCatcher, message_text, read_message
from formsvc.notify.notifiers import EmailSender
from formsvc.notify.worker import RunResult, backoff, claim, run_forever, run_once
from tests.net import free_port
from wagesafe.config import Config

SUBJECT = "新案件：青禾县 3 名工人被欠薪 ¥86,000"
ROOT = Path(__file__).resolve().parent.parent
LINK = "http://127.0.0.1:8000/desk/cases/1"


@pytest.fixture
def db(tmp_path: Path):
    database = store.open_db(tmp_path / "wagesafe.db")
    yield database
    database.conn.close()


@pytest.fixture
def catcher(tmp_path: Path):
    with MailCatcher(tmp_path / "mail", port=0) as c:
        yield c


def queue(db, n: int = 1, **overrides) -> None:
    with store.write_transaction(db):
        for i in range(n):
            fields = dict(kind="new_case", channel="email", recipient="officer.li@qinghe.example.cn",
                          subject=SUBJECT, body=f"请尽快处理此案件：{LINK}\n编号 {i}")
            fields.update(overrides)
            outbox.enqueue(db, **fields)


def notice(db, notice_id: int = 1) -> dict:
    return next(db.query("SELECT * FROM notices WHERE id = ?", [notice_id]))


def sender(port: int) -> dict:
    return {"email": EmailSender("127.0.0.1", port, mail_from="WageSafe 薪安通 <noreply@wagesafe.localhost>",
                                 timeout=5)}


def mails(directory: Path) -> list:
    return [read_message(p) for p in sorted(directory.glob("*.eml"))]


def later(seconds: float = 1):
    return store.utcnow() + timedelta(seconds=seconds)


def test_worker_delivers_email_with_utf8_subject_and_link(db, catcher):
    queue(db)
    assert run_once(db, sender(catcher.port), later()) == RunResult(sent=1)
    [msg] = mails(catcher.directory)
    assert msg["Subject"] == SUBJECT
    assert LINK in message_text(msg)
    assert msg["Message-ID"].startswith("<notice-1.")
    row = notice(db)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, "")
    assert row["sent_at"]
    assert run_once(db, sender(catcher.port), later(2)) == RunResult()  # nothing sent twice


def test_worker_retries_with_backoff_while_smtp_is_down_then_delivers(db, tmp_path):
    port = free_port()
    queue(db)
    t0 = later()
    assert run_once(db, sender(port), t0, rng=random.Random(1)) == RunResult(retried=1)
    row = notice(db)
    assert row["status"] == "pending" and row["attempts"] == 1 and "cannot reach SMTP" in row["last_error"]
    first_wait = datetime.fromisoformat(row["next_attempt_at"]) - t0
    assert timedelta(seconds=23) <= first_wait <= timedelta(seconds=37)
    assert run_once(db, sender(port), t0 + timedelta(seconds=10)) == RunResult()  # not due yet

    t1 = t0 + timedelta(seconds=40)
    assert run_once(db, sender(port), t1, rng=random.Random(2)) == RunResult(retried=1)
    second_wait = datetime.fromisoformat(notice(db)["next_attempt_at"]) - t1
    assert timedelta(seconds=47) <= second_wait <= timedelta(seconds=73)

    with MailCatcher(tmp_path / "mail", port=port) as c:  # the server comes back
        assert run_once(db, sender(port), t1 + timedelta(minutes=2)) == RunResult(sent=1)
        assert len(mails(c.directory)) == 1
    assert notice(db)["status"] == "sent" and notice(db)["attempts"] == 3


def test_notice_is_dead_after_max_attempts(db):
    port = free_port()
    queue(db)
    now = later()
    results = []
    for _ in range(4):
        results.append(run_once(db, sender(port), now, max_attempts=3))
        now += timedelta(hours=2)
    assert results == [RunResult(retried=1), RunResult(retried=1), RunResult(dead=1), RunResult()]
    row = notice(db)
    assert row["status"] == "dead" and row["attempts"] == 3
    assert row["last_error"].startswith("attempt 3: Unreachable")  # a TemporaryFailure: the server was not there


def test_permanent_failure_is_dead_at_once(db, catcher):
    queue(db, recipient="not an address")
    queue(db, channel="sms", recipient="13800000000", dedupe_key="sms-1")
    assert run_once(db, sender(catcher.port), later()) == RunResult(dead=2)
    assert "not an email address" in notice(db, 1)["last_error"]
    assert "no sender for channel 'sms'" in notice(db, 2)["last_error"]


def test_backoff_doubles_from_30_seconds_and_stops_at_an_hour():
    rng = random.Random(7)
    waits = [backoff(n, rng).total_seconds() for n in range(1, 12)]
    for n, wait in enumerate(waits, start=1):
        base = min(30 * 2 ** (n - 1), 3600)
        assert base * 0.8 <= wait <= min(base * 1.2, 3600)
    assert max(waits) <= 3600


def test_two_workers_never_send_the_same_notice(tmp_path, catcher):
    path = tmp_path / "wagesafe.db"
    setup = store.open_db(path)
    queue(setup, 60)
    setup.conn.close()
    sent: dict[str, list[int]] = {"a": [], "b": []}
    email = sender(catcher.port)["email"]

    class Recording:
        """The real email sender, noting which notices this worker handed over."""

        def __init__(self, name):
            self.name = name

        def send(self, n):
            email.send(n)
            sent[self.name].append(n["id"])

    def work(name):
        db = store.connect(path)  # one connection per thread, as in production
        now = later()
        while run_once(db, {"email": Recording(name)}, now, limit=3).claimed:
            pass
        db.conn.close()

    threads = [threading.Thread(target=work, args=(name,)) for name in sent]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert set(sent["a"]).isdisjoint(sent["b"])
    assert sorted(sent["a"] + sent["b"]) == list(range(1, 61))
    assert sent["a"] and sent["b"], "both workers should have taken part"
    ids = sorted(int(m["X-WageSafe-Notice"].split()[0]) for m in mails(catcher.directory))
    assert ids == list(range(1, 61))


def test_stale_sending_row_is_reclaimed_after_the_lease(db, catcher):
    queue(db, 2)
    t0 = later()
    assert len(claim(db, t0, "worker-that-died", limit=1)) == 1  # claimed, then the worker died
    assert run_once(db, sender(catcher.port), t0 + timedelta(minutes=1)) == RunResult(sent=1)  # only the other one
    assert notice(db, 1)["status"] == "sending"
    assert run_once(db, sender(catcher.port), t0 + timedelta(minutes=6)) == RunResult(sent=1)
    row = notice(db, 1)
    assert row["status"] == "sent" and row["attempts"] == 2 and row["claimed_by"] != "worker-that-died"


def test_stale_row_after_its_last_attempt_is_dead(db):
    queue(db)
    t0 = later()
    claim(db, t0, "worker-that-died", max_attempts=1)
    assert run_once(db, {}, t0 + timedelta(minutes=6), max_attempts=1) == RunResult()
    row = notice(db)
    assert row["status"] == "dead" and "lease" in row["last_error"]


def test_run_forever_delivers_and_stops_on_event(tmp_path, catcher):
    config = Config.from_env({}, data_dir=ROOT / "data", var_dir=tmp_path, database=tmp_path / "wagesafe.db",
                             smtp_port=catcher.port, worker_poll_seconds=0.05)
    db = store.open_db(config.database)
    queue(db)
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(config, stop))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while notice(db)["status"] != "sent" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert notice(db)["status"] == "sent"
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    # (the loop's scheduler tick may have queued and sent the daily report too)
    assert [m["To"] for m in mails(catcher.directory)].count("officer.li@qinghe.example.cn") == 1
    db.conn.close()
