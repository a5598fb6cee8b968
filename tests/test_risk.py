"""Project risk classes A/B/C and their inspection cadence."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from formsvc.duties import risk
from tests.desk_fixtures import Desk, insert_case

NOW = datetime(2026, 3, 2, tzinfo=timezone.utc)


class P:
    def __init__(self, code):
        self.code = code


def c(code, status, days_ago):
    return {"project_code": code, "status": status, "created_at": (NOW - timedelta(days=days_ago)).isoformat()}


def test_risk_classes():
    projects = [P("open"), P("recent"), P("old"), P("none"), P("transferred")]
    complaints = [c("open", "in_progress", 400), c("open", "resolved", 3), c("recent", "resolved", 364),
                  c("old", "closed_unfounded", 366), c("transferred", "transferred", 1)]
    got = {r.project_code: r for r in risk.project_risks(projects, complaints, NOW, lambda p: "专人")}
    assert {k: r.cls for k, r in got.items()} == {"open": "C", "recent": "B", "old": "A", "none": "A",
                                                 "transferred": "C"}
    assert got["open"].cadence.startswith("明确专人处置") and got["open"].handler == "专人"
    assert got["recent"].cadence.startswith("每周排查") and got["recent"].handler == ""
    assert got["none"].cadence.startswith("每月排查")
    assert (got["open"].open_complaints, got["open"].complaints_12m) == (1, 1)


def test_risk_from_db_names_the_townships_responsible_officer(tmp_path, data_dir):
    d = Desk(tmp_path, data_dir)
    insert_case(d.db, project_code="qh001", township="longtan", created_at=NOW - timedelta(days=1))
    insert_case(d.db, project_code="qh002", township="shangfang", status="resolved",
                created_at=NOW - timedelta(days=100))
    got = {r.project_code: r for r in risk.from_db(d.db, d.registry, NOW)}
    assert got["qh001"].cls == "C" and "邱辉鹏" in got["qh001"].handler and "龙潭镇" in got["qh001"].handler
    assert got["qh002"].cls == "B"
    assert got["qh003"].cls == "A"
    assert len(got) == len(d.registry.projects)
    d.db.close()
