"""Run every benchmark in bench/ and print one combined table; keep the figures in bench/README.md.

    .venv/bin/python bench/run_all.py            # what `make bench` runs: full sizes
    .venv/bin/python bench/run_all.py --quick    # smaller sizes, for a smoke run (README not written)
    .venv/bin/python bench/run_all.py --only bench_intake,bench_e2e_latency

Each ``bench/bench_*.py`` runs as its own process (its own table streams to the terminal);
this script samples the peak resident memory of that process and all its descendants from
/proc, then reads its figures: a ``BENCH-JSON {...}`` line if the script prints one, otherwise
its printed table (the parsers below follow each script's own format; a script whose output
cannot be read is reported, not guessed). Every run's raw output and figures are written to
``bench/out/`` (``<name>.log``, ``all.json``); a full run rewrites the generated section of
``bench/README.md`` with the date and the machine (nproc, RAM, CPU model).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import JSON_PREFIX, OUT, ROOT, machine, now_iso, rss_kib, table  # noqa: E402

BENCH = ROOT / "bench"
README = BENCH / "README.md"
START, END = "<!-- bench:generated:start -->", "<!-- bench:generated:end -->"
ORDER = ["bench_site", "bench_posters", "bench_intake", "bench_static", "bench_e2e_latency", "bench_phone"]
ARGS = {  # full run / quick run
    "bench_site": (["--sizes", "2000,20000"], ["--sizes", "2000"]),
    "bench_posters": (["--projects", "2000"], ["--projects", "300", "--jobs", "2"]),
    "bench_intake": (["--seconds", "10"], ["--seconds", "5"]),
    "bench_static": (["--seconds", "10"], ["--seconds", "3"]),
    "bench_e2e_latency": (["--n", "20"], ["--n", "8"]),
    "bench_phone": (["--baseline", "--calibrate"], ["--no-lighthouse", "--photos", "1"]),
}
TIME_LIMIT = {"bench_site": 3600, "bench_posters": 1200, "bench_intake": 600, "bench_static": 600,
              "bench_e2e_latency": 600, "bench_phone": 2400}


# --- running one script ----------------------------------------------------------------------------

def descendants(root: int) -> list[int]:
    """``root`` and every live process below it (parent links from /proc; new sessions included)."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parts = stat.rsplit(")", 1)[1].split()
            if parts[0] != "Z":
                parent[int(entry)] = int(parts[1])
    out, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        if pid in parent or pid == root:
            out.append(pid)
            frontier.extend(p for p, pp in parent.items() if pp == pid)
    return out


def run_script(name: str, args: list[str], time_limit: float) -> dict:
    path = BENCH / f"{name}.py"
    print(f"\n===== {name} {' '.join(args)}", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(path), *args], cwd=str(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], sum(rss_kib(p) for p in descendants(proc.pid)))
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines = []
    timer = threading.Timer(time_limit, proc.kill)
    timer.start()
    try:
        for line in proc.stdout:
            sys.stdout.write(line)
            lines.append(line.rstrip("\n"))
        rc = proc.wait()
    finally:
        timer.cancel()
        done.set()
        sampler.join(5)
    seconds = time.perf_counter() - t0
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.log").write_text("\n".join(lines) + "\n", "utf-8")
    result = dict(name=name, args=args, rc=rc, seconds=round(seconds, 1), peak_mb=round(peak[0] / 1024, 1))
    try:
        result["figures"] = PARSERS.get(name, parse_generic)(lines)
    except Exception as e:  # noqa: BLE001 - a changed table is reported, not guessed
        result["figures"] = {}
        result["parse_error"] = f"{type(e).__name__}: {e}"
    json_lines = [json.loads(l[len(JSON_PREFIX):]) for l in lines if l.startswith(JSON_PREFIX)]
    if json_lines:
        result["json"] = json_lines[-1]
    return result


# --- reading each script's figures -----------------------------------------------------------------

