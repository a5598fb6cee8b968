"""Issue 28's "done when", on real processes: ``wagesafe serve`` (gunicorn, two worker processes, so
prometheus_client's multiprocess mode is what answers), ``wagesafe worker``, aiosmtpd on loopback and a
SQLite file; ``wagesafe demo`` for what ``make run`` serves.

- ``/metrics`` answers ``text/plain`` with ``# TYPE`` lines and the notice, complaint and heartbeat
  figures, and the figures move as a complaint goes through submit, the outbox and the worker;
- readiness fails within ``READY_HEARTBEAT_SECONDS`` (3 s here) of the worker stopping and passes again
  when it restarts;
- the logs of all of it (``LOG_FORMAT=json``) are one JSON object per line, name the case by its number
  and never carry the worker's name, mobile or words.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import VENV_BIN, Browser, Gunicorn, free_port, service_env  # noqa: E402
from formsvc.demo.mailcatcher import MailCatcher  # noqa: E402

# A case nobody else files: each of these must appear in the database and the officer's desk, never in a log.
NAME, MOBILE = "欧阳知秋", "13987654321"
STORY = "工头把我们九个人四个月的工钱拿去还赌债了，暗号青鸾"
THRESHOLD = 3  # READY_HEARTBEAT_SECONDS for the test


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the Prometheus text format (labels matched exactly), or None."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if found == labels:
            return float(m.group(4))
    return None


def wait_for(check, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


class Worker:
    """``wagesafe worker`` as systemd runs it, its log in a file."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log, self.proc = env, log, None

    def start(self) -> "Worker":
        self.proc = subprocess.Popen([str(VENV_BIN / "wagesafe"), "worker"], env=self.env, cwd=str(ROOT),
                                     stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None


@pytest.fixture
def stack(tmp_path, data_dir):
    catcher = MailCatcher(tmp_path / "mail", port=0).start()
    env = service_env(tmp_path / "var", data_dir, SMTP_PORT=catcher.port, WORKER_POLL_SECONDS="0.2",
                      LOG_FORMAT="json", READY_HEARTBEAT_SECONDS=str(THRESHOLD))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # `wagesafe serve` sets its own under the var dir
    web = Gunicorn(env, workers=2, log_path=tmp_path / "web.log").start()
    worker = Worker(env, tmp_path / "worker.log")
    try:
        yield web, worker, tmp_path
    finally:
        worker.stop()
        web.stop()
        catcher.stop()


def test_metrics_readiness_and_logs_on_the_real_stack(stack):
    web, worker, tmp_path = stack
    browser = Browser(web.port)

    # Before anything: metrics in the text format; not ready, because no worker has ever run.
    first = browser.get("/metrics")
    assert first.status == 200 and first.header("content-type").startswith("text/plain")
    for family, kind in (("wagesafe_notices_pending", "gauge"), ("wagesafe_notices_oldest_pending_age_seconds",
                                                                 "gauge"), ("wagesafe_notices_dead", "gauge"),
                         ("wagesafe_complaints_total", "counter"),
                         ("wagesafe_worker_heartbeat_timestamp_seconds", "gauge"),
                         ("wagesafe_http_request_duration_seconds", "histogram")):
        assert f"# TYPE {family} {kind}" in first.text, family
    assert metric(first.text, "wagesafe_worker_heartbeat_timestamp_seconds") == 0
    not_yet = browser.get("/readyz")
    assert not_yet.status == 503 and "never run" in not_yet.text

    # A complaint: stored, its notices pending while no worker runs.
    _, receipt = browser.submit("/r/qh012", {"name": NAME, "mobile": MOBILE, "description": STORY,
                                             "sms_updates": "y"})
    assert receipt
    waiting = browser.get("/metrics").text
    assert metric(waiting, "wagesafe_complaints_total", source="qr", township="hexi") == 1
    assert metric(waiting, "wagesafe_notices_pending", channel="email") >= 1
    assert metric(waiting, "wagesafe_notices_due", channel="email") >= 1
    assert metric(waiting, "wagesafe_notices_oldest_pending_age_seconds", channel="email") >= 0

    # The worker starts: the notices go, its heartbeat shows, readiness passes.
    worker.start()

    def delivered():
        text = browser.get("/metrics").text
        done = (metric(text, "wagesafe_notices_pending", channel="email") == 0
                and metric(text, "wagesafe_notices_pending", channel="sms") == 0
                and metric(text, "wagesafe_worker_heartbeat_timestamp_seconds") > 0)
        return text if done else None

    after = wait_for(delivered, 60)
    assert after, "the worker did not deliver the complaint's notices within a minute"
    assert metric(after, "wagesafe_notice_deliveries_total", channel="email") >= 1
    assert metric(after, "wagesafe_notice_deliveries_total", channel="sms") >= 2  # the officer's and the receipt
    assert metric(after, "wagesafe_notices_dead", channel="email") == 0
    assert 0 <= metric(after, "wagesafe_worker_heartbeat_age_seconds") < THRESHOLD + 2
    assert metric(after, "wagesafe_duty_last_run_timestamp_seconds", duty="escalation") > 0
    # every request of the two gunicorn processes is counted once (multiprocess mode adds them up)
    assert metric(after, "wagesafe_http_request_duration_seconds_count", group="complaint", method="POST") == 1
    assert metric(after, "wagesafe_http_request_duration_seconds_count", group="complaint", method="GET") == 1
    assert wait_for(lambda: browser.get("/readyz").status == 200, 10), browser.get("/readyz").text

    # The worker stops: readiness fails within the threshold (plus a poll), and says why.
    worker.stop()
    stopped = time.monotonic()
    failed = wait_for(lambda: (r := browser.get("/readyz")).status == 503 and r, THRESHOLD + 10)
    took = time.monotonic() - stopped
    assert failed, "readiness still passes after the worker stopped"
    assert took <= THRESHOLD + 2, f"readiness failed {took:.1f} s after the worker stopped"
    assert "heartbeat" in failed.text and "心跳" in failed.text
    assert metric(browser.get("/metrics").text, "wagesafe_ready") == 0

    # It restarts: ready again.
    worker.start()
    assert wait_for(lambda: browser.get("/readyz").status == 200, 30), browser.get("/readyz").text
    worker.stop()
    browser.close()

    # The logs: JSON, one event a line, the case by its number, never the worker's name, mobile or words.
    web_log = (tmp_path / "web.log").read_text("utf-8")
    worker_log = (tmp_path / "worker.log").read_text("utf-8")
    events = []
    for line in (web_log + worker_log).splitlines():
        if not line.strip() or not line.startswith("{"):
            assert line.startswith(("note: ", "serving on ")), f"not a JSON log line: {line!r}"
            continue
        events.append(json.loads(line))
    assert {"time", "level", "logger", "message"} <= set(events[0])
    everything = web_log + worker_log
    for secret in (NAME, MOBILE, STORY, STORY[:8], MOBILE[-8:]):
        assert secret not in everything, f"the logs carry the worker's {secret!r}"
    assert receipt not in everything.replace(f"/receipt/{receipt}", "")  # only as a path of the receipt page
    sent = [e["message"] for e in events if e["logger"] == "wagesafe.worker" and " sent (" in e["message"]]
    of_the_case = [m for m in sent if "new_case" in m or "worker_receipt" in m]
    assert len(of_the_case) == 3 and all(re.search(r", case \d+\)$", m) for m in of_the_case), sent
    assert any('"POST /r/qh012 HTTP/1.1" 303' in e["message"] for e in events if e["logger"] == "gunicorn.access")
    assert [e["message"] for e in events if e["logger"] == "wagesafe.case"] == ["case 1 stored (qr, township hexi)"]


def test_demo_serves_metrics_and_readiness(tmp_path):
    """What `make run` runs: one process, threads, no multiprocess directory; its own worker beats."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><p>portal</p>", "utf-8")
    port, smtp_port = free_port(), free_port()
    env = {**os.environ, "WAGESAFE_DATA_DIR": str(ROOT / "data"), "WAGESAFE_SITE_DIR": str(site),
           "WAGESAFE_VAR_DIR": str(tmp_path / "var"), "SMTP_PORT": str(smtp_port), "WORKER_POLL_SECONDS": "0.2",
           "WAGESAFE_ENV": "development", "PYTHONUNBUFFERED": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    demo = subprocess.Popen([str(VENV_BIN / "wagesafe"), "demo", "--port", str(port)], env=env, cwd=str(ROOT),
                            stdout=open(tmp_path / "demo.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def answered():
            try:
                return Browser(port, timeout=10).get("/readyz").status == 200
            except OSError:
                return False

        assert wait_for(answered, 60), (tmp_path / "demo.log").read_text("utf-8")[-2000:]
        browser = Browser(port, timeout=10)
        text = browser.get("/metrics")
        assert text.status == 200 and text.header("content-type").startswith("text/plain")
        assert "# TYPE wagesafe_notices_pending gauge" in text.text
        assert metric(text.text, "wagesafe_worker_heartbeat_timestamp_seconds") > 0
        assert metric(text.text, "wagesafe_http_request_duration_seconds_count", group="ops", method="GET") >= 1
        browser.close()
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(30)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait(10)
