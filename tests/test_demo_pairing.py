"""The demo pairing follows the ports chosen (issue 24 item 7): ``make run PORT=… SMTP_PORT=…`` and
``make run-county-b B_PORT=…`` (its mail port derived: B_PORT + 25, or B_SMTP_PORT), each county's partner
file written from those ports, and a complaint with a photo sent from the first to the second arrives
there within 90 s with the photo stored as its evidence.

The first county runs as ``make run`` starts it (``scripts/demo-partners.sh`` then ``wagesafe demo`` with
``PARTNERS_FILE``; a tiny site instead of the full build); the second is ``scripts/run-county-b.sh`` itself,
as ``make run-county-b`` calls it. Both are real processes on loopback ports with their worker threads:
nothing is driven by hand but the worker's form and the officer's desk, over HTTP."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests
from PIL import Image

from tests.net import free_port
from tests.test_demo import fake_site, get

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOKEN = re.compile(r'name="(csrf_token|submission_token)"[^>]*value="([^"]*)"')


def test_the_makefile_and_the_scripts_name_no_fixed_demo_port():
    for path in [ROOT / "scripts" / "run-county-b.sh", *sorted((ROOT / "demo" / "county-b").iterdir())]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(8000|8100|8125)\b", text), path
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert [line for line in makefile.splitlines() if re.search(r"\b(8000|8100|8125)\b", line)] == ["PORT   ?= 8000"]
    dry = subprocess.run(["make", "-n", "run-county-b", "B_PORT=9212", "PORT=9211"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    line = next(x for x in dry.stdout.splitlines() if "run-county-b.sh" in x)
    assert "B_PORT=9212" in line and "B_SMTP_PORT=9237" in line and "A_BASE_URL=http://127.0.0.1:9211" in line
    dry = subprocess.run(["make", "-n", "run", "PORT=9211", "SMTP_PORT=9231", "B_PORT=9212"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert "PARTNERS_FILE=var/demo-partners.yaml" in dry.stdout and "http://127.0.0.1:9212" in dry.stdout


def _wait(base: str, proc: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text("utf-8", "replace")
        try:
            if get(base + "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{base} did not start:\n{log.read_text('utf-8', 'replace')}")


def test_two_demo_counties_on_chosen_ports_pass_a_photo_within_90_seconds(tmp_path):
    var = tmp_path / "var"
    fake_site(tmp_path / "site")
    # B's mail port is named too: the derived B_PORT + 25 (checked with make -n above) may be taken here.
    a_port, a_smtp, b_port, b_smtp = free_port(), free_port(), free_port(), free_port()
    a_base, b_base = f"http://127.0.0.1:{a_port}", f"http://127.0.0.1:{b_port}"
    env = {**os.environ, "WAGESAFE_VAR_DIR": str(var), "WAGESAFE_ENV": "development", "PYTHONUNBUFFERED": "1",
           "WORKER_POLL_SECONDS": "0.5"}
    for name in ("PUBLIC_BASE_URL", "PARTNERS_FILE", "SMTP_PORT", "WAGESAFE_DATA_DIR", "WAGESAFE_SITE_DIR"):
        env.pop(name, None)
    # make run PORT=a_port SMTP_PORT=a_smtp (after its build): the partner file from B's port, then the demo.
    subprocess.run([str(ROOT / "scripts" / "demo-partners.sh"), str(ROOT / "data" / "partners.yaml"),
                    str(var / "demo-partners.yaml"), b_base], check=True, timeout=30)
    a_log, b_log = tmp_path / "a.log", tmp_path / "b.log"
    procs = []
    try:
        with open(a_log, "w") as out:
            procs.append(subprocess.Popen(
                [str(BIN / "wagesafe"), "demo", "--host", "127.0.0.1", "--port", str(a_port)], cwd=ROOT,
                env={**env, "WAGESAFE_DATA_DIR": str(ROOT / "data"), "WAGESAFE_SITE_DIR": str(tmp_path / "site"),
                     "PARTNERS_FILE": str(var / "demo-partners.yaml"), "SMTP_PORT": str(a_smtp),
                     "PUBLIC_BASE_URL": a_base}, stdout=out, stderr=subprocess.STDOUT))
        _wait(a_base, procs[0], a_log)
        # make run-county-b B_PORT=b_port: the script itself (keys, partner files, build, posters, demo).
        with open(b_log, "w") as out:
            procs.append(subprocess.Popen([str(ROOT / "scripts" / "run-county-b.sh")], cwd=ROOT,
                                          env={**env, "BIN": str(BIN), "B_PORT": str(b_port), "B_SMTP_PORT": str(b_smtp),
                                               "A_BASE_URL": "http://127.0.0.1:1"},  # the remembered address wins
                                          stdout=out, stderr=subprocess.STDOUT))
        _wait(b_base, procs[1], b_log, seconds=180)
        text = b_log.read_text("utf-8")
        assert f"paired: 青禾县 {a_base} ↔ 白水县 {b_base} (mail catcher 127.0.0.1:{b_smtp})" in text
        assert f"open311_url: {a_base}/open311/v2" in (var / "county-b" / "demo-partners.yaml").read_text("utf-8")
        assert f"open311_url: {b_base}/open311/v2" in (var / "demo-partners.yaml").read_text("utf-8")

        # A worker complains on A with a photo; A's county desk sends the case to B.
        photo = io.BytesIO()
        Image.new("RGB", (640, 480), (30, 140, 200)).save(photo, "JPEG", quality=85)
        s = requests.Session()
        tok = dict(TOKEN.findall(s.get(f"{a_base}/complain", timeout=20).text))
        form = dict(name="龙小兵", mobile="13766554433", owed_by_kind="team_leader", owed_by_name="包工头老黄",
                    trade="钢筋工", workers="6", amount_yuan="54000", months_owed="3", callback_time="evening",
                    description="在白水县石塘镇干活，欠三个月工资", consent="y", site_address="白水县石塘镇工业大道12号", **tok)
        r = s.post(f"{a_base}/complain", data=form, files=[("evidence", ("工资条.jpg", photo.getvalue(), "image/jpeg"))],
                   timeout=30)
        assert r.status_code == 200 and "/receipt/" in r.url
        case_id = sqlite3.connect(var / "wagesafe.db").execute("SELECT max(id) FROM complaints").fetchone()[0]
        d = requests.Session()
        csrf = dict(TOKEN.findall(d.get(f"{a_base}/desk/login", timeout=20).text))["csrf_token"]
        d.post(f"{a_base}/desk/login", data={"csrf_token": csrf, "email": "desk@qinghe.example.gov.cn",
                                             "password": "qinghe-demo-2026"}, timeout=20)
        csrf = dict(TOKEN.findall(d.get(f"{a_base}/desk/cases/{case_id}", timeout=20).text))["csrf_token"]
        t0 = time.monotonic()
        r = d.post(f"{a_base}/desk/cases/{case_id}/transfer-county", timeout=20,
                   data={"csrf_token": csrf, "county": "baishui", "reason": "欠薪发生地在白水县石塘镇",
                         "address": "白水县石塘镇工业大道12号"})
        assert r.status_code == 200 and "已提交转送" in r.text
        arrived = None
        while time.monotonic() - t0 < 90 and arrived is None:
            with sqlite3.connect(var / "county-b" / "wagesafe.db") as b:
                arrived = b.execute("SELECT c.id, e.mime, e.stored_name FROM complaints c JOIN evidence e"
                                    " ON e.complaint_id = c.id WHERE c.source = 'partner'").fetchone()
            time.sleep(0.5)
        assert arrived is not None, "the case did not arrive in B with its photo within 90 s"
        assert arrived[1] == "image/jpeg" and (var / "county-b" / "uploads" / arrived[2]).stat().st_size > 1000
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status = sqlite3.connect(var / "wagesafe.db").execute("SELECT status FROM complaints WHERE id = ?",
                                                                  (case_id,)).fetchone()[0]
            if status == "transferred_out":
                break
            time.sleep(0.5)
        assert status == "transferred_out"
        card = d.get(f"{a_base}/desk/cases/{case_id}", timeout=20).text
        assert "对方已取走 1 / 1 个文件" in card
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(10)
