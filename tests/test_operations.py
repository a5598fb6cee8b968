"""The operator's view (issue 28), piece by piece on real SQLite files and the real app: who may read
``/metrics``, each readiness check, the delivery counters and duty marks behind the metrics,
``wagesafe backup verify`` and ``wagesafe ready``, and the log formats."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from formsvc import create_app
from formsvc.duties import scheduler
from formsvc.notify import outbox
from formsvc.notify.notifiers import PermanentFailure, TemporaryFailure
from formsvc.notify.worker import claim, mark_failed, mark_sent
from formsvc.storage import ops_marks, store
from formsvc.web.ops import instruments, readiness
from formsvc.web.ops.views import metrics_allowed
from wagesafe import logs
from wagesafe.cli import main
from wagesafe.config import Config
from wagesafe.registry import load_registry

from tests.test_backup import _seed
from tests.test_operations_live import metric


@pytest.fixture
def env(tmp_path, data_dir) -> dict[str, str]:
    return {"WAGESAFE_DATA_DIR": str(data_dir), "WAGESAFE_VAR_DIR": str(tmp_path / "var"),
            "RATE_LIMIT_MOBILE_PER_DAY": "1000000", "SURGE_ALERT_PER_10_MINUTES": "0"}


@pytest.fixture
def config(env) -> Config:
    return Config.from_env(env)


@pytest.fixture
def db(config):
    database = store.open_db(config.database)
    yield database
    database.conn.close()


# --- who may read /metrics ------------------------------------------------------------------------

def test_metrics_only_for_the_allowed_networks(config, env):
    app = create_app(config)
    client = app.test_client()
    assert client.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert outside.status_code == 403 and "METRICS_ALLOW_NETWORKS" in outside.get_data(as_text=True)
    assert "wagesafe_" not in outside.get_data(as_text=True)
    opened = create_app(Config.from_env({**env, "METRICS_ALLOW_NETWORKS": "203.0.113.0/24"})).test_client()
    assert opened.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200
    assert opened.get("/metrics").status_code == 403  # loopback is no longer in the list


def test_metrics_behind_nginx_see_the_scrapers_address(env):
    """Through the nginx of deploy/ (a trusted proxy) the address checked is Prometheus', not nginx's."""
    app = create_app(Config.from_env({**env, "TRUSTED_PROXIES": "127.0.0.1", "METRICS_ALLOW_NETWORKS": "10.9.0.0/16"}))
    client = app.test_client()
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.9.3.4"}).status_code == 200
    assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 403


@pytest.mark.parametrize("address,networks,allowed", [
    ("127.0.0.1", "127.0.0.1/32,::1/128", True), ("::1", "127.0.0.1/32,::1/128", True),
    ("::ffff:127.0.0.1", "127.0.0.1/32", True), ("10.0.0.1", "127.0.0.1/32,::1/128", False),
    ("10.0.0.1", "", False), ("not an address", "0.0.0.0/0", False), (None, "0.0.0.0/0", False),
    ("127.0.0.1", "127.0.0.1/33", False)])
def test_metrics_allowed(address, networks, allowed):
    assert metrics_allowed(address, networks) is allowed


def test_config_check_refuses_metrics_for_everyone(env):
    from wagesafe.config_check import problems

    def about_metrics(value: str) -> list[str]:
        return [p for p in problems(Config.from_env({**env, "METRICS_ALLOW_NETWORKS": value}))
                if "METRICS_ALLOW_NETWORKS" in p]

    assert about_metrics("127.0.0.1/32,::1/128") == [] and about_metrics("10.20.0.5") == []
    assert "whole internet" in about_metrics("0.0.0.0/0")[0] and "whole internet" in about_metrics("::/0")[0]
    assert about_metrics("10.0.0.300")


# --- readiness, check by check --------------------------------------------------------------------

def _queue(db, now, *, created=None, due=None, channel="email"):
    with store.write_transaction(db):
        outbox.enqueue(db, kind="new_case", channel=channel, recipient="officer@example.gov.cn", body="案件 1")
        db.conn.execute("UPDATE notices SET created_at = ?, next_attempt_at = ? WHERE id = (SELECT max(id) FROM notices)",
                        (store.iso(created or now), store.iso(due or now)))


def test_readiness_worker_heartbeat(db, config):
    now = store.utcnow()
    assert [p.check for p in readiness.problems(db, config, now)] == ["worker"]  # never ran
    ops_marks.mark(db, ops_marks.HEARTBEAT, now - timedelta(seconds=299))
    assert readiness.problems(db, config, now) == []
    late = readiness.problems(db, config, now + timedelta(seconds=2))
    assert [p.check for p in late] == ["worker"]
    assert "5.0 分钟" in late[0].zh and "more than 5.0" in late[0].en and "301" not in late[0].line()


def test_readiness_notices_overdue_and_past_the_retry_policy(db, config):
    now = store.utcnow()
    ops_marks.mark(db, ops_marks.HEARTBEAT, now)
    _queue(db, now, due=now + timedelta(minutes=30))  # backed off: waiting is right
    assert readiness.problems(db, config, now) == []
    _queue(db, now, due=now - timedelta(seconds=config.ready_heartbeat_seconds + 60))  # due, nobody sends it
    assert [p.check for p in readiness.problems(db, config, now)] == ["notices"]
    assert retry_hours(40) == pytest.approx(40, abs=1) and retry_hours(1) < 0.1
    db.conn.execute("DELETE FROM notices")
    _queue(db, now, created=now - readiness.retry_window(config.notice_max_attempts) - timedelta(minutes=1),
           due=now + timedelta(minutes=5))
    found = readiness.problems(db, config, now)
    assert [p.check for p in found] == ["notices"] and "retry policy" in found[0].en


def retry_hours(attempts: int) -> float:
    return readiness.retry_window(attempts).total_seconds() / 3600


def test_readiness_disk_nearly_full(db, env):
    now = store.utcnow()
    ops_marks.mark(db, ops_marks.HEARTBEAT, now)
    full = Config.from_env({**env, "READY_DISK_FREE_PERCENT": "100"})  # never this much free: "nearly full"
    found = readiness.problems(db, full, now)
    assert [p.check for p in found] == ["disk"] and "free" in found[0].en and "磁盘" in found[0].zh
    assert readiness.problems(db, Config.from_env({**env, "READY_DISK_FREE_PERCENT": "0"}), now) == []


def test_readyz_answers_in_words(config, db):
    client = create_app(config).test_client()
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.mimetype == "text/plain"
    assert "从未运行" in answer.get_data(as_text=True) and "never run" in answer.get_data(as_text=True)
    ops_marks.mark(db, ops_marks.HEARTBEAT, store.utcnow())
    assert client.get("/readyz").get_data(as_text=True) == "ready\n"


def test_ready_command(env, db):
    not_yet = CliRunner().invoke(main, ["ready"], env=env)
    assert not_yet.exit_code == 1 and "never run" in not_yet.output
    ops_marks.mark(db, ops_marks.HEARTBEAT, store.utcnow())
    now_ready = CliRunner().invoke(main, ["ready"], env=env)
    assert now_ready.exit_code == 0 and now_ready.output == "ready\n"
    down = CliRunner().invoke(main, ["ready", "--url", "http://127.0.0.1:9/readyz"], env=env)
    assert down.exit_code == 1 and "does not answer" in down.output


# --- what the metrics count -----------------------------------------------------------------------

def test_deliveries_failures_and_deaths_are_counted_once_by_channel(db):
    now = store.utcnow()
    for channel in ("email", "sms", "sms"):
        _queue(db, now, channel=channel)
    first, second, third = claim(db, now, "w1", limit=3, max_attempts=3)
    mark_sent(db, first["id"], now)
    mark_sent(db, first["id"], now)  # recorded twice (a retry of the commit): counted once
    mark_failed(db, second, now, TemporaryFailure("later"), "w1", max_attempts=3)
    mark_failed(db, third, now, PermanentFailure("no such number"), "w1", max_attempts=3)
    mark_failed(db, third, now, PermanentFailure("again"), "someone else", max_attempts=3)  # not its claim
    assert ops_marks.counters(db) == {("notice_deliveries", "email"): 1, ("notice_failures", "sms"): 2,
                                      ("notice_deaths", "sms"): 1}
    text = create_app_for(db).get("/metrics").get_data(as_text=True)
    assert metric(text, "wagesafe_notice_deaths_total", channel="sms") == 1
    assert metric(text, "wagesafe_notices_dead", channel="sms") == 1
    assert metric(text, "wagesafe_notices_pending", channel="sms") == 1
    assert metric(text, "wagesafe_notice_failures_total", channel="email") == 0


_APPS: dict = {}


def create_app_for(db):
    """A test client on the database ``db`` is open on (the fixture's config)."""
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    var = Path(path).parent
    config = Config.from_env({"WAGESAFE_DATA_DIR": str(Path(__file__).resolve().parent.parent / "data"),
                              "WAGESAFE_VAR_DIR": str(var)})
    return create_app(config).test_client()


def test_a_failing_duty_does_not_stop_the_others_and_is_marked(db, config, monkeypatch):
    registry = load_registry(config.data_dir)
    now = store.utcnow()

    def broken(*_args):
        raise RuntimeError("the escalation rules are broken")

    monkeypatch.setattr(scheduler.escalation, "run", broken)
    with pytest.raises(RuntimeError):
        scheduler.tick(db, registry, config, now)
    marks = ops_marks.marks(db)
    assert marks["duty:escalation"]["ok"] is False and marks["duty:escalation"]["ok_at"] is None
    assert marks["duty:escalation"]["detail"] == "failed: RuntimeError"
    assert marks["duty:retention"]["ok"] is True and marks["duty:daily_report"]["ok_at"] == store.iso(now)
    from formsvc.web.ops.metrics import DUTIES

    assert {name.split(":", 1)[1] for name in marks if name.startswith("duty:")} == set(DUTIES)  # every duty shown
    text = create_app_for(db).get("/metrics").get_data(as_text=True)
    assert metric(text, "wagesafe_duty_last_run_timestamp_seconds", duty="escalation") == pytest.approx(
        now.timestamp(), abs=1)
    assert metric(text, "wagesafe_duty_last_success_timestamp_seconds", duty="escalation") == 0


def test_complaints_transfers_and_alerts_by_label(db, config):
    _seed(config, 2)
    with store.write_transaction(db):
        db.conn.execute("INSERT INTO notices (created_at, kind, channel, recipient, body, dedupe_key, status,"
                        " attempts, next_attempt_at) VALUES ('2026-01-01T00:00:00+00:00', 'abuse_alert', ?, 'x', 'b',"
                        " ?, 'sent', 1, '2026-01-01T00:00:00+00:00')", ("email", "surge:2026-01-01T00:email"))
        db.conn.execute("INSERT INTO notices (created_at, kind, channel, recipient, body, dedupe_key, status,"
                        " attempts, next_attempt_at) VALUES ('2026-01-01T00:00:00+00:00', 'abuse_alert', ?, 'x', 'b',"
                        " ?, 'sent', 1, '2026-01-01T00:00:00+00:00')", ("sms", "surge:2026-01-01T00:sms"))
        case_id = db.conn.execute("SELECT min(id) FROM complaints").fetchone()[0]
        db.conn.execute("INSERT INTO county_transfers (complaint_id, county_code, county_name, idempotency_key, actor,"
                        " created_at) VALUES (?, 'baishui', '白水县', 'k1', 'desk', '2026-01-01T00:00:00+00:00')",
                        (case_id,))
    text = create_app_for(db).get("/metrics").get_data(as_text=True)
    township = load_registry(config.data_dir).projects[next(iter(load_registry(config.data_dir).projects))].township
    assert metric(text, "wagesafe_complaints_total", source="qr", township=township) == 2
    assert metric(text, "wagesafe_abuse_alerts_total", kind="surge") == 1  # one alert, two channels
    assert metric(text, "wagesafe_abuse_alerts_total", kind="address") == 0
    assert metric(text, "wagesafe_county_transfers", state="pending") == 1
    assert metric(text, "wagesafe_county_transfers", state="delivered") == 0


def test_route_groups():
    assert [instruments.route_group(p) for p in ("/r/qh001", "/complain", "/complain/", "/receipt/ABCD-EFGH",
                                                 "/status", "/status/answer", "/desk/login", "/desk/cases/1",
                                                 "/desk", "/open311/v2/services.json", "/metrics", "/",
                                                 "/receiptx", "/tools/calculator")] == [
        "complaint", "complaint", "complaint", "receipt", "status", "status", "desk_signin", "desk", "desk",
        "open311", "ops", "other", "other", "tools"]


def test_refusals_are_counted_by_route_group(config):
    app = create_app(config)

    @app.route("/status/test-refusal")
    def refuse():
        return "slow down", 429

    client = app.test_client()
    before = metric(client.get("/metrics").get_data(as_text=True), "wagesafe_rate_limit_refusals_total",
                    group="status") or 0
    client.get("/status/test-refusal")
    after = metric(client.get("/metrics").get_data(as_text=True), "wagesafe_rate_limit_refusals_total", group="status")
    assert after == before + 1


# --- backup verify --------------------------------------------------------------------------------

def test_backup_verify_restores_checks_and_reports(tmp_path, env, config):
    _seed(config, 3)
    runner = CliRunner()
    backups = tmp_path / "backups"
    assert runner.invoke(main, ["backup", "--to", str(backups)], env=env).exit_code == 0
    good = runner.invoke(main, ["backup", "verify", "--from", str(backups)], env=env)
    assert good.exit_code == 0, good.output
    assert "integrity_check: ok" in good.output and "complaints: backup 3, live 3" in good.output
    assert "backup verified" in good.output
    assert not [p for p in backups.iterdir() if p.name.startswith(".wagesafe-verify-")]  # the temporary copy went
    db = store.connect(config.database)
    text = create_app_for(db).get("/metrics").get_data(as_text=True)
    assert metric(text, "wagesafe_backup_verify_ok") == 1
    assert metric(text, "wagesafe_backup_last_success_timestamp_seconds") > 0

    # Rows lost from the live database since the backup: the check says so and fails.
    with store.write_transaction(db):
        victim = db.conn.execute("SELECT max(id) FROM complaints").fetchone()[0]
        for table in ("evidence", "events", "notices", "routing_decisions"):
            db.conn.execute(f"DELETE FROM {table} WHERE complaint_id = ?", (victim,))
        db.conn.execute("DELETE FROM complaints WHERE id = ?", (victim,))
    lost = runner.invoke(main, ["backup", "verify", "--from", str(backups)], env=env)
    assert lost.exit_code == 1 and "complaints: the backup has 3 rows, the live database only 2" in lost.output
    assert metric(create_app_for(db).get("/metrics").get_data(as_text=True), "wagesafe_backup_verify_ok") == 0

    # A damaged backup: refused before anything is restored.
    newest = sorted(backups.glob("wagesafe-backup-*"))[-1]
    (newest / "wagesafe.db").write_bytes(b"not a database")
    damaged = runner.invoke(main, ["backup", "verify", str(newest)], env=env)
    assert damaged.exit_code == 1 and "damaged" in damaged.output
    nothing = runner.invoke(main, ["backup", "verify", "--from", str(tmp_path / "empty")], env=env)
    assert nothing.exit_code == 1 and "no backup" in nothing.output
    db.conn.close()


def test_backup_verify_catches_a_corrupt_database_with_good_checksums(tmp_path, env, config):
    """integrity_check is what finds a database that was corrupt when it was backed up."""
    from formsvc.storage.backup import check_restore, read_manifest, sha256_file

    _seed(config, 2)
    backups = tmp_path / "backups"
    assert CliRunner().invoke(main, ["backup", "--to", str(backups)], env=env).exit_code == 0
    newest = sorted(backups.glob("wagesafe-backup-*"))[-1]
    database = newest / "wagesafe.db"
    conn = sqlite3.connect(database)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'complaints'").fetchone()[0]
    conn.close()
    raw = bytearray(database.read_bytes())
    start = (root - 1) * page_size
    raw[start + 8:start + 200] = bytes(192)  # scribble over the complaints table's root page
    database.write_bytes(bytes(raw))
    manifest = read_manifest(newest)  # re-sign it, as if the damage had been in the live file already
    manifest["database"].update(size=database.stat().st_size, sha256=sha256_file(database))
    (newest / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = check_restore(newest, config.database)
    assert not result.ok and any(line.startswith("integrity_check FAILED") for line in result.lines), result.lines
    bad = CliRunner().invoke(main, ["backup", "verify", str(newest)], env=env)
    assert bad.exit_code == 1 and "integrity_check FAILED" in bad.output


def test_serve_empties_only_prometheus_files(tmp_path, env):
    """PROMETHEUS_MULTIPROC_DIR set to the var dir by mistake must not cost the database."""
    from formsvc.commands.service import metrics_dir

    var = tmp_path / "var"
    var.mkdir(parents=True, exist_ok=True)
    for name in ("wagesafe.db", "counter_123.db", "histogram_9.db", "gauge_livesum_7.db", "notes.db"):
        (var / name).write_text("x")
    path = metrics_dir(Config.from_env({**env, "PROMETHEUS_MULTIPROC_DIR": str(var)}))
    assert path == var and sorted(p.name for p in var.iterdir()) == ["notes.db", "wagesafe.db"]
    assert metrics_dir(Config.from_env(env)) == var / "prometheus"


# --- systemd and Docker use it ---------------------------------------------------------------------

def test_worker_tells_systemd_it_is_ready_and_alive(tmp_path, config, monkeypatch):
    """sd_notify over a real datagram socket, as systemd's Type=notify and WatchdogSec= expect."""
    import socket
    import threading

    from formsvc.notify.worker import run_forever

    address = str(tmp_path / "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(address)
    listener.settimeout(10)
    monkeypatch.setenv("NOTIFY_SOCKET", address)
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(config, stop), kwargs={"senders": {}})
    thread.start()
    try:
        got = [listener.recv(64).decode() for _ in range(2)]
    finally:
        stop.set()
        thread.join(30)
        listener.close()
    assert got == ["READY=1", "WATCHDOG=1"]


def test_deploy_checks_readiness():
    import yaml

    root = Path(__file__).resolve().parent.parent / "deploy"
    docker = (root / "Dockerfile").read_text()
    assert 'CMD ["wagesafe", "ready", "--url", "http://127.0.0.1:8000/readyz"]' in docker
    compose = yaml.safe_load((root / "compose.yaml").read_text())
    assert compose["services"]["worker"]["healthcheck"]["test"] == ["CMD", "wagesafe", "ready"]
    worker = (root / "systemd" / "wagesafe-worker.service").read_text()
    assert "Type=notify" in worker and "WatchdogSec=" in worker
    ready = (root / "systemd" / "wagesafe-ready.service").read_text()
    assert "wagesafe ready --url http://127.0.0.1:8000/readyz" in ready
    backup = (root / "systemd" / "wagesafe-backup.service").read_text()
    assert "wagesafe backup verify --from /var/backups/wagesafe" in backup


# --- logs -----------------------------------------------------------------------------------------

def _record(message: str, *args, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            import sys

            exc_info = sys.exc_info()
    return logging.LogRecord("wagesafe.worker", logging.ERROR, __file__, 1, message, args, exc_info)


def test_text_logs_are_one_line_and_mask_mobiles():
    line = logs.OneLineFormatter().format(_record("notice %s to %s failed", 7, "13912345678", exc=True))
    assert "\n" not in line and "notice 7 to 139******** failed" in line and "ValueError: boom | second line" in line
    assert "13912345678" not in line and "2026-12-01T07:53:00+08:00" in logs.scrub("2026-12-01T07:53:00+08:00")
    assert logs.scrub("+86 13912345678 and 8613800001111, case 12345678901234") == (
        "+86 139******** and 86138********, case 12345678901234")


def test_json_logs_are_one_object_per_line():
    line = logs.JsonFormatter().format(_record("案件 %s 已送达 13700001111", 12, exc=True))
    assert "\n" not in line
    event = json.loads(line)
    assert event["message"] == "案件 12 已送达 137********" and event["level"] == "error"
    assert event["logger"] == "wagesafe.worker" and "ValueError: boom" in event["exception"]
    assert event["time"].endswith("+00:00")


def test_log_format_setting(env):
    assert Config.from_env({**env, "LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        Config.from_env({**env, "LOG_FORMAT": "xml"})
    stream = io.StringIO()
    logs.configure("json", stream=stream)
    try:
        logging.getLogger("wagesafe.test").info("case %s", 3)
    finally:
        logs.configure("text")
    assert json.loads(stream.getvalue())["message"] == "case 3"
