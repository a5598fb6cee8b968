"""Shared helpers for the benchmarks (and the fault tests): ports, a real gunicorn, a browser-like
HTTP client, a threaded load generator, peak memory read from /proc, and JSON results.

Nothing here talks to anything but loopback. Every loop is bounded in count and in time.

- ``free_port()``: an ephemeral loopback port nobody listens on.
- ``Gunicorn``: ``wagesafe serve`` (gunicorn) in its own process group, so ``kill(9)`` takes the
  master and its workers at once, like a power cut or the OOM killer.
- ``Browser``: one keep-alive connection with a cookie jar, which fetches a form, reads its CSRF
  and submission tokens, posts it as ``multipart/form-data`` and follows the 303 to the receipt.
- ``load(fn, n, concurrency)``: runs ``fn(i)`` ``n`` times on ``concurrency`` threads and returns
  latencies, errors and requests per second.
- ``MemorySampler``: peak resident memory (sum of VmRSS) of a process tree, sampled from /proc.
- ``emit(name, rows)``: prints one ``BENCH-JSON {...}`` line and writes ``bench/out/<name>.json``,
  which ``bench/run_all.py`` collects.
"""

from __future__ import annotations

import html
import http.client
import json
import os
import re
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
VENV_BIN = Path(sys.executable).parent
JSON_PREFIX = "BENCH-JSON "
# bench/hello_wsgi.py serves the complaint form again under this prefix with complaints.submit skipped.
NO_DB_PREFIX = "/bench-no-db"

def photo(target_bytes: int = 0) -> bytes:
    """A real JPEG (the service decodes and re-encodes every photo, so magic bytes no longer pass):
    a small plain one, or noise (which compresses as badly as a phone photo's detail) of about
    ``target_bytes``. Made with the service's own settings, so it survives re-encoding unchanged
    in size class."""
    import io
    import random

    from PIL import Image

    if not target_bytes:
        out = io.BytesIO()
        Image.new("RGB", (16, 16), (200, 120, 40)).save(out, "JPEG", quality=90, optimize=True)
        return out.getvalue()
    rng, side = random.Random(15), 160
    while True:
        out = io.BytesIO()
        Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3)).save(out, "JPEG", quality=90)
        if out.tell() >= target_bytes:
            return out.getvalue()
        side += max(20, side // 5)


JPEG = photo()

GOOD_FIELDS = dict(name="张三", mobile="13812345678", owed_by_kind="team_leader", owed_by_name="李四",
                   trade="木工", workers="3", amount_yuan="12000", months_owed="2",
                   description="干了三个月，包工头一直拖着不发。", callback_time="evening", consent="y")


# --- ports and processes ---------------------------------------------------------------------------

def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until something accepts connections on 127.0.0.1:``port`` (or the process dies)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def service_env(var_dir: Path, data_dir: Path | None = None, **settings) -> dict:
    """Environment for a form service or worker on a private var dir; limits high enough for a burst."""
    env = dict(os.environ)
    for k in list(env):  # start from the defaults, not from whatever the caller's shell set
        if k.startswith(("WAGESAFE_", "SMTP_", "SMS_", "RATE_LIMIT_", "ALIYUN_")):
            env.pop(k)
    env.update({
        "WAGESAFE_ENV": "development",
        "WAGESAFE_VAR_DIR": str(var_dir),
        "WAGESAFE_DATA_DIR": str(data_dir or ROOT / "data"),
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
        "SECRET_KEY": "bench-" + secrets.token_hex(16),
        "RATE_LIMIT_IP_PER_HOUR": "1000000",
        "RATE_LIMIT_MOBILE_PER_DAY": "1000000",
        "RATE_LIMIT_DEVICE_PER_HOUR": "1000000",  # one session posts every complaint of a bench
        "SURGE_ALERT_PER_10_MINUTES": "0",
        "SMS_PROVIDER": "file",
        "PYTHONUNBUFFERED": "1",
    })
    env.update({k: str(v) for k, v in settings.items()})
    return env


class Gunicorn:
    """``wagesafe serve`` (which execs gunicorn) in its own session and process group."""

    def __init__(self, env: dict, *, workers: int = 2, worker_class: str = "sync", threads: int = 4,
                 port: int | None = None, log_path: Path | None = None):
        self.env, self.workers, self.worker_class, self.threads = env, workers, worker_class, threads
        self.port = port or free_port()
        self.log_path = log_path or Path(env["WAGESAFE_VAR_DIR"]) / f"gunicorn-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 40.0) -> "Gunicorn":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "wagesafe"), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers), "--worker-class", self.worker_class, "--threads", str(self.threads)],
            env=self.env, cwd=str(ROOT), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_port(self.port, timeout, self.proc)
        # gunicorn binds before its workers have imported the app: wait for a real answer.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if Browser(self.port).get("/healthz").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError("gunicorn did not answer /healthz")

    def pids(self) -> list[int]:
        return process_group(self.proc.pid) if self.proc else []

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (master and workers), then reap the master."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while process_group(self.proc.pid) and time.monotonic() < deadline:  # orphaned workers die too
            time.sleep(0.05)
        self._log.close()
        self.proc = None

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill(signal.SIGKILL if exc[0] else signal.SIGTERM)


def process_group(pgid: int) -> list[int]:
    """Live pids whose process group is ``pgid`` (read from /proc, zombies excluded)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields_ = stat.rsplit(")", 1)[1].split()
        if fields_[0] != "Z" and int(fields_[2]) == pgid:
            pids.append(int(entry))
    return pids


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler:
    """Peak of the summed resident memory of a process group (or of given pids), every ``interval`` s."""

    def __init__(self, pgid: int | None = None, pids=None, interval: float = 0.1):
        self.pgid, self.fixed, self.interval = pgid, list(pids or []), interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = process_group(self.pgid) if self.pgid is not None else self.fixed
            self.peak_kib = max(self.peak_kib, sum(rss_kib(p) for p in pids))
            self._stop.wait(self.interval)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kib / 1024, 1)


def self_peak_mb() -> float:
    """Peak resident memory of this process (``ru_maxrss`` is KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def children_peak_mb() -> float:
    """Largest peak resident memory of any waited-for child process."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


# --- a browser-like HTTP client --------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


_TOKEN_RES = {name: (re.compile(rf'name="{name}"[^>]*value="([^"]*)"'),
                     re.compile(rf'value="([^"]*)"[^>]*name="{name}"')) for name in ("csrf_token", "submission_token")}


def form_tokens(page: str) -> dict:
    """The hidden CSRF and submission tokens of a form page, as a browser would send them back."""
    out = {}
    for name, (a, b) in _TOKEN_RES.items():
        m = a.search(page) or b.search(page)
        if m:
            out[name] = html.unescape(m.group(1))
    return out


def multipart(fields: dict, files=(), boundary: str | None = None) -> tuple[bytes, str]:
    """Encode ``fields`` (str values) and ``files`` ((field, filename, bytes, content type)) as multipart."""
    boundary = boundary or "----wagesafe" + secrets.token_hex(12)
    parts = []
    for k, v in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() +
                     str(v).encode("utf-8") + b"\r\n")
    for fname, filename, content, ctype in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{fname}"; filename="{filename}"\r\n'
                     f"Content-Type: {ctype}\r\n\r\n".encode("utf-8") + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Browser:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1 with a cookie jar; reconnects when closed."""

    def __init__(self, port: int, timeout: float = 30.0):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()  # a keep-alive connection the server closed: once more on a new one
                if attempt == 2 or method not in ("GET", "HEAD"):
                    raise
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if r.getheader("Connection", "").lower() == "close":
            self.close()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def submit(self, path: str, fields: dict | None = None, files=(), follow: bool = True) -> tuple[Response, str]:
        """GET the form, fill it (``GOOD_FIELDS`` overridden by ``fields``), POST it, follow the 303.

        Returns (the last response, the receipt number or "").
        """
        page = self.get(path)
        data = {**form_tokens(page.text), **GOOD_FIELDS, **(fields or {})}
        body, ctype = multipart(data, files)
        r = self.request("POST", path, body=body, headers={"Content-Type": ctype})
        if r.status != 303 or not follow:
            return r, ""
        location = r.header("location")
        receipt = location.rstrip("/").rsplit("/", 1)[-1]
        r2 = self.get(location.replace(f"http://127.0.0.1:{self.port}", "") or "/")
        return r2, (receipt if r2.status == 200 and receipt in r2.text else "")


# --- load --------------------------------------------------------------------------------------------

@dataclass
class LoadResult:
    n: int
    seconds: float
    latencies_ms: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    results: list = field(default_factory=list)

    @property
    def rps(self) -> float:
        return round(len(self.latencies_ms) / self.seconds, 1) if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        xs = sorted(self.latencies_ms)
        return round(xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))], 1)

    def summary(self) -> dict:
        return dict(n=self.n, ok=len(self.latencies_ms), errors=len(self.errors), seconds=round(self.seconds, 2),
                    rps=self.rps, p50_ms=self.pct(50), p99_ms=self.pct(99),
                    mean_ms=round(statistics.fmean(self.latencies_ms), 1) if self.latencies_ms else None)