NUM = r"(-?[\d.]+)"


def parse_generic(lines: list[str]) -> dict:
    records = [json.loads(l[len(JSON_PREFIX):]) for l in lines if l.startswith(JSON_PREFIX)]
    return {"rows": records[-1]["rows"]} if records else {}


def parse_site(lines: list[str]) -> dict:
    pages, builds = [], []
    for line in lines:
        m = re.match(rf"^(.{{36}}) +(\d+) +{NUM} +{NUM} +(\d+ KB)? +(yes|NO|-)$", line)
        if m:
            pages.append(dict(page=m.group(1).strip(), requests=int(m.group(2)), raw_kb=float(m.group(3)),
                              gzip_kb=float(m.group(4)), budget=(m.group(5) or "").strip(), ok=m.group(6)))
            continue
        m = re.match(rf"^(sample|synthetic \d+) +(\d+) +(\d+) +{NUM} +{NUM} +{NUM} +{NUM} +{NUM}$", line)
        if m:
            builds.append(dict(registry=m.group(1), projects=int(m.group(2)), pages=int(m.group(3)),
                               seconds=float(m.group(4)), ms_per_project=float(m.group(5)),
                               peak_mb=float(m.group(6)), index_kb_gz=float(m.group(7)),
                               project_page_kb_gz=float(m.group(8))))
    if not builds:
        raise ValueError("no build-time rows found")
    return dict(pages=pages, builds=builds)


def parse_posters(lines: list[str]) -> dict:
    rows = []
    for line in lines:
        m = re.match(rf"^(A4 PDF|A4\+A3\+SVG\+PNG) +(\d+) +(\d+) +{NUM} +{NUM}(?: .*)?$", line)
        if m:
            rows.append(dict(files=m.group(1), jobs=int(m.group(2)), posters=int(m.group(3)),
                             seconds=float(m.group(4)), per_second=float(m.group(5))))
    if not rows:
        raise ValueError("no posters/s rows found")
    sizes = next((l.split(":", 1)[1].strip() for l in lines if l.startswith("sizes:")), "")
    return dict(rows=rows, sizes=sizes)


def parse_intake(lines: list[str]) -> dict:
    rows = []
    for line in lines:
        m = re.match(rf"^((?:GET|POST) .+?) +(\d+) +(\d+) +(\d+)% +{NUM} +{NUM} +(\d+)$", line)
        if m:
            rows.append(dict(endpoint=m.group(1).strip(), requests=int(m.group(2)), rps=int(m.group(3)),
                             pct_hello=int(m.group(4)), p50_ms=float(m.group(5)), p99_ms=float(m.group(6)),
                             errors=int(m.group(7))))
    if not rows:
        raise ValueError("no throughput rows found")
    targets = [l.strip() for l in lines if l.startswith("target ")]
    return dict(rows=rows, targets=targets)


PARSERS = {"bench_site": parse_site, "bench_posters": parse_posters, "bench_intake": parse_intake,
           "bench_static": parse_generic, "bench_e2e_latency": parse_generic, "bench_phone": parse_generic}


# --- the combined table ----------------------------------------------------------------------------

