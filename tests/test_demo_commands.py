"""``wagesafe db migrate|status`` and ``wagesafe serve``'s refusal of unsafe production settings."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from formsvc.storage import store
from wagesafe.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], tmp_path: Path, **env: str):
    environ = {"WAGESAFE_DATA_DIR": str(ROOT / "data"), "WAGESAFE_VAR_DIR": str(tmp_path / "var"), **env}
    return CliRunner().invoke(main, args, env=environ, catch_exceptions=False)


def test_db_status_then_migrate_then_status(tmp_path: Path):
    first = run(["db", "status"], tmp_path)
    assert first.exit_code == 1 and "no database yet" in first.output
    store.connect(tmp_path / "var" / "wagesafe.db").conn.close()  # an empty database file
    pending = run(["db", "status"], tmp_path)
    assert pending.exit_code == 1 and "pending  0001_initial" in pending.output
    migrated = run(["db", "migrate"], tmp_path)
    assert migrated.exit_code == 0 and "0001_initial" in migrated.output
    done = run(["db", "status"], tmp_path)
    assert done.exit_code == 0 and "applied  0001_initial" in done.output and "pending" not in done.output
    assert "up to date" in run(["db", "migrate"], tmp_path).output


def test_serve_refuses_unsafe_production_settings(tmp_path: Path):
    result = run(["serve", "--port", "1"], tmp_path, WAGESAFE_ENV="production")
    assert result.exit_code == 1
    assert "SECRET_KEY" in result.output and "unsafe" in result.output


def test_demo_refuses_production(tmp_path: Path):
    result = run(["demo", "--port", "1"], tmp_path, WAGESAFE_ENV="production")
    assert result.exit_code == 1 and "the demo is for development" in result.output
