"""``make run PORT=…``: what it prints follows the port it serves on.

Runs the Makefile's own ``demo-build`` step (what ``make run`` does before it starts the demo) with
a port of its own, then decodes a printed poster with zbar. ``-o install -o system-deps`` keeps
make from touching the virtualenv and Debian packages this test session already runs on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pypdfium2
import pytest
from pyzbar.pyzbar import ZBarSymbol, decode

ROOT = Path(__file__).resolve().parent.parent


def _make_demo_build(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"}
    environ.update(WAGESAFE_SITE_DIR=str(tmp_path / "site"), WAGESAFE_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(["make", "--no-print-directory", "-o", "install", "-o", "system-deps", "demo-build",
                           f"BIN={Path(sys.executable).parent}", *args],
                          cwd=ROOT, env=environ, capture_output=True, text=True, timeout=600)


def _qr_of(pdf: Path) -> list[str]:
    page = pypdfium2.PdfDocument(str(pdf))[0]
    image = page.render(scale=100 / 72).to_pil().convert("L")
    return [s.data.decode() for s in decode(image, symbols=[ZBarSymbol.QRCODE])]


@pytest.mark.slow
def test_make_run_port_is_the_posters_port(tmp_path: Path):
    done = _make_demo_build(tmp_path, "PORT=8101")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _qr_of(tmp_path / "site" / "posters" / "qh001" / "poster-a4.pdf") == ["http://127.0.0.1:8101/r/qh001"]
    # PUBLIC_BASE_URL, when set, wins over HOST and PORT.
    done = _make_demo_build(tmp_path, "PORT=8101", PUBLIC_BASE_URL="https://wage.example.cn")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _qr_of(tmp_path / "site" / "posters" / "qh001" / "poster-a4.pdf") == ["https://wage.example.cn/r/qh001"]
