"""The production path, live: Debian's nginx, with the site file rendered from ``deploy/``, in front
of gunicorn started by ``wagesafe serve`` in production mode, over real HTTPS on loopback.

Everything is built the way manual/operator.md's Deploy steps build it — ``wagesafe build`` for the
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
from tests.images import PNG  # noqa: E402  (a real photo: the service re-encodes it)

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
                https: bool = True, jar: dict | None = None, referer: bool = True,
                host_ip: str = "127.0.0.1") -> tuple[int, http.client.HTTPMessage, bytes]:
        """One request; ``jar`` is a phone's own cookies (default: the stack's), ``referer=False``
        sends a POST without the Referer header (as browsers that strip it do)."""
        cookies = self.cookies if jar is None else jar
        if host_ip != "127.0.0.1":  # the certificate names 127.0.0.1, not ::1: check the chain only
            loose = ssl.create_default_context(cafile=str(self.base / "tls/cert.pem"))
            loose.check_hostname = False
            conn = http.client.HTTPSConnection(host_ip, self.https_port, context=loose, timeout=30)
        elif https:
            conn = http.client.HTTPSConnection("127.0.0.1", self.https_port, context=self.context, timeout=30)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        # As a browser: the Host carries the port, and a form post names its page in Referer
        # (Flask-WTF checks that Referer against the host on https).
        host = f"wagesafe.test:{self.https_port}" if https else f"wagesafe.test:{self.http_port}"
        hdrs = {"Host": host, **(headers or {})}
        if method == "POST" and "Referer" not in hdrs and referer:
            hdrs["Referer"] = f"https://{host}{path}"
        if cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        for cookie in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, resp.headers, data


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from formsvc.demo.mailcatcher import MailCatcher

    base = tmp_path_factory.mktemp("deploy")
    # The sample partners.yaml names the demo's second county over http on loopback, which production
    # rightly refuses (issue 24); this server has no partner county.
    shutil.copytree(ROOT / "data", base / "data", ignore=shutil.ignore_patterns("README.md", "partners.yaml"))
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
        "MAIL_FROM": "薪安通 <wagesafe@qinghe.example.gov.cn>", "SMS_PROVIDER": "none",
        "TRUSTED_PROXIES": "127.0.0.1,::1", "MAX_UPLOAD_MB": "0.5", "MAX_UPLOADS": "2",
        "RATE_LIMIT_IP_PER_10_MINUTES": "40", "SURGE_ALERT_PER_10_MINUTES": "1000",
    })
    procs = []
    try:
        for cmd in (["config", "check"], ["build"]):
            done = subprocess.run([*WAGESAFE, *cmd], env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
        done = subprocess.run([*WAGESAFE, "deploy", "render-nginx", "--server-name", "wagesafe.test",
                               "--upstream", f"127.0.0.1:{app_port}", "--cert", str(cert), "--key", str(key),
                               "--http-listen", f"127.0.0.1:{http_port}", "--https-listen", f"127.0.0.1:{https_port}",
                               "--https-listen6", f"[::1]:{https_port}", "--resolver", "",
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


def assert_security_headers(headers, *, strict_csp: bool, referrer: str = "strict-origin-when-cross-origin") -> None:
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    # One of each, never nginx's on top of the service's (issue 15).
    for name in ("Content-Security-Policy", "Referrer-Policy", "X-Frame-Options", "Strict-Transport-Security"):
        assert len(headers.get_all(name) or []) == 1, (name, headers.get_all(name))
    assert headers["Referrer-Policy"] == referrer
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
    assert_security_headers(headers, strict_csp=True, referrer="same-origin")
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


def test_junk_without_our_cookie_is_refused_by_the_service_not_nginx(stack):
    """Posts carrying no cookie the service signed (none, or a made-up ``session=x``) pass nginx,
    which keys nothing on cookies (issue 25); the service refuses them after its small cookieless
    bucket, with its own polite page."""
    seen = []
    for n in range(60):
        jar = {} if n % 2 else {"session": "x", "wsdev": "x"}
        status, _, body = stack.request("POST", "/complain", body=b"name=X", jar=jar, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        seen.append(status)
        if status == 429:
            page = body.decode()
            assert "提交太频繁了" in page and "Cookie" in page and "12333" in page  # the service's words
            break
    assert seen[-1] == 429, seen
    assert len(seen) >= 20 and set(seen[:-1]) == {400}, seen  # refused as expired forms first
    status, _, _ = stack.request("GET", "/status")  # reading is never limited
    assert status == 200


def file_complaint(stack, jar: dict, mobile: str, *, referer: bool = True) -> tuple[int, dict, str]:
    """One phone: open the project's form (its own cookies), fill it in, send it."""
    code = project_code(stack)
    status, _, body = stack.request("GET", f"/r/{code}", jar=jar)
    assert status == 200, status
    tokens = inputs(body.decode())
    fields = {"csrf_token": tokens["csrf_token"], "submission_token": tokens["submission_token"],
              "name": "工友", "mobile": mobile, "owed_by_kind": "company", "owed_by_name": "某劳务公司",
              "trade": "木工", "workers": "1", "amount_yuan": "8000", "months_owed": "2",
              "description": "工资没结。", "callback_time": "any", "consent": "y"}
    data, ctype = multipart(fields, [])
    status, headers, body = stack.request("POST", f"/r/{code}", body=data, jar=jar, referer=referer,
                                          headers={"Content-Type": ctype})
    return status, headers, body.decode("utf-8", "replace")


