"""Session fixtures for the browser tests: the whole system as a user meets it, started once.

- ``system``: ``wagesafe build`` and ``wagesafe posters`` into a temporary ``SITE_DIR`` for the
  sample registry, then ``wagesafe demo`` (portal + forms + desk + notice worker + mail catcher)
  as a subprocess on free loopback ports with a temporary ``VAR_DIR``. Everything is run the way
  ``make run`` runs it: the real commands, real SQLite, real SMTP on loopback.
- ``browser``: one Debian Chromium for the session, driven by Playwright.
- ``phone`` / ``desktop`` / ``phone_nojs``: a fresh browser context per test, which aborts and
  records every request to a host that is not loopback. A page load that asks a third party
  (fonts, CDNs, analytics) fails the test: ``ctx.assert_no_external()`` and the teardown check it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.net import free_port

from .e2e_support import CHROMIUM, CHROMIUM_ARGS, PHONE, TILE_PATH, Ctx, make_context

ROOT = Path(__file__).resolve().parents[2]
WAGESAFE = Path(sys.executable).with_name("wagesafe")

def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


@dataclass
class System:
    base: str
    site_dir: Path
    var_dir: Path
    env: dict
    log: Path
    proc: subprocess.Popen

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace")

    def wagesafe(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([str(WAGESAFE), *args], cwd=self.var_dir.parent, env=self.env, capture_output=True,
                              text=True, timeout=timeout)


@pytest.fixture(scope="session")
def system(tmp_path_factory) -> System:
    """Site and posters built once for the sample registry, and ``wagesafe demo`` running on loopback."""
    top = tmp_path_factory.mktemp("e2e")
    port, smtp_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ,
           "WAGESAFE_ENV": "development", "WAGESAFE_DATA_DIR": str(ROOT / "data"),
           "WAGESAFE_SITE_DIR": str(top / "site"), "WAGESAFE_VAR_DIR": str(top / "var"),
           "PUBLIC_BASE_URL": base, "SMTP_PORT": str(smtp_port), "WORKER_POLL_SECONDS": "0.2",
           # Map tiles from a loopback path that serves none: the map must cope with failing tiles,
           # and a tile request must never leave the machine.
           "MAP_TILE_URL": base + TILE_PATH + "{z}/{x}/{y}.png", "MAP_TILE_KEY": "",
           "PYTHONUNBUFFERED": "1"}
    for name in ("WAGESAFE_DATABASE", "WAGESAFE_UPLOAD_DIR", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS",
                 "MAP_TILE_DATUM", "MAP_APPROVAL_NO", "SMS_PROVIDER"):
        env.pop(name, None)
    with running_demo(top, env, port) as sys_:
        yield sys_


@contextlib.contextmanager
def running_demo(top: Path, env: dict, port: int) -> Iterator[System]:
    """Build the portal and posters under ``top`` with ``env``, run ``wagesafe demo`` on ``port`` until
    it answers /healthz, and stop it (SIGTERM, the clean way) when the block ends."""
    (top / "var").mkdir(exist_ok=True)
    log = top / "demo.log"
    for cmd in (["build"], ["posters"]):
        done = subprocess.run([str(WAGESAFE), *cmd], cwd=top, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"wagesafe {cmd[0]} failed:\n{done.stdout}\n{done.stderr}"
    base = f"http://127.0.0.1:{port}"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(WAGESAFE), "demo", "--host", "127.0.0.1", "--port", str(port)], cwd=top,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    sys_ = System(base=base, site_dir=top / "site", var_dir=top / "var", env=env, log=log, proc=proc)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"wagesafe demo exited:\n{sys_.output()}"
            try:
                if http_status(base + "/healthz") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"wagesafe demo did not answer /healthz:\n{sys_.output()}"
            time.sleep(0.2)
        yield sys_
    finally:
        if proc.poll() is None:
            proc.terminate()  # the demo stops cleanly on SIGTERM
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (scripts/system-deps.sh)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def phone(browser):
    ctx = make_context(browser, **PHONE)
    yield ctx
    ctx.context.close()
    ctx.assert_no_external()


@pytest.fixture
def phone_nojs(browser):
    ctx = make_context(browser, java_script_enabled=False, **PHONE)
    yield ctx
    ctx.context.close()
    ctx.assert_no_external()


@pytest.fixture
def new_context(browser):
    """Make more guarded contexts in one test (another person's phone): ``new_context(**options)``."""
    made: list[Ctx] = []

    def make(**options) -> Ctx:
        made.append(make_context(browser, **{**PHONE, **options}))
        return made[-1]

    yield make
    for ctx in made:
        ctx.context.close()
    for ctx in made:
        ctx.assert_no_external()


@pytest.fixture
def desktop(browser):
    # The desk's CSP is script-src 'none' (it runs no script at all); bypassing CSP only lets the
    # tests inject axe-core there.
    ctx = make_context(browser, viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True)
    yield ctx
    ctx.context.close()
    ctx.assert_no_external()
