"""The production path, live: Debian's nginx, with the site file rendered from ``deploy/``, in front
of gunicorn started by ``wagesafe serve`` in production mode, over real HTTPS on loopback.

Everything is built the way the README's Deploy steps build it — ``wagesafe build`` for the
portal, ``wagesafe deploy render-nginx`` for the nginx site, ``wagesafe serve`` for gunicorn —
with a self-signed certificate made by ``openssl`` at test time. Only the outer nginx.conf
(pid file, temp paths, running as the current user) is the test's own, as /etc/nginx/nginx.conf
is on a server.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.net import free_port
from wagesafe.config import Config
from wagesafe.nginx_conf import local_main_conf

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WAGESAFE = [sys.executable, "-m", "wagesafe.cli"] if not (Path(sys.executable).parent / "wagesafe").exists() \
    else [str(Path(sys.executable).parent / "wagesafe")]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")

# No skip when nginx or openssl is missing: `make test` installs both (scripts/system-deps.sh),
# and a skipped deploy test would hide exactly the missing install it should catch.
pytestmark = [pytest.mark.slow]


def wait_for_port(port: int, proc: subprocess.Popen, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {seconds} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=wagesafe.test", "-addext", "subjectAltName=DNS:wagesafe.test,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key



class Stack:
    """The running pieces and a tiny HTTPS client that keeps the session cookie, like a phone would."""

    def __init__(self, base: Path, env: dict, https_port: int, http_port: int, cert: Path, catcher):
        self.base, self.env, self.https_port, self.http_port = base, env, https_port, http_port
        self.context = ssl.create_default_context(cafile=str(cert))
        self.cookies: dict[str, str] = {}
        self.catcher = catcher
        self.config = Config.from_env(env)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                https: bool = True) -> tuple[int, http.client.HTTPMessage, bytes]:
        if https:
            conn = http.client.HTTPSConnection("127.0.0.1", self.https_port, context=self.context, timeout=30)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        # As a browser: the Host carries the port, and a form post names its page in Referer
        # (Flask-WTF checks that Referer against the host on https).
        host = f"wagesafe.test:{self.https_port}" if https else f"wagesafe.test:{self.http_port}"
        hdrs = {"Host": host, **(headers or {})}
        if method == "POST" and "Referer" not in hdrs:
            hdrs["Referer"] = f"https://{host}{path}"
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        for cookie in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, resp.headers, data


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from formsvc.demo.mailcatcher import MailCatcher

    base = tmp_path_factory.mktemp("deploy")
    shutil.copytree(ROOT / "data", base / "data", ignore=shutil.ignore_patterns("README.md"))
    for d in ("logs", "tmp", "tls"):
        (base / d).mkdir()
    cert, key = self_signed(base / "tls")
    app_port, https_port, http_port = free_port(), free_port(), free_port()
    catcher = MailCatcher(base / "mail", port=0).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAGESAFE_", "SMTP_", "SMS_", "ALIYUN_"))}
    env.update({
        "WAGESAFE_ENV": "production", "WAGESAFE_DATA_DIR": str(base / "data"),
        "WAGESAFE_SITE_DIR": str(base / "site"), "WAGESAFE_VAR_DIR": str(base / "var"),
        "PUBLIC_BASE_URL": f"https://wagesafe.test:{https_port}", "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catcher.port), "SMTP_STARTTLS": "0",
        "MAIL_FROM": "薪安通 <wagesafe@qinghe.example.gov.cn>", "SMS_PROVIDER": "none", "TRUSTED_PROXIES": "1",
        "MAX_UPLOAD_MB": "0.5", "MAX_UPLOADS": "2", "RATE_LIMIT_IP_PER_HOUR": "5",
    })
    procs = []
    try:
        for cmd in (["config", "check"], ["build"]):
            done = subprocess.run([*WAGESAFE, *cmd], env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
        done = subprocess.run([*WAGESAFE, "deploy", "render-nginx", "--server-name", "wagesafe.test",
                               "--upstream", f"127.0.0.1:{app_port}", "--cert", str(cert), "--key", str(key),
                               "--http-listen", f"127.0.0.1:{http_port}", "--https-listen", f"127.0.0.1:{https_port}",
                               "--log-dir", str(base / "logs"), "--out", str(base / "wagesafe.conf")],
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        main_conf = base / "nginx.conf"
        main_conf.write_text(local_main_conf(base, base / "wagesafe.conf", workers="1", connections=256))
        test = subprocess.run([NGINX, "-t", "-p", str(base), "-c", str(main_conf), "-e", str(base / "logs/error.log")],
                              capture_output=True, text=True)
        assert test.returncode == 0, test.stderr

        web = subprocess.Popen([*WAGESAFE, "serve", "--host", "127.0.0.1", "--port", str(app_port), "--workers", "2",
                                "--threads", "2"], env=env, stdout=open(base / "logs/gunicorn.log", "w"),
                               stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(web)
        nginx = subprocess.Popen([NGINX, "-p", str(base), "-c", str(main_conf), "-e", str(base / "logs/error.log")],
                                 stdout=subprocess.DEVNULL, stderr=open(base / "logs/nginx.stderr", "w"))
        procs.append(nginx)
        wait_for_port(app_port, web, "gunicorn (wagesafe serve)")
        wait_for_port(https_port, nginx, "nginx")
        yield Stack(base, env, https_port, http_port, cert, catcher)
    finally:
        for proc in reversed(procs):
            stop(proc)
        catcher.stop()


def project_code(stack: Stack) -> str:
    from wagesafe.registry import load_registry

    return next(iter(load_registry(stack.config.data_dir).projects))


def inputs(html: str) -> dict[str, str]:
    """name → value of every <input> that has a value (hidden tokens included)."""
    out = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        name = re.search(r'\bname="([^"]+)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name and value:
            out[name.group(1)] = value.group(1)
    return out


def multipart(fields: dict[str, str], files: list[tuple[str, str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "----wagesafe" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for field, filename, mime, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                     f"Content-Type: {mime}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def assert_security_headers(headers, *, strict_csp: bool) -> None:
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    if strict_csp:
        assert "default-src 'self'" in csp and "script-src 'self';" in csp and "unsafe-inline" not in csp


# ---- the static portal ----

def test_home_page_is_served_precompressed(stack):
    status, headers, body = stack.request("GET", "/", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == (stack.config.site_dir / "index.html").read_bytes()
    assert body == (stack.config.site_dir / "index.html.gz").read_bytes()  # the build's file, not nginx's own
    assert "max-age=300" in headers["Cache-Control"]
    assert_security_headers(headers, strict_csp=False)


def test_guide_is_served_precompressed_and_plain_without_gzip(stack):
    guide = sorted(p.parent.name for p in (stack.config.site_dir / "guides").glob("*/index.html"))[0]
    status, headers, body = stack.request("GET", f"/guides/{guide}/", headers={"Accept-Encoding": "gzip, br"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert "<html" in gzip.decompress(body).decode()
    status, headers, body = stack.request("GET", f"/guides/{guide}/")
    assert status == 200 and headers.get("Content-Encoding") is None and b"<html" in body


def test_fingerprinted_assets_are_cached_for_a_year(stack):
    css = next((stack.config.site_dir / "assets" / "stylesheets").glob("main.*.min.css"))
    status, headers, _ = stack.request("GET", f"/assets/stylesheets/{css.name}", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Encoding"] == "gzip"


def test_plain_http_redirects_to_https(stack):
    status, headers, _ = stack.request("GET", "/guides/?x=1", https=False)
    assert status == 301
    assert headers["Location"] == f"https://wagesafe.test:{stack.https_port}/guides/?x=1"


# ---- the form service behind nginx ----

def test_project_qr_link_reaches_the_form(stack):
    code = project_code(stack)
    status, headers, body = stack.request("GET", f"/r/{code}")
    html = body.decode()
    assert status == 200, html[:500]
    assert 'name="csrf_token"' in html and 'name="submission_token"' in html
    assert_security_headers(headers, strict_csp=True)
    assert headers["Cache-Control"] == "no-store"
    # The strict CSP blocks inline code: the worker's pages must not need any.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html and " style=" not in html
    status, _, body = stack.request("GET", "/healthz")
    assert status == 200


def test_complaint_with_upload_submits_through_nginx_and_its_notice_is_delivered(stack):
    from formsvc.storage import store
    from formsvc.notify.notifiers import senders_from_config
    from formsvc.notify.worker import run_once

    code = project_code(stack)
    _, _, body = stack.request("GET", f"/r/{code}")
    tokens = inputs(body.decode())
    fields = {"csrf_token": tokens["csrf_token"], "submission_token": tokens["submission_token"],
              "name": "王建国", "mobile": "13800138000", "owed_by_kind": "company", "owed_by_name": "某建筑劳务公司",
              "trade": "钢筋工", "workers": "3", "amount_yuan": "36000", "months_owed": "2",
              "description": "工程完工三个月，工资一直没结。", "callback_time": "any", "consent": "y"}
    data, ctype = multipart(fields, [("evidence", "欠条.png", "image/png", PNG)])
    status, headers, body = stack.request("POST", f"/r/{code}", body=data,
                                          headers={"Content-Type": ctype, "X-Forwarded-For": "6.6.6.6"})
    assert status == 303, body.decode()[:2000]
    receipt_path = headers["Location"]
    assert receipt_path.startswith("/receipt/")  # relative: nginx and ProxyFix keep the client's host
    status, _, body = stack.request("GET", receipt_path)
    receipt = receipt_path.rsplit("/", 1)[1]
    assert status == 200 and receipt in body.decode()

    db = store.connect(stack.config.database)
    try:
        row = db.conn.execute("SELECT id FROM complaints WHERE receipt = ?", (receipt,)).fetchone()
        assert row is not None
        stored = db.conn.execute("SELECT stored_name, size FROM evidence WHERE complaint_id = ?", (row[0],)).fetchall()
        assert len(stored) == 1 and stored[0][1] == len(PNG)
        assert (stack.config.upload_dir / stored[0][0]).read_bytes() == PNG
        # The rate limit counted nginx's client (loopback), not the X-Forwarded-For the client made up.
        keys = {r[0] for r in db.conn.execute("SELECT key FROM rate_events")}
        assert "submit-ip:127.0.0.1" in keys and not any("6.6.6.6" in k for k in keys)
        result = run_once(db, senders_from_config(stack.config))
        assert result.sent >= 1
        sent = db.conn.execute("SELECT count(*) FROM notices WHERE complaint_id = ? AND status = 'sent'",
                               (row[0],)).fetchone()[0]
        assert sent >= 1
    finally:
        db.conn.close()
    from formsvc.demo.mailcatcher import message_text, read_message

    mails = [message_text(read_message(p)) for p in (stack.base / "mail").rglob("*.eml")]
    assert any(f"https://wagesafe.test:{stack.https_port}/desk/cases/{row[0]}" in m for m in mails), mails


def test_upload_over_the_limit_gets_the_polite_chinese_page(stack):
    limit = int((stack.config.max_upload_mb * stack.config.max_uploads + 1) * 1024 * 1024)
    data, ctype = multipart({"csrf_token": "x"}, [("evidence", "big.png", "image/png", PNG + b"\0" * limit)])
    status, headers, body = stack.request("POST", f"/r/{project_code(stack)}", body=data,
                                          headers={"Content-Type": ctype})
    html = body.decode("utf-8")
    assert status == 413
    assert headers["Content-Type"].startswith("text/html") and "utf-8" in headers["Content-Type"].lower()
    assert "文件太大" in html and "12333" in html
    assert body == (ROOT / "deploy/nginx/413.html").read_bytes()
    assert "nginx" not in html.lower()
    assert_security_headers(headers, strict_csp=True)


def test_a_flood_of_posts_is_cut_off_by_nginx_with_a_polite_page(stack):
    """RATE_LIMIT_IP_PER_HOUR=5 renders burst 10: nginx lets at least that many through, then 429."""
    seen = []
    for _ in range(16):
        status, _, body = stack.request("POST", "/complain", body=b"name=X", headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        seen.append(status)
        if status == 429:
            assert body == (ROOT / "deploy/nginx/429.html").read_bytes()  # nginx's page, from deploy/
            break
    assert seen[-1] == 429, seen
    assert len(seen) >= 8  # the burst let the first ones reach the service (the form tests used a few)
    status, _, _ = stack.request("GET", "/status")  # reading is never limited
    assert status == 200
