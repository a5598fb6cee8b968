"""Bench: posters per second for the 2,000-project synthetic registry, file sizes, segno vs qrcode.

    .venv/bin/python bench/bench_posters.py [--projects 2000] [--jobs 1,2]

Builds every A4 PDF (the target: 150 per second on a 2-core machine using both cores), then
every file (A4 + A3 + SVG + PNG), with 1 and 2 worker processes, always with --force so each
run renders everything. posters/s is wall-clock; on a shared machine it depends on the other
processes, so the CPU time per poster is printed too, and "posters/s if idle" = jobs / CPU time
per poster (what the run would reach with its cores to itself).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import qrcode
import segno

from qr.build import build_posters, posters_dir
from qr.render import FORMATS
from wagesafe.config import Config
from wagesafe.registry import load_registry
from wagesafe.synth import write_registry


def qr_speed(url: str, n: int = 100, rounds: int = 5) -> dict[str, float]:
    """CPU milliseconds per symbol for the same URL and error level, up to the module matrix.

    Rounds alternate between the libraries and the best round counts, so load from other
    processes on a shared machine skews both alike.
    """
    def segno_once():
        segno.make_qr(url, error="q").matrix

    def qrcode_once():
        q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4)
        q.add_data(url)
        q.make(fit=True)
        q.get_matrix()

    best = {"segno": float("inf"), "qrcode": float("inf")}
    for _ in range(rounds):
        for name, once in (("segno", segno_once), ("qrcode", qrcode_once)):
            t = time.process_time()
            for _ in range(n):
                once()
            best[name] = min(best[name], (time.process_time() - t) / n * 1000)
    return best


def _cpu() -> float:
    """CPU seconds used by this process and its finished children (the pool workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=2000)
    ap.add_argument("--jobs", default="1,2", help="comma-separated worker counts to try")
    args = ap.parse_args()
    jobs_list = [int(j) for j in args.jobs.split(",")]
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-posters-") as tmp:
        data = write_registry(Path(tmp) / "data", args.projects)
        registry = load_registry(data)
        config = Config.from_env({"WAGESAFE_SITE_DIR": str(Path(tmp) / "site"), "WAGESAFE_DATA_DIR": str(data)})
        rows = []
        for label, formats in (("A4 PDF", ("a4",)), ("A4+A3+SVG+PNG", FORMATS)):
            for jobs in jobs_list:
                t, cpu = time.perf_counter(), _cpu()
                report = build_posters(config, registry, force=True, jobs=jobs, formats=formats, progress=False)
                seconds, cpu = time.perf_counter() - t, _cpu() - cpu
                assert not report.errors, report.errors[:3]
                n = len(report.built)
                rows.append((label, jobs, n, seconds, n / seconds, cpu / n * 1000, n / cpu * jobs))
        t = time.perf_counter()
        unchanged = build_posters(config, registry, jobs=max(jobs_list), progress=False)
        noop = time.perf_counter() - t
        sample = posters_dir(config) / next(iter(registry.projects))
        sizes = {name: (sample / name).stat().st_size for name in ("poster-a4.pdf", "poster-a3.pdf", "qr.svg", "qr.png")}
        url = f"{config.public_base_url}/r/{next(iter(registry.projects))}"

    print(f"\nposters bench: {args.projects} projects (synthetic registry)")
    print(f"load average before: {load[0]:.1f} on {os.cpu_count()} cores (other processes slow the wall-clock figures)")
    # The first table's format is read by bench/run_all.py: keep its columns as they are.
    print(f"{'files':<15} {'jobs':>4} {'posters':>8} {'seconds':>8} {'posters/s':>10}")
    for label, jobs, n, seconds, rate, _cpu_ms, _idle in rows:
        print(f"{label:<15} {jobs:>4} {n:>8} {seconds:>8.2f} {rate:>10.1f}")
    print(f"\n{'CPU time':<17} {'jobs':>4} {'ms/poster':>10} {'posters/s if the cores were idle':>33}")
    for label, jobs, _n, _seconds, _rate, cpu_ms, idle in rows:
        print(f"cpu {label:<13} {jobs:>4} {cpu_ms:>10.1f} {idle:>33.1f}")
    print(f"no change (manifest): {len(unchanged.unchanged)} unchanged in {noop:.2f} s")
    print("sizes: " + ", ".join(f"{k} {v / 1024:.1f} KB" for k, v in sizes.items()))
    speed = qr_speed(url)
    print(f"QR for {url} (error Q), CPU per symbol: segno {speed['segno']:.2f} ms, qrcode {speed['qrcode']:.2f} ms")


if __name__ == "__main__":
    main()
