"""``wagesafe demo`` as ``make run`` starts it: a real process on loopback ports, a tiny built site,
a notice queued in its database arriving in its inbox, and a clean stop on Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from formsvc.notify import outbox
from formsvc.storage import store
from tests.net import free_port
from wagesafe.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
WAGESAFE = Path(sys.executable).with_name("wagesafe")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(NoRedirect)


def get(url: str) -> tuple[int, dict, str]:
    try:
        with _opener.open(url, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")


def fake_site(site: Path) -> None:
    (site / "guides" / "wages").mkdir(parents=True)
    (site / "assets").mkdir()
    (site / "index.html").write_text("<!doctype html><h1>薪安通门户 portal home</h1>", "utf-8")
    (site / "guides" / "wages" / "index.html").write_text("<p>讨薪指南 guide</p>", "utf-8")
    (site / "assets" / "site.css").write_text("body{color:#111}", "utf-8")
    (site / "404.html").write_text("<p>页面不存在 site 404</p>", "utf-8")
    (site / "desk").mkdir()
    (site / "desk" / "index.html").write_text("SHADOWED: the desk route must win", "utf-8")


@pytest.fixture
def demo(tmp_path: Path):
    fake_site(tmp_path / "site")
    port, smtp_port = free_port(), free_port()
    env = {**os.environ, "WAGESAFE_DATA_DIR": str(ROOT / "data"), "WAGESAFE_SITE_DIR": str(tmp_path / "site"),
           "WAGESAFE_VAR_DIR": str(tmp_path / "var"), "SMTP_PORT": str(smtp_port), "WORKER_POLL_SECONDS": "0.2",
           "WAGESAFE_ENV": "development", "PYTHONUNBUFFERED": "1"}
    env.pop("PUBLIC_BASE_URL", None)
    out = open(tmp_path / "demo.out", "w+")
    proc = subprocess.Popen([str(WAGESAFE), "demo", "--host", "127.0.0.1", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if get(base + "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    try:
        yield proc, base, tmp_path, out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        out.close()


def output(out) -> str:
    out.flush()
    out.seek(0)
    return out.read()


def test_demo_serves_site_inbox_and_delivers_then_stops_on_sigint(demo):
    proc, base, tmp_path, out = demo
    assert proc.poll() is None, output(out)

    status, headers, body = get(base + "/")
    assert status == 200 and "薪安通门户 portal home" in body and headers["Content-Type"].startswith("text/html")
    assert get(base + "/guides/wages/")[2] == "<p>讨薪指南 guide</p>"
    status, headers, _ = get(base + "/guides/wages")
    assert status in (301, 308) and headers["Location"].endswith("/guides/wages/")
    assert get(base + "/assets/site.css")[1]["Content-Type"].startswith("text/css")
    status, _, body = get(base + "/no/such/page")
    assert status == 404 and "site 404" in body
    assert "SHADOWED" not in get(base + "/desk/")[2]  # the service's own routes come first
    status, headers, body = get(base + "/favicon.ico")  # an icon, not the 404 page
    assert status == 200 and headers["Content-Type"].startswith("image/") and "site 404" not in body
    assert get(base + "/healthz")[0] == 200

    # A notice queued as the intake would queue it reaches the inbox through the worker and SMTP.
    db = store.connect(tmp_path / "var" / "wagesafe.db")
    with store.write_transaction(db):
        outbox.enqueue(db, kind="new_case", channel="email", recipient="hexi.officer@qinghe.example.gov.cn",
                       subject="新案件 演示 demo-notice", body=f"请处理：{base}/desk/cases/1")
    db.conn.close()
    deadline = time.monotonic() + 20
    while "新案件 演示 demo-notice" not in get(base + "/dev/mail/")[2] and time.monotonic() < deadline:
        time.sleep(0.2)
    inbox = get(base + "/dev/mail/")[2]
    assert "新案件 演示 demo-notice" in inbox
    link = re.search(r'href="(/dev/mail/[^"]+\.eml)">新案件 演示 demo-notice', inbox).group(1)
    assert f'<a href="{base}/desk/cases/1">' in get(base + link)[2]

    text = output(out)
    assert f"{base}/r/" in text and f"{base}/dev/mail/" in text and "password" in text
    # The walk it prints holds together (issue 23): the officer printed receives the printed form's complaints.
    registry = load_registry(ROOT / "data")
    code = re.search(rf"{re.escape(base)}/r/(\w+)", text).group(1)
    officer = re.search(r"township officer 镇街专员\s+(\S+)", text).group(1)
    assert officer == registry.townships[registry.project(code).township].responsible.email.lower(), text

    proc.send_signal(signal.SIGINT)
    assert proc.wait(20) == 0
    assert "demo stopped." in output(out)
    with pytest.raises(OSError):
        get(base + "/")


def test_demo_refuses_a_taken_port(tmp_path: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "WAGESAFE_DATA_DIR": str(ROOT / "data"), "WAGESAFE_VAR_DIR": str(tmp_path / "var"),
               "WAGESAFE_SITE_DIR": str(tmp_path / "site"), "SMTP_PORT": str(port)}
        result = subprocess.run([str(WAGESAFE), "demo", "--port", str(free_port())], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "cannot start the mail catcher" in result.stderr and "Traceback" not in result.stderr


def test_demo_refuses_a_public_host_unless_told_public(tmp_path: Path):
    """Every demo account shares a published password and the inbox shows sign-in links (issue 15)."""
    env = {**os.environ, "WAGESAFE_DATA_DIR": str(ROOT / "data"), "WAGESAFE_VAR_DIR": str(tmp_path / "var"),
           "WAGESAFE_ENV": "development"}
    for host in ("0.0.0.0", "192.0.2.10", "::"):
        done = subprocess.run([str(WAGESAFE), "demo", "--host", host, "--port", str(free_port())], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and "--public" in done.stderr and "演示系统默认只在本机访问" in done.stderr


def test_demo_public_turns_the_inbox_off(tmp_path: Path):
    fake_site(tmp_path / "site")
    port, smtp_port = free_port(), free_port()
    env = {**os.environ, "WAGESAFE_DATA_DIR": str(ROOT / "data"), "WAGESAFE_SITE_DIR": str(tmp_path / "site"),
           "WAGESAFE_VAR_DIR": str(tmp_path / "var"), "SMTP_PORT": str(smtp_port), "WAGESAFE_ENV": "development",
           "PYTHONUNBUFFERED": "1"}
    env.pop("PUBLIC_BASE_URL", None)
    with open(tmp_path / "demo.out", "w+") as out:
        # (loopback still: a test never listens beyond it; --public is what matters for the inbox)
        proc = subprocess.Popen([str(WAGESAFE), "demo", "--host", "127.0.0.1", "--port", str(port), "--public"],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    if get(base + "/healthz")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            assert get(base + "/complain")[0] == 200
            assert get(base + "/dev/mail/")[0] == 404
            assert "off with --public" in output(out)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