def check_status(stack, jar: dict, receipt: str, mobile: str) -> int:
    """One phone checks its case: the status page (its tokens), then the receipt and mobile."""
    status, _, body = stack.request("GET", "/status", jar=jar)
    assert status == 200, status
    token = inputs(body.decode())["csrf_token"]
    form = f"csrf_token={token}&receipt={receipt}&mobile={mobile}".encode()
    status, _, _ = stack.request("POST", "/status", body=form, jar=jar,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    return status


def test_thirty_workers_behind_one_address_file_and_check_while_one_device_floods_junk(stack):
    """Issue 15's first done-when, with issue 25's item 8: a dormitory Wi-Fi (one address: loopback
    here), 30 workers each filing and then checking their status, while one device on the same
    network posts junk as fast as it can, with its real cookies, with made-up ones, and with none,
    and guesses status checks with real form tokens."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    stop = threading.Event()
    junk_statuses: list[int] = []
    guess_statuses: list[int] = []
    flooder_jar: dict = {}
    stack.request("GET", "/complain", jar=flooder_jar)  # the flooder even has a real session cookie

    def flood():
        n = 0
        while not stop.is_set():
            n += 1
            jar = [flooder_jar, {}, {"session": f"made-up-{n}"}, {"session": "x", "wsdev": "x"}][n % 4]
            status, _, _ = stack.request("POST", "/complain", body=b"csrf_token=forged&name=x", jar=dict(jar),
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            junk_statuses.append(status)
            if n % 3 == 0:  # and wrong status checks, with real tokens from its own device
                guess_statuses.append(check_status(stack, flooder_jar, f"ABCD-{n:04d}", "13900000000"))

    def worker(n: int) -> tuple[int, int, str]:
        jar: dict = {}
        mobile = f"139{n:08d}"
        status, headers, body = file_complaint(stack, jar, mobile)
        if status != 303:
            return status, 0, body[:300]
        receipt = headers["Location"].rsplit("/", 1)[-1]
        return status, check_status(stack, jar, receipt, mobile), receipt

    flooder = threading.Thread(target=flood)
    flooder.start()
    try:
        # The flood is under way, past its device's bucket, before the first worker arrives (counted,
        # not timed: on a loaded machine a second may hold only a few posts).
        deadline = time.monotonic() + 60
        while len(junk_statuses) < 35 and time.monotonic() < deadline:
            time.sleep(0.05)
        started = time.monotonic()
        with ThreadPoolExecutor(6) as pool:
            results = list(pool.map(worker, range(30)))
        took = time.monotonic() - started
    finally:
        stop.set()
        flooder.join(30)
    assert [(r[0], r[1]) for r in results] == [(303, 200)] * 30, [r for r in results if r[:2] != (303, 200)]
    assert took < 90, took
    assert len(junk_statuses) >= 35 and 429 in junk_statuses and 303 not in junk_statuses, junk_statuses[:20]
    assert set(junk_statuses) <= {400, 429}, set(junk_statuses)
    assert set(guess_statuses) <= {404, 429} and guess_statuses, guess_statuses
    # The officers were told, without the workers' names, mobiles or words (issue 15).
    from formsvc.storage import store

    db = store.connect(stack.config.database)
    try:
        bodies = [s + b for s, b in db.conn.execute(
            "SELECT subject, body FROM notices WHERE kind NOT LIKE 'worker%' AND body != ''")]
    finally:
        db.conn.close()
    assert len(bodies) >= 30
    for text in bodies:
        assert "工友" not in text and "工资没结" not in text and not re.search(r"139\d{8}", text), text


def test_a_flood_of_valid_complaints_from_one_device_is_refused_for_that_device_only(stack):
    """Past RATE_LIMIT_DEVICE_PER_HOUR (10) valid complaints from one phone, that phone waits; the
    next phone on the same address files; the county desk is told once."""
    from formsvc.storage import store

    db = store.connect(stack.config.database)
    try:
        db.conn.execute("DELETE FROM rate_events WHERE key LIKE 'submit-%'")  # the 30 workers' share
    finally:
        db.conn.close()
    phone: dict = {}
    seen = [file_complaint(stack, phone, f"135{n:08d}") for n in range(11)]
    assert [s for s, _, _ in seen] == [303] * 10 + [429], [s for s, _, _ in seen]
    assert "这部手机" in seen[-1][2] and "12333" in seen[-1][2]
    status, _, body = file_complaint(stack, {}, "13500000099")
    assert status == 303, body[:500]
    db = store.connect(stack.config.database)
    try:
        alerts = db.conn.execute("SELECT subject FROM notices WHERE kind = 'abuse_alert' AND channel = 'email'"
                                 " AND subject LIKE '%同一部手机%'").fetchall()
        db.conn.execute("DELETE FROM rate_events WHERE key LIKE 'submit-%'")
    finally:
        db.conn.close()
    assert len(alerts) == 1


def test_a_flood_of_valid_complaints_from_one_address_is_slowed_and_the_desk_alerted(stack):
    """Past RATE_LIMIT_IP_PER_10_MINUTES valid complaints (40 here) the address waits minutes, is told
    exactly how long and whom to phone, and the county desk gets one alert."""
    from formsvc.storage import store

    refused = None
    for n in range(60):
        status, headers, body = file_complaint(stack, {}, f"137{n:08d}")
        if status == 429:
            refused = (headers, body)
            break
        assert status == 303, body[:500]
    assert refused is not None, "never slowed"
    headers, body = refused
    assert "提交太频繁了" in body and "12333" in body and "分钟" in body
    assert 60 <= int(headers["Retry-After"]) <= 600
    db = store.connect(stack.config.database)
    try:
        ip_events = db.conn.execute("SELECT count(*) FROM rate_events WHERE key = 'submit-ip:127.0.0.1'").fetchone()[0]
        assert ip_events == 40
        alerts = db.conn.execute("SELECT channel, recipient, body FROM notices WHERE kind = 'abuse_alert'"
                                 " AND subject LIKE '同一网络地址%'").fetchall()
    finally:
        db.conn.close()
    from wagesafe.registry import load_registry

    desk = load_registry(stack.config.data_dir).county.desk
    emails = [a for a in alerts if a[0] == "email"]
    assert len(emails) == 1 and emails[0][1] == desk.email and "127.0.0.1" in emails[0][2]


def test_post_without_referer_over_https_succeeds(stack):
    """Browsers and in-app browsers that strip the Referer were told "page expired" (issue 15)."""
    from formsvc.storage import store

    db = store.connect(stack.config.database)
    try:
        db.conn.execute("DELETE FROM rate_events WHERE key LIKE 'submit-%'")  # the flood test used the address up
    finally:
        db.conn.close()
    status, headers, body = file_complaint(stack, {}, "13600000001", referer=False)
    assert status == 303, body[:1000]
    assert headers["Location"].startswith("/receipt/")


def test_ipv6_and_modern_tls_only(stack):
    """The https server answers on IPv6 too; TLS 1.2 offers only forward-secret AEAD suites."""
    status, _, _ = stack.request("GET", "/healthz", host_ip="::1")
    assert status == 200
    for cipher in ("AES128-SHA", "ECDHE-RSA-AES128-SHA", "AES256-GCM-SHA384"):  # CBC, or no forward secrecy
        ctx = ssl.create_default_context(cafile=str(stack.base / "tls/cert.pem"))
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        try:
            ctx.set_ciphers(cipher)
        except ssl.SSLError:
            continue  # this OpenSSL does not even offer it
        with pytest.raises(ssl.SSLError):
            with socket.create_connection(("127.0.0.1", stack.https_port), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname="wagesafe.test"):
                    pass
    conf = (stack.base / "wagesafe.conf").read_text()
    assert "ssl_stapling on;" in conf and "ssl_prefer_server_ciphers off;" in conf


def test_desk_session_cookie_is_secure_and_a_copy_dies_with_sign_out_and_password_change(stack):
    """Through nginx over https: the cookie has Secure (and HttpOnly, SameSite); a copied cookie is
    refused after sign-out and after a password change; the desk has one Referrer-Policy, its own."""
    from formsvc.officers import auth
    from formsvc.storage import store

    done = subprocess.run([*WAGESAFE, "users", "sync"], env=stack.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    from wagesafe.registry import load_registry

    email = next(t.officer.email for t in load_registry(stack.config.data_dir).townships.values() if t.officer)
    db = store.connect(stack.config.database)
    try:
        auth.set_password(db, email, "correct horse 2026")
    finally:
        db.conn.close()

    def sign_in(password: str = "correct horse 2026") -> tuple[dict, list[str]]:
        jar: dict = {}
        _, _, body = stack.request("GET", "/desk/login", jar=jar)
        token = inputs(body.decode())["csrf_token"]
        form = f"csrf_token={token}&email={email}&password={password.replace(' ', '+')}".encode()
        status, headers, _ = stack.request("POST", "/desk/login", body=form, jar=jar, referer=False,
                                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, status
        return jar, headers.get_all("Set-Cookie")

    jar, set_cookies = sign_in()
    session_cookie = next(c for c in set_cookies if c.startswith("session="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    copy = dict(jar)
    status, headers, _ = stack.request("GET", "/desk/cases", jar=dict(copy))
    assert status == 200
    assert headers.get_all("Referrer-Policy") == ["no-referrer"] and len(headers.get_all("Content-Security-Policy")) == 1
    _, _, body = stack.request("GET", "/desk/cases", jar=jar)
    token = inputs(body.decode())["csrf_token"]
    status, _, _ = stack.request("POST", "/desk/logout", body=f"csrf_token={token}".encode(), jar=jar, referer=False,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302
    status, headers, _ = stack.request("GET", "/desk/cases", jar=dict(copy))
    assert status == 302 and "/desk/login" in headers["Location"]  # the copied cookie died with the sign-out
    jar, _ = sign_in()
    copy = dict(jar)
    assert stack.request("GET", "/desk/cases", jar=dict(copy))[0] == 200
    db = store.connect(stack.config.database)
    try:
        auth.set_password(db, email, "another horse 2026")
    finally:
        db.conn.close()
    assert stack.request("GET", "/desk/cases", jar=dict(copy))[0] == 302  # ... and with the password change


def test_sign_in_attempts_are_limited_by_nginx_too(stack):
    """(Last in this file: it uses the address's sign-in bucket up.) Guessing passwords through nginx
    meets its own bucket per address, far above a county office's sign-ins (the service slows
    guesses per account); reading the desk's pages is not limited."""
    from wagesafe.nginx_conf import SIGNIN_PER_MINUTE

    seen = []
    for _ in range(3 * SIGNIN_PER_MINUTE):
        status, _, body = stack.request("POST", "/desk/login", body=b"email=a%40b.cn&password=x", jar={},
                                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        seen.append(status)
        if status == 429:
            assert body == (ROOT / "deploy/nginx/429.html").read_bytes()  # nginx's page, from deploy/
            break
    assert seen[-1] == 429 and len(seen) >= SIGNIN_PER_MINUTE, seen
    assert stack.request("GET", "/desk/login", jar={})[0] == 200


def test_metrics_and_readiness_through_nginx(stack):
    """/metrics reaches the service for METRICS_ALLOW_NETWORKS (loopback by default) and nginx refuses
    everyone else; /readyz is passed on (no worker runs in this stack: not ready, in words)."""
    status, headers, body = stack.request("GET", "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert b"# TYPE wagesafe_notices_pending gauge" in body
    status, _, body = stack.request("GET", "/readyz")
    assert status == 503 and "never run" in body.decode()
    # Another loopback address (127.0.0.2) is not in 127.0.0.1/32: nginx answers 403 itself.
    conn = http.client.HTTPSConnection("127.0.0.1", stack.https_port, context=stack.context, timeout=30,
                                       source_address=("127.0.0.2", 0))
    try:
        conn.request("GET", "/metrics", headers={"Host": f"wagesafe.test:{stack.https_port}"})
        refused = conn.getresponse()
        page = refused.read()
        # nginx's own refusal: the service's would name the setting
        assert refused.status == 403 and b"wagesafe_" not in page and b"METRICS_ALLOW_NETWORKS" not in page
    finally:
        conn.close()
