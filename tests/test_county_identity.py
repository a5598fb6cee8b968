"""A county's identity in its database (issue 24 item 2): set at first migrate; every command and the
server refuse another county's registry with a clear message, and nothing is deactivated or deleted."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLE_DATA
from wagesafe.cli import main
from wagesafe.config import Config
from wagesafe.county_identity import CountyMismatch, recorded

COUNTY_B = Path(__file__).resolve().parent.parent / "demo" / "county-b"


def _env(tmp_path: Path, data: Path) -> dict[str, str]:
    return {"WAGESAFE_ENV": "development", "WAGESAFE_DATA_DIR": str(data), "WAGESAFE_VAR_DIR": str(tmp_path / "var"),
            "WAGESAFE_SITE_DIR": str(tmp_path / "site")}


def _active(db: Path) -> int:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT count(*) FROM users WHERE active = 1").fetchone()[0]


@pytest.fixture
def qinghe_db(tmp_path):
    data = tmp_path / "qinghe"
    shutil.copytree(SAMPLE_DATA, data)
    env = _env(tmp_path, data)
    runner = CliRunner()
    done = runner.invoke(main, ["db", "migrate"], env=env)
    assert done.exit_code == 0, done.output
    done = runner.invoke(main, ["users", "sync"], env=env)
    assert done.exit_code == 0, done.output
    db = tmp_path / "var" / "wagesafe.db"
    assert recorded(db) == "qinghe"
    return db


@pytest.mark.parametrize("args", [["users", "sync"], ["users", "sync", "--demo-password", "x" * 12],
                                  ["db", "migrate"], ["escalate"], ["report"]])
def test_a_command_with_another_countys_registry_changes_nothing(tmp_path, qinghe_db, args):
    before = _active(qinghe_db)
    assert before > 3
    result = CliRunner().invoke(main, args, env=_env(tmp_path, COUNTY_B))
    assert result.exit_code != 0
    assert "属于 qinghe" in result.output and "baishui" in result.output and "什么也没有" in result.output
    assert _active(qinghe_db) == before and recorded(qinghe_db) == "qinghe"


def test_the_server_refuses_another_countys_registry(tmp_path, qinghe_db):
    from formsvc import create_app

    before = _active(qinghe_db)
    with pytest.raises(CountyMismatch, match="属于 qinghe"):
        create_app(Config.from_env(_env(tmp_path, COUNTY_B)))
    assert _active(qinghe_db) == before
    app = create_app(Config.from_env(_env(tmp_path, tmp_path / "qinghe")))  # its own registry: fine
    assert app.extensions["wagesafe_registry"].county.code == "qinghe"


def test_sync_users_itself_refuses(tmp_path, qinghe_db):
    from formsvc.officers.auth import sync_users
    from formsvc.storage import store
    from wagesafe.registry import load_registry

    db = store.open_db(qinghe_db)
    before = _active(qinghe_db)
    with pytest.raises(CountyMismatch):
        sync_users(db, load_registry(COUNTY_B))
    assert _active(qinghe_db) == before
