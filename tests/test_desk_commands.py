"""The desk's commands: ``wagesafe users``, ``wagesafe escalate``, ``wagesafe report``."""

from __future__ import annotations

from click.testing import CliRunner

from formsvc.storage import store
from tests.desk_fixtures import insert_case
from wagesafe.cli import main


def _env(tmp_path, data_dir):
    return {"WAGESAFE_DATA_DIR": str(data_dir), "WAGESAFE_VAR_DIR": str(tmp_path / "var"),
            "WAGESAFE_DATABASE": str(tmp_path / "var" / "cli.db")}


def test_desk_commands_users_escalate_report(tmp_path, data_dir):
    env, run = _env(tmp_path, data_dir), CliRunner().invoke
    r = run(main, ["users", "sync"], env=env)
    assert r.exit_code == 0, r.output
    assert r.output.startswith("created 32,")  # 12 townships x 2, 6 departments, county desk, admin
    r = run(main, ["users", "set-password", "hexi.officer@qinghe.example.gov.cn"], env=env,
            input="a long password\na long password\n")
    assert r.exit_code == 0, r.output
    r = run(main, ["users", "list"], env=env)
    assert "hexi.officer@qinghe.example.gov.cn\ttownship\thexi\tactive\tpassword" in r.output
    assert "desk@qinghe.example.gov.cn\tcounty" in r.output

    db = store.open_db(tmp_path / "var" / "cli.db")
    insert_case(db, township="hexi")
    r = run(main, ["escalate", "--now", "2026-03-03T02:00:00+00:00"], env=env)
    assert r.exit_code == 0 and "escalate_ack case 1" in r.output and "1 action(s)" in r.output
    r = run(main, ["escalate", "--now", "2026-03-03T02:00:00+00:00"], env=env)
    assert "0 action(s)" in r.output
    r = run(main, ["report", "--day", "2026-03-02"], env=env)
    assert r.exit_code == 0 and "queued for desk@qinghe.example.gov.cn" in r.output
    r = run(main, ["report", "--day", "2026-03-02"], env=env)
    assert "already sent" in r.output
    r = run(main, ["escalate", "--now", "yesterday"], env=env)
    assert r.exit_code != 0 and "not an ISO time" in r.output
    db.close()