def load(fn, n: int, concurrency: int, time_limit: float = 120.0) -> LoadResult:
    """Run ``fn(i)`` for i in range(n) on ``concurrency`` threads; a call that raises is an error.

    ``fn`` returns anything (kept in ``results`` with its index); stops taking new work after ``time_limit`` s.
    """
    lock = threading.Lock()
    counter = iter(range(n))
    out = LoadResult(n=n, seconds=0.0)
    deadline = time.monotonic() + time_limit

    def run():
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t0 = time.perf_counter()
            try:
                value = fn(i)
            except Exception as e:  # noqa: BLE001 - a failed request is a data point
                with lock:
                    out.errors.append((i, f"{type(e).__name__}: {e}"))
                continue
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                out.latencies_ms.append(ms)
                out.results.append((i, value))

    threads = [threading.Thread(target=run, daemon=True) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(time_limit + 30)
    out.seconds = time.perf_counter() - t0
    return out


# --- machine and results -------------------------------------------------------------------------------

def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return dict(nproc=os.cpu_count() or 1, ram_gb=ram_gb, cpu=cpu, python=sys.version.split()[0])


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def emit(name: str, rows: list[dict], **extra) -> dict:
    """Print one machine-readable line and write ``bench/out/<name>.json``; return the record."""
    record = dict(bench=name, at=now_iso(), machine=machine(), rows=rows, **extra)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), "utf-8")
    print(JSON_PREFIX + json.dumps(record, ensure_ascii=False), flush=True)
    return record


def table(rows: list[dict], columns: list[str]) -> str:
    """A plain-text table of ``rows`` (dicts) with the given columns."""
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths))  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(r) for r in cells)])