def combined_rows(results: dict) -> list[dict]:
    rows = []

    def add(area, figure, value, peak=""):
        rows.append({"area": area, "figure": figure, "value": value, "peak MB": peak})

    r = results.get("bench_site")
    if r and r.get("figures"):
        for b in r["figures"]["builds"]:
            add("site build", f"{b['registry']} ({b['projects']} projects, {b['pages']} pages)",
                f"{b['seconds']:.1f} s ({b['ms_per_project']:.1f} ms/project)", f"{b['peak_mb']:.0f}")
        for b in r["figures"]["builds"]:
            add("site build", f"{b['registry']}: project index / a project page (gzip)",
                f"{b['index_kb_gz']:.1f} KB / {b['project_page_kb_gz']:.1f} KB")
        for p in r["figures"]["pages"]:
            budget = f" (budget {p['budget']}: {p['ok']})" if p["budget"] else ""
            add("page weight", f"{p['page']}, first visit", f"{p['gzip_kb']:.1f} KB gzip in {p['requests']} requests"
                f"{budget}")
    r = results.get("bench_posters")
    if r and r.get("figures"):
        for p in r["figures"]["rows"]:
            add("posters", f"{p['files']}, {p['jobs']} process(es), {p['posters']} projects",
                f"{p['per_second']:.1f} posters/s")
        if r["figures"].get("sizes"):
            add("posters", "file sizes", r["figures"]["sizes"])
    r = results.get("bench_intake")
    if r and r.get("figures"):
        for p in r["figures"]["rows"]:
            add("intake (gunicorn -w 2 sync; wrk -c8)", p["endpoint"],
                f"{p['rps']} req/s ({p['pct_hello']}% of hello), p50 {p['p50_ms']:.1f} ms, p99 {p['p99_ms']:.1f} ms"
                + (f", {p['errors']} errors" if p["errors"] else ""))
    r = results.get("bench_static")
    if r and r.get("figures"):
        for p in r["figures"]["rows"]:
            add("portal (nginx, https, gzip, wrk -t2 -c32)",
                f"GET {p['path']} ({p['page']}, {p['gzip_kb']:.1f} KB gzip)",
                f"{p['rps']} req/s, p50 {p['p50_ms']:.1f} ms, p99 {p['p99_ms']:.1f} ms"
                + (f", {p['non_2xx'] + p['socket_errors']} errors" if p["non_2xx"] + p["socket_errors"] else ""))
    r = results.get("bench_e2e_latency")
    if r and r.get("figures"):
        for p in r["figures"]["rows"]:
            add("submit → email delivered", f"WORKER_POLL_SECONDS={p['poll_s']:g}, {p['delivered']}/{p['n']} delivered",
                f"p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, max {p['max_ms']} ms",
                f"{p['worker_peak_mb']:.0f} (worker)")
    r = results.get("bench_phone")
    if r and r.get("figures"):
        for p in r["figures"]["rows"]:
            if "complaint" in p:
                add("phone on slow 3G (400 ms, 400 kbit/s)", f"complaint, {p['complaint']}",
                    f"form open {p['open_s']} s; submit → receipt {p['submit_to_receipt_s']} s; photos sent "
                    f"{p['photos_sent_kb']} KB" + (f" (made smaller on the phone in {p['shrink_s']} s)"
                                                    if p["shrink_s"] else ""))
            else:
                lh = (f"; Lighthouse mobile {p['lh_perf']}, LCP {p['lh_lcp_s']} s, CLS {p['lh_cls']}, "
                      f"TBT {p['lh_tbt_ms']} ms (benchmark index {p['lh_index']})" if "lh_perf" in p else "")
                if "lh_cal_perf" in p:
                    lh += (f"; with CPU slowdown {p['lh_cal_cpu']} (a low-tier phone): {p['lh_cal_perf']}, "
                           f"LCP {p['lh_cal_lcp_s']} s")
                add("phone on slow 3G (400 ms, 400 kbit/s)", f"first visit, {p['page']} ({p['path']})",
                    f"{p['first_visit_kb']} KB in {p['requests']} requests, LCP {p['lcp_s']} s, CLS {p['cls']}{lh}")
    for name in ORDER + sorted(set(results) - set(ORDER)):
        r = results.get(name)
        if r:
            status = "ok" if r["rc"] == 0 else (f"exit {r['rc']}: a target of its own missed" if r.get("figures")
                                                else f"exit {r['rc']}")
            if r.get("parse_error"):
                status += f"; output not understood: {r['parse_error']}"
            add("whole script", f"{name} {' '.join(r['args'])}".strip(), f"{r['seconds']:.0f} s wall, {status}",
                f"{r['peak_mb']:.0f} (all processes)")
    return rows


