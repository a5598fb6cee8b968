#!/usr/bin/env python3
"""Portal benchmark: first-visit transfer of a guide page and the quick card, and build time.

Page weight: the sample site is built, served on loopback, and each page is opened in headless
Chromium (Debian's, driven by Playwright) exactly as a first visit: every request the page
makes until the network is idle is recorded (HTML, CSS, JS, images, and what the scripts fetch
on load: the search worker and index, sitemaps), and its gzip size is summed (level 6, as
nginx's gzip_static serves the build's .gz twins; images as they are). Budgets: guide page
<= 100 KB, quick card <= 64 KB.

Build time: ``wagesafe build`` on the sample registry and on synthetic ones of 2,000 and
20,000 projects (``wagesafe synth``), each in its own process, with time per project.

    .venv/bin/python bench/bench_site.py                 # sample, 2,000 and 20,000 projects
    .venv/bin/python bench/bench_site.py --sizes 2000    # sample and 2,000 only
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
WAGESAFE = str(ROOT / ".venv" / "bin" / "wagesafe")
BUDGETS = {"guide (/guides/what-to-do/)": ("/guides/what-to-do/", 100), "quick card (/card/)": ("/card/", 64),
           "quick card, English (/en/card/)": ("/en/card/", 64), "home (/)": ("/", None),
           "legal-aid map (/legal-aid/)": ("/legal-aid/", None), "project page (/projects/qh001/)": ("/projects/qh001/", None),
           "search page (/search/)": ("/search/", None)}
COMPRESSIBLE = (".html", ".css", ".js", ".xml", ".json", ".svg", "/")


def build(data_dir: Path, site_dir: Path) -> tuple[float, float]:
    """Run ``wagesafe build`` in a child process; return (seconds, peak RSS in MB of that child)."""
    env = dict(os.environ, WAGESAFE_DATA_DIR=str(data_dir), WAGESAFE_SITE_DIR=str(site_dir),
               PUBLIC_BASE_URL="http://127.0.0.1:8000")
    t0 = time.perf_counter()
    proc = subprocess.Popen([WAGESAFE, "build"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    out = proc.stdout.read().decode()
    if status != 0:
        sys.exit(f"build failed for {data_dir}:\n{out}")
    return seconds, usage.ru_maxrss / 1024


def transfer_size(site: Path, url_path: str) -> tuple[int, int]:
    """(raw bytes, bytes on the wire) for one requested site path."""
    p = site / unquote(url_path).lstrip("/")
    if p.is_dir():
        p = p / "index.html"
    if not p.is_file():
        return 0, 0
    data = p.read_bytes()
    if url_path.endswith(COMPRESSIBLE) or p.suffix in COMPRESSIBLE:
        return len(data), len(gzip.compress(data, compresslevel=6, mtime=0))
    return len(data), len(data)


def page_weights(site: Path) -> list[tuple[str, int, int, int, int | None, list[str]]]:
    """Open each page cold in Chromium and sum what it fetched."""
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # one line per request would bury the table
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
            for label, (path, budget) in BUDGETS.items():
                ctx = browser.new_context(viewport={"width": 360, "height": 740})  # a fresh cache: a first visit
                page = ctx.new_page()
                seen: list[str] = []
                page.on("request", lambda r: seen.append(r.url))
                page.goto(origin + path, wait_until="networkidle")
                page.wait_for_timeout(500)
                ctx.close()
                foreign = [u for u in seen if not u.startswith(origin)]
                raw = wire = 0
                for u in dict.fromkeys(seen):
                    if u.startswith(origin):
                        r, w = transfer_size(site, urlsplit(u).path)
                        raw += r
                        wire += w
                rows.append((label, len(seen), raw, wire, budget, foreign))
            browser.close()
    finally:
        server.shutdown()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2000,20000", help="synthetic registry sizes besides the sample")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        tmp = Path(tmp)
        builds = []
        sample_site = tmp / "site-sample"
        secs, rss = build(ROOT / "data", sample_site)
        from wagesafe.registry import load_registry
        n = len(load_registry(ROOT / "data").projects)
        builds.append(("sample", n, secs, rss, sample_site))

        weights = page_weights(sample_site)
        print("\nFirst visit (cold cache, 360 px), everything the page fetches until the network is idle")
        print("(no posters in this build: the project page's qr.svg request is a 404 of 0 bytes)")
        print(f"{'page':36} {'requests':>8} {'raw KB':>8} {'gzip KB':>8} {'budget':>7}  ok")
        for label, count, raw, wire, budget, foreign in weights:
            ok = "-" if budget is None else ("yes" if wire / 1024 <= budget else "NO")
            print(f"{label:36} {count:8d} {raw / 1024:8.1f} {wire / 1024:8.1f} "
                  f"{(str(budget) + ' KB') if budget else '':>7}  {ok}")
            if foreign:
                print(f"   !! requests to other hosts: {foreign}")

        for size in sizes:
            data = tmp / f"reg{size}"
            subprocess.run([WAGESAFE, "synth", "--projects", str(size), "--out", str(data)], check=True,
                           cwd=ROOT, stdout=subprocess.DEVNULL)
            site = tmp / f"site-{size}"
            secs, rss = build(data, site)
            builds.append((f"synthetic {size}", size, secs, rss, site))

        print("\nBuild time (`wagesafe build`: both languages, search index, feeds, .gz twins)")
        print(f"{'registry':18} {'projects':>8} {'pages':>7} {'seconds':>8} {'ms/project':>10} "
              f"{'peak MB':>8} {'index KB (gz)':>14} {'project page KB (gz)':>20}")
        for name, count, secs, rss, site in builds:
            pages = sum(1 for _ in site.rglob("index.html"))
            index = site / "projects" / "index.html"
            first = next(iter(sorted((site / "projects").glob("*/index.html"))))
            print(f"{name:18} {count:8d} {pages:7d} {secs:8.1f} {1000 * secs / count:10.1f} {rss:8.0f} "
                  f"{transfer_size(site, '/projects/index.html')[1] / 1024:14.1f} "
                  f"{transfer_size(site, '/' + first.relative_to(site).as_posix())[1] / 1024:20.1f}")
        print(f"\nmachine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
              f"python {sys.version.split()[0]}; self peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
