"""Portal pages per second from Debian's nginx, with the project's own nginx site, measured by wrk.

The static portal is the part that meets the crowd, so this measures it as deployed: the sample
site is built (``wagesafe build`` into a temporary SITE_DIR, which writes a ``.gz`` beside each
file), the real nginx site is rendered from ``deploy/`` (``wagesafe deploy render-nginx``) with
HTTPS on a free loopback port and a self-signed certificate made by ``openssl`` (as
``tests/test_deploy_nginx.py`` does), and ``/usr/sbin/nginx`` serves it with
``worker_processes auto`` (as Debian's own nginx.conf). Only the outer nginx.conf (pid file, temp
paths, logs in the temporary directory) is the bench's own. No form service runs: only static
pages are fetched.

For each page ``wrk`` runs for ``--seconds`` (default 10) with 2 threads and 32 keep-alive
connections, sending ``Accept-Encoding: gzip`` (so nginx sends the build's ``.gz`` file, checked
once before the load), and reports requests per second and p50/p99 latency. wrk runs on the same
cores as nginx, so the figure is lower than a separate client would measure. nginx is stopped
gracefully (SIGQUIT) at the end, and killed if it does not go. Loopback only; bounded in time.

    .venv/bin/python bench/bench_static.py [--seconds 10] [--threads 2] [--connections 32]

Prints a table and a ``BENCH-JSON`` line; writes ``bench/out/bench_static.json``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, VENV_BIN, emit, free_port, service_env, table, wait_port  # noqa: E402
from wagesafe.nginx_conf import local_main_conf  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
PAGES = [("home", "/"), ("guide", "/guides/what-to-do/"), ("project page", "/projects/qh001/")]


def run_checked(cmd: list[str], env: dict, timeout: float) -> None:
    done = subprocess.run(cmd, env=env, cwd=str(ROOT), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=wagesafe.test", "-addext", "subjectAltName=DNS:wagesafe.test,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


def stop_nginx(proc: subprocess.Popen) -> str:
    """SIGQUIT (nginx's graceful shutdown), then SIGTERM, then SIGKILL of its process group."""
    if proc.poll() is not None:
        return f"had exited ({proc.returncode})"
    for sig, wait in ((signal.SIGQUIT, 15), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
            return "stopped gracefully" if sig == signal.SIGQUIT else f"stopped by {sig.name}"
        except subprocess.TimeoutExpired:
            continue
    return "did not stop"


def fetch_once(port: int, path: str) -> tuple[int, str, int]:
    """One HTTPS GET with gzip accepted: (status, Content-Encoding, body bytes)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": "wagesafe.test", "Accept-Encoding": "gzip"})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, resp.getheader("Content-Encoding") or "", len(body)
    finally:
        conn.close()


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(m.group(1)) * UNIT_MS[m.group(2)]


def parse_wrk(out: str) -> dict:
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M))
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    total = re.search(r"^\s+(\d+) requests in ([\d.]+\w+),", out, re.M)
    if not (rps and total and "50" in pct and "99" in pct):
        raise ValueError(f"wrk output not understood:\n{out}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return dict(rps=round(float(rps.group(1))), requests=int(total.group(1)), p50_ms=round(to_ms(pct["50"]), 2),
                p99_ms=round(to_ms(pct["99"]), 2), non_2xx=int(non2xx.group(1)) if non2xx else 0,
                socket_errors=sum(int(x) for x in sock.groups()) if sock else 0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args(argv)
    for tool in (NGINX, WRK):
        if not Path(tool).exists():
            print(f"needs {tool} (apt-get install nginx-light wrk; scripts/system-deps.sh test)", file=sys.stderr)
            return 1
    wagesafe = str(VENV_BIN / "wagesafe")
    rows = []
    with tempfile.TemporaryDirectory(prefix="wagesafe-static-") as tmp:
        base = Path(tmp)
        for d in ("logs", "tmp", "tls"):
            (base / d).mkdir()
        env = service_env(base / "var", WAGESAFE_SITE_DIR=str(base / "site"))
        t0 = time.perf_counter()
        run_checked([wagesafe, "build"], env, 600)
        print(f"sample site built in {time.perf_counter() - t0:.1f} s", flush=True)
        cert, key = self_signed(base / "tls")
        https_port, http_port = free_port(), free_port()
        run_checked([wagesafe, "deploy", "render-nginx", "--server-name", "wagesafe.test",
                     "--upstream", f"127.0.0.1:{free_port()}", "--cert", str(cert), "--key", str(key),
                     "--http-listen", f"127.0.0.1:{http_port}", "--https-listen", f"127.0.0.1:{https_port}",
                     "--log-dir", str(base / "logs"), "--out", str(base / "wagesafe.conf")], env, 60)
        main_conf = base / "nginx.conf"
        main_conf.write_text(local_main_conf(base, base / "wagesafe.conf", workers="auto", connections=1024))
        nginx_cmd = [NGINX, "-p", str(base), "-c", str(main_conf), "-e", str(base / "logs/error.log")]
        test = subprocess.run([*nginx_cmd, "-t"], capture_output=True, text=True, timeout=30)
        if test.returncode != 0:
            print(test.stderr, file=sys.stderr)
            return 1
        nginx = subprocess.Popen(nginx_cmd, stdout=subprocess.DEVNULL, stderr=open(base / "logs/nginx.stderr", "w"),
                                 start_new_session=True)
        stopped = "not started"
        try:
            wait_port(https_port, 30, nginx)
            print(f"nginx on https://127.0.0.1:{https_port}; wrk {args.seconds} s, {args.threads} threads, "
                  f"{args.connections} connections, Accept-Encoding: gzip", flush=True)
            for page, path in PAGES:
                status, encoding, size = fetch_once(https_port, path)
                if status != 200 or encoding != "gzip":
                    raise RuntimeError(f"{path}: status {status}, Content-Encoding {encoding!r} (want 200, gzip)")
                done = subprocess.run([WRK, "-t", str(args.threads), "-c", str(args.connections),
                                       "-d", f"{args.seconds}s", "--timeout", "5s", "--latency",
                                       "-H", "Accept-Encoding: gzip", "-H", "Host: wagesafe.test",
                                       f"https://127.0.0.1:{https_port}{path}"],
                                      capture_output=True, text=True, timeout=args.seconds + 60)
                if done.returncode != 0:
                    raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr}")
                r = parse_wrk(done.stdout)
                rows.append(dict(page=page, path=path, gzip_kb=round(size / 1024, 1), **r))
                print(f"  {path}: {r['rps']} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms", flush=True)
        finally:
            stopped = stop_nginx(nginx)
            print(f"nginx {stopped}", flush=True)
    cols = ["page", "path", "gzip_kb", "requests", "rps", "p50_ms", "p99_ms", "non_2xx", "socket_errors"]
    print()
    print(table(rows, cols))
    load1 = os.getloadavg()[0]
    print(f"load average (1 min) at the end: {load1:.2f}")
    emit("bench_static", rows, seconds=args.seconds, threads=args.threads, connections=args.connections,
         load1=round(load1, 2), nginx=stopped)
    bad = [r for r in rows if r["non_2xx"] or r["socket_errors"]]
    return 1 if bad or stopped not in ("stopped gracefully",) else 0


if __name__ == "__main__":
    sys.exit(main())
