"""Complaint POST throughput and latency under gunicorn, next to hello-world of the same app.

Starts gunicorn (``-w 2``) on a free loopback port with a temp var dir and the sample
registry, then drives it with a loopback load generator written in Python (threads, one
keep-alive connection each, requests sent with one ``sendall``, bounded by time and count) and prints a table:
requests/s and p50/p99 latency for ``GET /hello``, ``POST /r/<code>`` (a complaint as a browser
sends it, without files) and a complaint with one 100 KB photo, then the CPU time per request
of the server (gunicorn and its workers) and of the load generator. Targets (issue 5):
complaint POST ≥ 40% of hello-world throughput, p99 ≤ 50 ms.

The service runs as deployed behind nginx (``TRUSTED_PROXIES=1``, default rate limits) and
each request comes from its own address and mobile, as complaints come from many phones.
The rows are measured in turns (``--rounds``), so a change in the machine's other load
weighs on all of them alike.

The load generator runs on the same 2 cores as the server, so absolute figures are lower
than a separate client would measure; the ratio is the fair comparison.

    .venv/bin/python bench/bench_intake.py [--seconds 5] [--rounds 5] [--concurrency 2] [--worker-class gthread]
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port  # noqa: E402

BOUNDARY = "----WebKitFormBoundaryWageSafeBench01"
# A typical complaint as a browser sends the project form (document order, every field the page has):
# the CSRF token (ignored: the bench app turns CSRF off), the submission token, the empty honeypot,
# the worker's fields and, when no photo is chosen, the empty file part browsers always send.
FIELDS = dict(name="张三", mobile="13812345678", owed_by_kind="team_leader", owed_by_name="李四", trade="木工",
              workers="3", amount_yuan="12000", months_owed="2", description="干了三个月，包工头一直拖着不发。" * 5)
TAIL_FIELDS = dict(callback_time="any", consent="y")
CSRF_LIKE = "IjNmZDk1YzA3ZTk0MmE1ODk4ZjE4ZDY1NmE1YzdhYjE4ZGM0NTg2NDAi.Z0E5Ag.0mVv8N1Ki5b5Yp0xP2wq3Rr4Ss5"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + os.urandom(100_000)


def _part(name: str, value: str) -> bytes:
    return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()


def multipart(n: int, photo: bool) -> bytes:
    """A complaint form body; each one has its own submission token and mobile (as real workers would)."""
    head = dict(csrf_token=CSRF_LIKE, submission_token=secrets.token_urlsafe(18), website="")
    fields = dict(FIELDS, mobile=f"139{n % 100_000_000:08d}")
    parts = [_part(k, v) for k, v in head.items()] + [_part(k, v) for k, v in fields.items()]
    file_head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence"; filename="%s"\r\nContent-Type: %s\r\n\r\n'
    if photo:
        parts.append((file_head % ("IMG_20261123_0912.jpg", "image/jpeg")).encode() + JPEG + b"\r\n")
    else:
        parts.append((file_head % ("", "application/octet-stream")).encode() + b"\r\n")
    parts += [_part(k, v) for k, v in TAIL_FIELDS.items()]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def client_ip(n: int) -> str:
    """The address of the ``n``-th phone (one per request: real complaints come from many phones)."""
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def _request_bytes(method: str, path: str, body: bytes | None, headers: dict) -> bytes:
    """The whole request in one buffer, sent with one ``sendall``: http.client sends headers and
    body in two writes, which on loopback can stall on delayed ACKs and measure the client."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def run_load(port: int, make_request, seconds: float, concurrency: int, max_requests: int, start: int = 0) -> dict:
    """Drive ``make_request(i) -> (method, path, body, headers, expected_status)`` from ``concurrency`` threads,
    each on a keep-alive connection (reopened when the server closes it, as gunicorn's sync workers do);
    ``i`` counts from ``start``."""
    latencies: list[float] = []
    errors = [0]
    counter = iter(range(start, start + max_requests))
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def connect():
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def worker():
        sock, local = None, []
        while time.perf_counter() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            method, path, body, headers, expected = make_request(i)
            data = _request_bytes(method, path, body, headers)
            t0 = time.perf_counter()
            try:
                sock = sock or connect()
                sock.sendall(data)
                resp = http.client.HTTPResponse(sock, method=method)
                resp.begin()
                resp.read()
                ok = resp.status == expected
                if resp.will_close:
                    sock.close()
                    sock = None
            except (OSError, http.client.HTTPException):
                ok = False
                if sock:
                    sock.close()
                sock = None
            local.append(time.perf_counter() - t0)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(local)
        if sock:
            sock.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return summary(latencies, elapsed, errors[0])


