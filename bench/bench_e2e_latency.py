"""Time from a worker's submit to the officer's email delivered, through the real parts.

A real gunicorn (``wagesafe serve``), the real notice worker (``wagesafe worker``, a separate
process) and the mail catcher (aiosmtpd on a loopback port, storing one ``.eml`` per message,
named by its arrival time). Complaints are submitted one after another at a steady pace; for
each, the clock runs from just before the POST to the arrival of the email whose subject
carries its receipt number. The worker polls every ``WORKER_POLL_SECONDS`` (the default 2 s
and a short 0.2 s are both measured), so the poll interval is most of what this shows.

    .venv/bin/python bench/bench_e2e_latency.py [--n 20] [--poll 2,0.2]

Prints a table and a ``BENCH-JSON`` line; writes ``bench/out/bench_e2e_latency.json``.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (GOOD_FIELDS, VENV_BIN, Browser, Gunicorn, MemorySampler, emit,  # noqa: E402
                          form_tokens, multipart, service_env, table)
from formsvc.demo.mailcatcher import MailCatcher, read_message  # noqa: E402

PROJECT = "/r/qh012"


def arrival(path: Path) -> float:
    """The catcher names each message by its UTC arrival time: 20260301T101112123456Z-xxxx.eml."""
    stamp = path.name.split("Z-", 1)[0]
    return datetime.strptime(stamp, "%Y%m%dT%H%M%S%f").replace(tzinfo=timezone.utc).timestamp()


def run(n: int, poll: float, pace: float, time_limit: float = 90.0) -> dict:
    with tempfile.TemporaryDirectory(prefix="wagesafe-e2e-") as tmp:
        tmp = Path(tmp)
        catcher = MailCatcher(tmp / "mail", port=0).start()
        env = service_env(tmp / "var", SMTP_PORT=catcher.port, WORKER_POLL_SECONDS=poll)
        worker = None
        try:
            with Gunicorn(env, workers=2, threads=4) as web:
                worker = subprocess.Popen([str(VENV_BIN / "wagesafe"), "worker"], env=env, start_new_session=True,
                                          stdout=subprocess.DEVNULL, stderr=open(tmp / "worker.log", "wb"))
                time.sleep(1.0)  # let the worker start and run its first (empty) round
                sent: dict[str, float] = {}
                with MemorySampler(pgid=worker.pid) as mem:
                    b = Browser(web.port)
                    for i in range(n):
                        page = b.get(PROJECT)  # the form is on the phone before the clock starts
                        body, ctype = multipart({**form_tokens(page.text), **GOOD_FIELDS, "mobile": f"139{i:08d}"})
                        t0 = time.time()
                        r = b.request("POST", PROJECT, body=body, headers={"Content-Type": ctype})
                        if r.status != 303:
                            raise RuntimeError(f"submit {i} answered {r.status}")
                        sent[r.header("location").rsplit("/", 1)[-1]] = t0
                        time.sleep(pace)
                    delivered: dict[str, float] = {}
                    deadline = time.monotonic() + time_limit
                    while len(delivered) < len(sent) and time.monotonic() < deadline:
                        for p in (tmp / "mail").glob("[0-9]*.eml"):  # not the catcher's .tmp-* files
                            try:
                                subject = str(read_message(p)["Subject"])
                            except FileNotFoundError:
                                continue
                            for receipt in sent:
                                if receipt in subject and receipt not in delivered:
                                    delivered[receipt] = arrival(p)
                        time.sleep(0.05)
                worker_mem = mem.peak_mb
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(20)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait(5)
            catcher.stop()
    lat = sorted((delivered[r] - sent[r]) * 1000 for r in delivered)

    def pct(p):
        return round(lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))]) if lat else None

    return dict(poll_s=poll, n=n, delivered=len(delivered), p50_ms=pct(50), p99_ms=pct(99),
                max_ms=round(lat[-1]) if lat else None, worker_peak_mb=worker_mem)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20, help="complaints per poll setting")
    ap.add_argument("--poll", default="2,0.2", help="WORKER_POLL_SECONDS values, comma-separated")
    ap.add_argument("--pace", type=float, default=0.25, help="seconds between submissions")
    args = ap.parse_args(argv)
    rows = [run(args.n, float(p), args.pace) for p in args.poll.split(",")]
    print("submit → officer's email delivered (gunicorn 2×4, wagesafe worker, aiosmtpd on loopback)")
    print(table(rows, ["poll_s", "n", "delivered", "p50_ms", "p99_ms", "max_ms", "worker_peak_mb"]))
    emit("bench_e2e_latency", rows)
    return 0 if all(r["delivered"] == r["n"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
