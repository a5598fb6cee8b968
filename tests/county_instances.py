"""Real WageSafe instances for the Open311 tests: ``wagesafe serve`` (gunicorn) on a loopback port,
each with its own registry directory, database and settings (two counties = two of these)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.net import free_port

ROOT = Path(__file__).resolve().parent.parent
WAGESAFE = Path(sys.executable).with_name("wagesafe")


@dataclass
class Instance:
    name: str
    data_dir: Path
    var_dir: Path
    port: int
    env: dict
    proc: subprocess.Popen | None = None
    log: Path | None = None
    extra_env: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.base}/open311/v2"

    @property
    def database(self) -> Path:
        return self.var_dir / "wagesafe.db"

    def config(self, **overrides):
        from wagesafe.config import Config

        return Config.from_env(self.env, **overrides)

    def wagesafe(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([str(WAGESAFE), *args], env=self.env, capture_output=True, text=True, timeout=120,
                              cwd=self.var_dir.parent)
        assert done.returncode == 0, f"wagesafe {args} failed:\n{done.stdout}\n{done.stderr}"
        return done

    def start(self) -> "Instance":
        self.log = self.var_dir.parent / f"{self.name}-serve.log"
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen([str(WAGESAFE), "serve", "--workers", "1", "--port", str(self.port)],
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=self.var_dir.parent)
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, f"{self.name} exited:\n{self.log.read_text()}"
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            assert time.monotonic() < deadline, f"{self.name} did not start:\n{self.log.read_text()}"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def server_errors(self) -> list[str]:
        text = self.log.read_text("utf-8", "replace") if self.log and self.log.exists() else ""
        return [line for line in text.splitlines() if "Traceback" in line or '" 5' in line and "HTTP/1" in line]


def make_instance(top: Path, name: str, data_src: Path, *, port: int | None = None, **env) -> Instance:
    """A county's instance (not started): its own copy of ``data_src``, ``var/`` and database."""
    import shutil

    data_dir = top / name / "data"
    shutil.copytree(data_src, data_dir, ignore=shutil.ignore_patterns("README.md"))
    var_dir = top / name / "var"
    var_dir.mkdir(parents=True)
    port = port or free_port()
    full_env = {**os.environ, "WAGESAFE_ENV": "development", "WAGESAFE_DATA_DIR": str(data_dir),
                "WAGESAFE_VAR_DIR": str(var_dir), "WAGESAFE_DATABASE": str(var_dir / "wagesafe.db"),
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "SECRET_KEY": "test-" + secrets.token_hex(16), "SMTP_PORT": str(free_port()),
                "PYTHONPATH": str(ROOT), **env}
    return Instance(name=name, data_dir=data_dir, var_dir=var_dir, port=port, env=full_env)


def point_partner_at(instance: Instance, code: str, other: Instance) -> None:
    """Rewrite ``partners.yaml`` of ``instance`` so that partner ``code`` is ``other`` (its test port)."""
    import re

    path = instance.data_dir / "partners.yaml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"http://127\.0\.0\.1:\d+", other.base, text)
    path.write_text(text, encoding="utf-8")


def desk_app(instance: Instance):
    """The instance's app in this process (same database and settings as its gunicorn), with the
    registry's accounts, to act on the desk through Flask's test client."""
    from formsvc import create_app
    from formsvc.officers import auth
    from formsvc.storage import store
    from wagesafe.registry import load_registry

    config = instance.config()
    app = create_app(config)
    app.config["TESTING"] = True
    db = store.open_db(config.database)
    auth.sync_users(db, load_registry(config.data_dir), demo_password="correct horse battery")
    return app, db


def signed_in(app, db, email: str):
    """A test client signed in as ``email`` (the session the sign-in route would write)."""
    from formsvc.officers import auth
    from formsvc.storage import store

    c = app.test_client()
    user = auth.find_user(db, email)
    from formsvc.officers import sessions

    with c.session_transaction() as s:  # a server-side session, as the sign-in route makes
        s["desk_sid"] = sessions.start(db, user.id, store.utcnow())
    return c
