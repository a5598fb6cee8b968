"""``wagesafe worker`` as a service runs it: a real process, a real SMTP server, SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from formsvc.notify import outbox
from formsvc.storage import store
from formsvc.demo.mailcatcher import MailCatcher

ROOT = Path(__file__).resolve().parent.parent


def test_worker_command_delivers_and_stops_on_sigterm(tmp_path: Path):
    db = store.open_db(tmp_path / "var" / "wagesafe.db")
    with store.write_transaction(db):
        outbox.enqueue(db, kind="new_case", channel="email", recipient="officer@qinghe.example.cn",
                       subject="新案件 worker-command", body="http://127.0.0.1:8000/desk/cases/9")
    with MailCatcher(tmp_path / "mail", port=0) as catcher:
        env = {**os.environ, "WAGESAFE_DATA_DIR": str(ROOT / "data"), "WAGESAFE_VAR_DIR": str(tmp_path / "var"),
               "SMTP_PORT": str(catcher.port), "WORKER_POLL_SECONDS": "0.1", "SMS_PROVIDER": "file"}
        proc = subprocess.Popen([str(Path(sys.executable).with_name("wagesafe")), "worker"], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and proc.poll() is None:
                row = next(db.query("SELECT status FROM notices WHERE subject = ?", ["新案件 worker-command"]))
                if row["status"] == "sent":
                    break
                time.sleep(0.1)
            assert row["status"] == "sent"
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(15) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        log = proc.stdout.read()
        assert "stopped" in log and "Traceback" not in log
        subjects = [p.read_bytes() for p in catcher.directory.glob("*.eml")]
        assert sum(b"X-WageSafe-Notice: 1 new_case" in s for s in subjects) == 1
    db.conn.close()


def test_worker_command_refuses_an_unknown_sms_provider(tmp_path: Path):
    env = {**os.environ, "WAGESAFE_DATA_DIR": str(ROOT / "data"), "WAGESAFE_VAR_DIR": str(tmp_path / "var"),
           "SMS_PROVIDER": "pigeon"}
    result = subprocess.run([str(Path(sys.executable).with_name("wagesafe")), "worker"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "SMS_PROVIDER='pigeon'" in result.stderr
    assert "Traceback" not in result.stderr
