"""Bench: posters per second for the 2,000-project synthetic registry, file sizes, segno vs qrcode.

    .venv/bin/python bench/bench_posters.py [--projects 2000] [--jobs 1,2]

Builds every A4 PDF (the target: 150 per second on a 2-core machine using both cores), then
every file (A4 + A3 + SVG + PNG), with 1 and 2 worker processes, always with --force so each
run renders everything. Figures are wall-clock on a machine that may be shared: run it twice.
"""

from __future__ import annotations

import argparse
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


def qr_speed(url: str, n: int = 300) -> dict[str, float]:
    """Milliseconds per symbol for the same URL and error level, up to the module matrix."""
    out = {}
    t = time.perf_counter()
    for _ in range(n):
        segno.make_qr(url, error="q").matrix
    out["segno"] = (time.perf_counter() - t) / n * 1000
    t = time.perf_counter()
    for _ in range(n):
        q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4)
        q.add_data(url)
        q.make(fit=True)
        q.get_matrix()
    out["qrcode"] = (time.perf_counter() - t) / n * 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=2000)
    ap.add_argument("--jobs", default="1,2", help="comma-separated worker counts to try")
    args = ap.parse_args()
    jobs_list = [int(j) for j in args.jobs.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-posters-") as tmp:
        data = write_registry(Path(tmp) / "data", args.projects)
        registry = load_registry(data)
        config = Config.from_env({"WAGESAFE_SITE_DIR": str(Path(tmp) / "site"), "WAGESAFE_DATA_DIR": str(data)})
        rows = []
        for label, formats in (("A4 PDF", ("a4",)), ("A4+A3+SVG+PNG", FORMATS)):
            for jobs in jobs_list:
                t = time.perf_counter()
                report = build_posters(config, registry, force=True, jobs=jobs, formats=formats, progress=False)
                seconds = time.perf_counter() - t
                assert not report.errors, report.errors[:3]
                rows.append((label, jobs, len(report.built), seconds, len(report.built) / seconds))
        t = time.perf_counter()
        unchanged = build_posters(config, registry, jobs=max(jobs_list), progress=False)
        noop = time.perf_counter() - t
        sample = posters_dir(config) / next(iter(registry.projects))
        sizes = {name: (sample / name).stat().st_size for name in ("poster-a4.pdf", "poster-a3.pdf", "qr.svg", "qr.png")}
        url = f"{config.public_base_url}/r/{next(iter(registry.projects))}"

    print(f"\nposters bench: {args.projects} projects (synthetic registry)")
    print(f"{'files':<15} {'jobs':>4} {'posters':>8} {'seconds':>8} {'posters/s':>10}")
    for label, jobs, n, seconds, rate in rows:
        print(f"{label:<15} {jobs:>4} {n:>8} {seconds:>8.2f} {rate:>10.1f}")
    print(f"no change (manifest): {len(unchanged.unchanged)} unchanged in {noop:.2f} s")
    print("sizes: " + ", ".join(f"{k} {v / 1024:.1f} KB" for k, v in sizes.items()))
    speed = qr_speed(url)
    print(f"QR for {url} (error Q): segno {speed['segno']:.2f} ms, qrcode {speed['qrcode']:.2f} ms per symbol")


if __name__ == "__main__":
    main()
