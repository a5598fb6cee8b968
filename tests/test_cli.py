"""Every `wagesafe` command that reads the registry refuses an invalid one with the same report
as `wagesafe check`: every problem, a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.registry_edit import set_cell

WAGESAFE = str(Path(sys.executable).parent / "wagesafe")

COMMANDS = [
    ["check"],
    ["build"],
    ["posters"],
    ["serve", "--port", "1"],
    ["worker"],
    ["demo", "--port", "1"],
    ["escalate"],
    ["report"],
    ["users", "sync"],
]


@pytest.fixture
def broken_registry(data_dir: Path) -> Path:
    set_cell(data_dir / "projects.csv", 2, "township", "atlantis")
    set_cell(data_dir / "townships.csv", 0, "officer_mobile", "12345")
    return data_dir


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_command_refuses_invalid_registry_with_the_report(broken_registry, tmp_path, args):
    env = dict(os.environ, WAGESAFE_DATA_DIR=str(broken_registry), WAGESAFE_VAR_DIR=str(tmp_path / "var"),
               WAGESAFE_SITE_DIR=str(tmp_path / "site"), SMTP_PORT="1")
    result = subprocess.run([WAGESAFE, *args], env=env, capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output
    assert "data/projects.csv:4: township: unknown township 'atlantis'" in output
    assert "data/townships.csv:2: officer_mobile:" in output
    assert "2 problem(s) in the registry" in output
    assert not (tmp_path / "site" / "index.html").exists()
