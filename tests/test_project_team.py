"""一项目一专班: optional registry columns per project, validated by ``wagesafe check``, shown on
the desk, and the 网格员 and 行业监管员 told of a new complaint (their own notice kind, a setting)."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from formsvc.case import complaints
from tests.desk_fixtures import COUNTY, HEXI, Desk
from wagesafe.cli import main
from wagesafe.registry import RegistryError, load_registry

TEAM = {"team_lead_name": "刘镇长", "team_lead_mobile": "13900000301", "team_supervisor_name": "住建监管员",
        "team_supervisor_mobile": "13900000302", "team_inspector_name": "监察员甲", "team_inspector_mobile":
        "13900000303", "team_grid_name": "网格员乙", "team_grid_mobile": "13900000304"}


def add_team(data_dir, code: str, **values) -> None:
    path = data_dir / "projects.csv"
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0]) + [k for k in TEAM if k not in rows[0]]
    for r in rows:
        for k in TEAM:
            r.setdefault(k, "")
        if r["code"] == code:
            r.update(values)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_team_columns_are_optional_and_read(data_dir):
    assert all(p.team == () for p in load_registry(data_dir).projects.values())
    add_team(data_dir, "qh012", **TEAM)
    team = load_registry(data_dir).project("qh012").team
    assert [(m.role_zh, m.name, m.mobile) for m in team] == [
        ("属地责任领导", "刘镇长", "13900000301"), ("行业监管员", "住建监管员", "13900000302"),
        ("劳动监察员", "监察员甲", "13900000303"), ("网格员", "网格员乙", "13900000304")]


@pytest.mark.parametrize("values, field", [
    ({"team_grid_name": "网格员乙"}, "team_grid_mobile"),
    ({"team_grid_mobile": "13900000304"}, "team_grid_name"),
    ({"team_grid_name": "网格员乙", "team_grid_mobile": "123"}, "team_grid_mobile"),
])
def test_team_columns_are_checked(data_dir, values, field):
    add_team(data_dir, "qh012", **values)
    with pytest.raises(RegistryError) as e:
        load_registry(data_dir)
    assert any(p.field == field for p in e.value.problems), e.value.problems
    result = CliRunner().invoke(main, ["check"], env={"WAGESAFE_DATA_DIR": str(data_dir)})
    assert result.exit_code != 0 and field in result.output


def _complaint(desk, n: int = 1):
    data = complaints.ComplaintInput(submission_token=f"{n:016d}-team", project_code="qh012", name="王五",
                                     mobile="13912345678", consent=True, amount_yuan=5000)
    return complaints.submit(desk.db, desk.registry, desk.config, data, [], ip=f"10.8.0.{n}")


def test_team_grid_and_supervisor_told_of_a_new_complaint_without_personal_data(tmp_path, data_dir):
    add_team(data_dir, "qh012", **TEAM)
    desk = Desk(tmp_path, data_dir)
    result = _complaint(desk)
    told = list(desk.db.query("SELECT * FROM notices WHERE kind = 'zhuanban' ORDER BY recipient"))
    assert [(n["channel"], n["recipient"]) for n in told] == [("sms", "13900000302"), ("sms", "13900000304")]
    for n in told:
        assert f"案件{result.complaint_id}" in n["body"] and "河西街道" in n["body"]
        assert "王五" not in n["body"] and "13912345678" not in n["body"] and "5000" not in n["body"]
    # the team is on the case page and the project-risk page
    page = desk.client(HEXI).get(f"/desk/cases/{result.complaint_id}").get_data(as_text=True)
    assert "刘镇长" in page and "网格员乙" in page and "属地责任领导" in page
    assert "13900000304" in desk.client(COUNTY).get("/desk/projects").get_data(as_text=True)
    desk.db.close()


def test_team_notices_setting_turns_them_off(tmp_path, data_dir):
    add_team(data_dir, "qh012", **TEAM)
    desk = Desk(tmp_path, data_dir, team_notices=False)
    _complaint(desk)
    assert desk.notices("zhuanban") == [] and len(desk.notices("new_case")) == 2
    desk.db.close()
