"""The case page, its actions, evidence downloads, the CSV export and the audit trail."""

from __future__ import annotations

import csv
import io

import pytest

from formsvc.case import cases
from formsvc.web.desk.csv_export import neutralise
from tests.desk_fixtures import COUNTY, HEXI, HOUSING, T0, insert_case, insert_evidence, post


def test_desk_case_page_escapes_html(desk):
    cid = insert_case(desk.db, description='<script>alert("x")</script><img src=x onerror=alert(1)>',
                      name="<b>王</b>", owed_by_name="<i>包工头</i>")
    page = desk.client(HEXI).get(f"/desk/cases/{cid}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>王</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;b&gt;王&lt;/b&gt;" in page
    assert "script-src 'none'" in desk.client(HEXI).get(f"/desk/cases/{cid}").headers["Content-Security-Policy"]


def test_desk_case_page_shows_routing_timeline_and_worker(desk):
    cid = insert_case(desk.db, project_code="qh001", township="longtan", name="李四", mobile="13700000000")
    c = desk.client("longtan.officer@qinghe.example.gov.cn")
    post(c, f"/desk/cases/{cid}/acknowledge")
    page = c.get(f"/desk/cases/{cid}").get_data(as_text=True)
    assert "项目所在镇街" in page                      # routing reason
    assert "已确认受理" in page and "邱辉鹏" in page     # who did what
    assert "李四" in page and "13700000000" in page
    assert "龙潭金色家园小区1号楼" in page
    assert "确认受理 Acknowledge" not in page          # already acknowledged


def test_desk_anonymous_worker_is_marked(desk):
    cid = insert_case(desk.db, anonymous=1, name="", mobile="")
    assert "匿名投诉" in desk.client(HEXI).get(f"/desk/cases/{cid}").get_data(as_text=True)


def test_desk_full_case_life_writes_public_events(desk):
    cid = insert_case(desk.db)
    c = desk.client(HEXI)
    for action, data in [("acknowledge", {}), ("start", {}),
                         ("resolve", {"workers_paid": "3", "amount_recovered_yuan": "21000", "note": "总包代付"})]:
        assert post(c, f"/desk/cases/{cid}/{action}", data).status_code == 303
    case = desk.case(cid)
    assert (case["status"], case["workers_paid"], case["amount_recovered_yuan"]) == ("resolved", 3, 21000)
    public = [r["kind"] for r in desk.db.query("SELECT kind FROM events WHERE complaint_id = ? AND public = 1"
                                               " ORDER BY id", [cid])]
    assert public == ["acknowledged", "in_progress", "resolved"]
    # the internal remark is not public
    assert desk.db.execute("SELECT public FROM events WHERE kind = 'resolve_note'").fetchone()[0] == 0
    # a resolved case offers no action (and no empty box where the actions were)
    page = c.get(f"/desk/cases/{cid}").data.decode()
    assert '<div class="grid">' not in page and "/resolve" not in page and "/transfer" not in page


def test_cases_transition_rules(desk):
    cid = insert_case(desk.db)
    with pytest.raises(cases.TransitionError):
        cases.resolve(desk.db, cid, HEXI, 1, 1, T0)        # not acknowledged yet
    with pytest.raises(cases.TransitionError):
        cases.close_unfounded(desk.db, cid, HEXI, "", T0)  # no reason
    cases.acknowledge(desk.db, cid, HEXI, T0)
    with pytest.raises(cases.TransitionError):
        cases.acknowledge(desk.db, cid, HEXI, T0)          # twice
    cases.close_unfounded(desk.db, cid, HEXI, "工人已离职后重复投诉", T0)
    with pytest.raises(cases.TransitionError):
        cases.transfer(desk.db, desk.registry, desk.config, cid, HEXI, "township", "dongcheng", "x", T0)
    kinds = {r["kind"]: r["public"] for r in desk.db.query("SELECT kind, public FROM events WHERE complaint_id = ?",
                                                           [cid])}
    assert kinds == {"acknowledged": 1, "closed_unfounded": 1, "close_reason": 0}


def test_desk_note_is_internal(desk):
    cid = insert_case(desk.db)
    c = desk.client(HEXI)
    post(c, f"/desk/cases/{cid}/note", {"body": "老板电话 139xxxx，答应周五付"})
    assert "答应周五付" in c.get(f"/desk/cases/{cid}").get_data(as_text=True)
    assert desk.db.execute("SELECT public FROM events WHERE kind = 'note'").fetchone()[0] == 0


def test_desk_evidence_download(desk):
    cid = insert_case(desk.db)
    eid = insert_evidence(desk.db, desk.config, cid, content=b"<html><script>x</script>", name="a.html",
                          mime="text/html")
    r = desk.client(HEXI).get(f"/desk/cases/{cid}/evidence/{eid}")
    assert r.status_code == 200 and r.data == b"<html><script>x</script>"
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    [row] = desk.db.query("SELECT * FROM audit_log WHERE action = 'download_evidence'")
    assert row["complaint_id"] == cid and str(eid) in row["detail"]
    # evidence of another case cannot be fetched through this case's URL
    other = insert_case(desk.db)
    other_eid = insert_evidence(desk.db, desk.config, other)
    assert desk.client(HEXI).get(f"/desk/cases/{cid}/evidence/{other_eid}").status_code == 404


def test_desk_views_are_audited(desk):
    cid = insert_case(desk.db)
    desk.client(HEXI).get(f"/desk/cases/{cid}")
    desk.client(COUNTY).get("/desk/export.csv?status=new")
    rows = list(desk.db.query("SELECT a.action, a.complaint_id, a.detail, u.email FROM audit_log a"
                              " JOIN users u ON u.id = a.user_id ORDER BY a.id"))
    assert [(r["action"], r["email"]) for r in rows] == [("view_case", HEXI), ("export_csv", COUNTY)]
    assert "1 cases" in rows[1]["detail"] and "status" in rows[1]["detail"]
    page = desk.client(COUNTY).get("/desk/audit").get_data(as_text=True)
    assert HEXI in page and "查看案件" in page


@pytest.mark.parametrize("cell, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("普通文字", "普通文字"), (42, 42)])
def test_desk_csv_neutralise(cell, expected):
    assert neutralise(cell) == expected


def test_desk_export_neutralises_formulas_and_hides_personal_data(desk):
    cid = insert_case(desk.db, name="=cmd|' /C calc'!A0", description="@SUM(1+1)", owed_by_name="+老板")
    cases.transfer(desk.db, desk.registry, desk.config, cid, HEXI, "department", "housing", "住建项目", T0)
    text = desk.client(COUNTY).get("/desk/export.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    header, row = rows[0], rows[1]
    get = dict(zip(header, row))
    assert get["姓名 name"] == "'=cmd|' /C calc'!A0"
    assert get["情况 description"] == "'@SUM(1+1)"
    assert get["欠薪方 owed_by"] == "'+老板"
    assert not any(v.startswith(("=", "+", "-", "@")) for v in row)
    dept = desk.client(HOUSING).get("/desk/export.csv").get_data(as_text=True)
    assert str(cid) in dept and "cmd" not in dept and "13912345678" not in dept


def test_desk_list_filters_and_pages(desk):
    urgent = insert_case(desk.db, urgent=1)
    old = insert_case(desk.db, created_at=T0.replace(year=2025))
    done = insert_case(desk.db, status="resolved")
    c = desk.client(COUNTY)
    page = c.get("/desk/cases?urgent=1").get_data(as_text=True)
    assert f"#{urgent}<" in page and f"#{old}<" not in page
    page = c.get("/desk/cases?overdue=1").get_data(as_text=True)
    assert f"#{old}<" in page and f"#{done}<" not in page
    page = c.get("/desk/cases?status=resolved").get_data(as_text=True)
    assert f"#{done}<" in page and f"#{urgent}<" not in page
    for _ in range(55):
        insert_case(desk.db)
    first = c.get("/desk/cases").get_data(as_text=True)
    assert "第 1 / 2 页" in first
    assert "第 2 / 2 页" in c.get("/desk/cases?page=2").get_data(as_text=True)


def test_desk_dashboard_and_projects(desk):
    a = insert_case(desk.db, project_code="qh001", township="longtan")
    cases.acknowledge(desk.db, a, "x", T0.replace(hour=8))
    c = desk.client(COUNTY)
    page = c.get("/desk/dashboard").get_data(as_text=True)
    assert page.count("<svg") == 3 and "龙潭镇" in page and "6.0" in page  # 6 hours to acknowledge
    assert "<script" not in page and "cdn" not in page.lower()
    projects = c.get("/desk/projects").get_data(as_text=True)
    assert "qh001" in projects and "明确专人处置" in projects and "邱辉鹏" in projects
    # a township sees its own projects only
    mine = desk.client("longtan.officer@qinghe.example.gov.cn").get("/desk/projects").get_data(as_text=True)
    assert "qh001" in mine and "qh002" not in mine


def test_desk_dead_notices_listed_for_county(desk):
    from formsvc.notify import outbox
    from formsvc.storage import store

    with store.write_transaction(desk.db):
        outbox.enqueue(desk.db, kind="new_case", channel="email", recipient="gone@example.com", body="x")
        desk.db.conn.execute("UPDATE notices SET status = 'dead', last_error = 'mailbox unavailable'")
    page = desk.client(COUNTY).get("/desk/dashboard").get_data(as_text=True)
    # the reason in words (desk.words.notice_error_words); the technical text stays in the worker's log
    assert "多次发送未成功" in page and "mailbox unavailable" not in page
    assert "mailbox unavailable" not in desk.client(HEXI).get("/desk/dashboard").get_data(as_text=True)


@pytest.mark.parametrize("amount", ["-5", "1" + "0" * 30, "一万"])
def test_desk_resolve_refuses_impossible_amounts_and_keeps_the_case(desk, amount):
    cid = insert_case(desk.db)
    c = desk.client(HEXI)
    post(c, f"/desk/cases/{cid}/acknowledge")
    response = post(c, f"/desk/cases/{cid}/resolve", {"workers_paid": "1", "amount_recovered_yuan": amount})
    assert response.status_code < 500
    assert desk.case(cid)["status"] == "acknowledged"
    assert "整数" in c.get(f"/desk/cases/{cid}").get_data(as_text=True)