def summary(latencies: list[float], elapsed: float, errors: int, **extra) -> dict:
    latencies = sorted(latencies)
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0  # noqa
    return dict(requests=len(latencies), rps=len(latencies) / elapsed, p50=pick(0.50), p99=pick(0.99),
                errors=errors, latencies=latencies, elapsed=elapsed, **extra)


def tree_cpu_seconds(root_pid: int) -> float:
    """CPU time (user + system) used so far by a process and all its descendants, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime + stime
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0))[1]
        todo += [child for child, (ppid, _) in stats.items() if ppid == pid]
    return total / ticks


def measure(port: int, server_pid: int, make, seconds: float, concurrency: int, max_requests: int, start: int) -> dict:
    """``run_load`` plus the CPU time the server (gunicorn and its workers) and this load generator used."""
    server0, client0 = tree_cpu_seconds(server_pid), time.process_time()
    r = run_load(port, make, seconds, concurrency, max_requests, start)
    r["server_cpu"] = tree_cpu_seconds(server_pid) - server0
    r["client_cpu"] = time.process_time() - client0
    return r


def combine(parts: list[dict]) -> dict:
    """One row from its rounds: all requests over all measured time, percentiles over all latencies."""
    n = max(1, sum(p["requests"] for p in parts))
    return summary([x for p in parts for x in p["latencies"]], sum(p["elapsed"] for p in parts),
                   sum(p["errors"] for p in parts), server_cpu_ms=sum(p["server_cpu"] for p in parts) / n * 1000,
                   client_cpu_ms=sum(p["client_cpu"] for p in parts) / n * 1000)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="measured seconds per endpoint")
    ap.add_argument("--concurrency", type=int, default=2, help="client threads (keep-alive connections)")
    ap.add_argument("--max-requests", type=int, default=200_000, help="upper bound per endpoint and round")
    ap.add_argument("--rounds", type=int, default=5, help="measure the rows in turns, this many rounds each")
    ap.add_argument("--worker-class", default="gthread", choices=("sync", "gthread"))
    ap.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    ap.add_argument("--keep", action="store_true", help="keep the temp directory")
    args = ap.parse_args(argv)

    from formsvc import store
    from wagesafe.config import Config

    tmp = Path(tempfile.mkdtemp(prefix="wagesafe-bench-"))
    # As deployed (deploy/compose.yaml): behind one proxy (nginx) that sets X-Forwarded-For, with the
    # default rate limits. Each request comes from its own phone (address and mobile), so the limits
    # are checked as for real workers and none is reached.
    env = dict(os.environ, WAGESAFE_VAR_DIR=str(tmp / "var"), WAGESAFE_DATA_DIR=str(ROOT / "data"),
               SECRET_KEY=secrets.token_hex(32), TRUSTED_PROXIES="1", PYTHONPATH=str(ROOT))
    for name in ("RATE_LIMIT_IP_PER_HOUR", "RATE_LIMIT_MOBILE_PER_DAY"):
        env.pop(name, None)
    config = Config.from_env(env)
    store.open_db(config.database)  # migrate once, before the workers start
    port = free_port()
    # gunicorn silently turns "sync" with --threads > 1 into gthread: pass threads only for gthread.
    threads = ["--threads", str(args.threads)] if args.worker_class == "gthread" else []
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-k", args.worker_class, *threads,
           "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(ROOT / "bench"), "hello_wsgi:app"]
    server = subprocess.Popen(cmd, env=env, cwd=str(ROOT))
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            print("gunicorn did not start", file=sys.stderr)
            return 1
        def headers(i: int) -> dict:
            return {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "X-Forwarded-For": client_ip(i)}

        cases = [
            ("GET /hello (hello-world)", lambda i: ("GET", "/hello", None, {"X-Forwarded-For": client_ip(i)}, 200)),
            ("POST /r/qh012 (complaint)", lambda i: ("POST", "/r/qh012", multipart(i, False), headers(i), 303)),
            ("POST /r/qh012 + 100 KB photo",
             lambda i: ("POST", "/r/qh012", multipart(i + 10_000_000, True), headers(i + 10_000_000), 303)),
        ]
        # The rows are measured in turns (round 1 of each, round 2 of each, ...), each round on new
        # connections: a shift in the machine's other load, or both connections landing on one
        # gunicorn worker, then weighs on every row alike instead of on whichever row it met.
        rounds = max(1, args.rounds)
        parts: dict[str, list] = {label: [] for label, _ in cases}
        start = 0
        for label, make in cases:
            run_load(port, make, min(1.0, args.seconds), args.concurrency, 2000, start)  # warm-up
            start += 2000
        for _ in range(rounds):
            for label, make in cases:
                parts[label].append(measure(port, server.pid, make, args.seconds / rounds, args.concurrency,
                                            args.max_requests, start))
                start += args.max_requests
        results = [(label, combine(parts[label])) for label, _ in cases]
        db = store.connect(config.database)
        complaints = db.conn.execute("SELECT count(*) FROM complaints").fetchone()[0]
        notices = db.conn.execute("SELECT count(*) FROM notices").fetchone()[0]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    hello = results[0][1]["rps"]
    print(f"\ngunicorn -w 2 -k {args.worker_class} {' '.join(threads)} on 127.0.0.1, {os.cpu_count()} CPUs; "
          f"{args.concurrency} client threads for {args.seconds:g} s per row, in {rounds} rounds.")
    print("NOTE: the Python load generator shares these cores with the server, so absolute figures are low;\n"
          "      compare the rows with each other.\n")
    print(f"{'endpoint':32} {'requests':>9} {'req/s':>9} {'% hello':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label, r in results:
        print(f"{label:32} {r['requests']:>9} {r['rps']:>9.0f} {100 * r['rps'] / hello:>7.0f}% {r['p50']:>8.1f}"
              f" {r['p99']:>8.1f} {r['errors']:>7}")
    print(f"\nCPU per request (ms; user + system): {'endpoint':24} {'server':>7} {'client':>7}")
    for label, r in results:
        print(f"{'':36} {label[:24]:24} {r['server_cpu_ms']:>7.2f} {r['client_cpu_ms']:>7.2f}")
    post = results[1][1]
    ratio_ok, p99_ok = post["rps"] >= 0.4 * hello, post["p99"] <= 50
    print(f"\ncomplaints stored: {complaints}, notices queued: {notices} (every POST: complaint + routing + events + "
          "2 notices in one transaction)")
    print(f"target complaint ≥ 40% of hello-world: {'PASS' if ratio_ok else 'FAIL'} ({100 * post['rps'] / hello:.0f}%)")
    print(f"target complaint p99 ≤ 50 ms:         {'PASS' if p99_ok else 'FAIL'} ({post['p99']:.1f} ms)")
    return 0 if ratio_ok and p99_ok and not any(r["errors"] for _, r in results) else 2


if __name__ == "__main__":
    sys.exit(main())