def markdown(rows: list[dict], mach: dict, when: str, merged_from: str = "") -> str:
    merged = f" Scripts not rerun then keep their rows from the full run of {merged_from}." if merged_from else ""
    out = [START, "", f"Measured {when} on {mach['nproc']} CPUs ({mach['cpu']}), {mach['ram_gb']} GB RAM, "
           f"Python {mach['python']}, by `make bench` (`bench/run_all.py`). Peak MB is resident memory: of the "
           "build process for site builds, of the worker process for delivery, and of the whole script with all "
           "its child processes for the last rows." + merged, "",
           "| area | figure | value | peak MB |", "|---|---|---|---|"]
    for r in rows:
        out.append("| " + " | ".join(str(r[k]).replace("|", "\\|") for k in ("area", "figure", "value", "peak MB")) + " |")
    out += ["", END]
    return "\n".join(out)


def write_readme(section: str) -> None:
    text = README.read_text("utf-8") if README.exists() else ""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## Latest figures\n\n" + section + "\n"
    README.write_text(text, "utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes; bench/README.md is not rewritten")
    ap.add_argument("--only", default="", help="comma-separated script names (without .py)")
    ap.add_argument("--no-readme", action="store_true", help="do not rewrite bench/README.md")
    ap.add_argument("--merge", action="store_true",
                    help="with --only: keep the other scripts' results of the last full run (bench/out/last-full.json) "
                         "and rewrite bench/README.md with the merged figures")
    args = ap.parse_args(argv)
    present = sorted(p.stem for p in BENCH.glob("bench_*.py"))
    names = [n for n in ORDER if n in present] + [n for n in present if n not in ORDER]
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        names = [n for n in names if n in wanted]
    missing = [n for n in ORDER if n not in present]
    results = {}
    for name in names:
        full, quick = ARGS.get(name, ([], []))
        results[name] = run_script(name, quick if args.quick else full, TIME_LIMIT.get(name, 1800))
    merged_from = ""
    if args.merge and (OUT / "last-full.json").exists():
        last = json.loads((OUT / "last-full.json").read_text("utf-8"))
        if not last.get("quick"):
            merged_from = last.get("merged_from") or last["at"]
            results = {**{k: v for k, v in last["results"].items() if k not in results}, **results}
            results = {k: results[k] for k in [n for n in ORDER if n in results] + sorted(set(results) - set(ORDER))}
    rows = combined_rows(results)
    mach, when = machine(), now_iso()
    print("\n" + "=" * 100)
    print(f"WageSafe benchmarks, {when}: {mach['nproc']} CPUs ({mach['cpu']}), {mach['ram_gb']} GB RAM")
    if missing:
        print(f"not present (skipped): {', '.join(missing)}")
    print(table(rows, ["area", "figure", "value", "peak MB"]))
    OUT.mkdir(parents=True, exist_ok=True)
    record = json.dumps(dict(at=when, merged_from=merged_from, machine=mach, quick=args.quick, results=results,
                             table=rows), ensure_ascii=False, indent=1)
    (OUT / "all.json").write_text(record, "utf-8")
    if not args.quick and (not args.only or args.merge):
        (OUT / "last-full.json").write_text(record, "utf-8")  # what a later --merge builds on
    if not args.quick and not args.no_readme and (not args.only or args.merge):
        write_readme(markdown(rows, mach, when, merged_from))
        print(f"\nwrote the figures into {README.relative_to(ROOT)}")
    # A script that printed its figures but exited non-zero has missed one of its own targets
    # (bench_intake exits 2 then): the figures stand and are kept; only unreadable runs fail.
    failed = [n for n, r in results.items() if r.get("parse_error") or not r.get("figures")]
    if failed:
        print(f"\nscripts that failed or printed what could not be read: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
