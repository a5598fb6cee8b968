"""Hard cases: 吹哨 (a township calls several departments to one case; each is told, must report,
the escalation clock covers them), 包案领导 and 提级办理 (the county desk), and a county-held case
escalating to the next level instead of to itself."""

from __future__ import annotations

from datetime import datetime, timedelta

from formsvc.duties import escalation
from tests.desk_fixtures import COUNTY, DONGCHENG, HEXI, HOUSING, T0, Desk, insert_case, post

WATER = "water@qinghe.example.gov.cn"
TRANSPORT = "transport@qinghe.example.gov.cn"
CALLED = {"housing": (HOUSING, "13800000711"), "transport": (TRANSPORT, "13800000908"),
          "water": (WATER, "13800000506")}


def test_whistle_three_departments_two_report_the_third_is_escalated(desk):
    desk.app.config["DESK_CLOCK"] = lambda: T0
    cid = insert_case(desk.db, township="hexi", status="acknowledged")
    hexi = desk.client(HEXI)
    r = post(hexi, f"/desk/cases/{cid}/call", {"department": list(CALLED), "reason": "项目涉及道路和水利标段，请到场核查"})
    assert r.status_code == 303
    # each department gets its notice, by email and SMS, with the case link
    told = {(n["channel"], n["recipient"]) for n in desk.notices("call")}
    assert told == {(ch, who) for email, mobile in CALLED.values() for ch, who in (("email", email), ("sms", mobile))}
    assert all(f"/desk/cases/{cid}" in n["body"] for n in desk.notices("call"))
    # each may open the case (the facts, not the worker), and sees it in its list
    for email, _ in CALLED.values():
        c = desk.client(email)
        page = c.get(f"/desk/cases/{cid}")
        assert page.status_code == 200 and "13912345678" not in page.get_data(as_text=True)
        assert f"#{cid}<" in c.get("/desk/cases").get_data(as_text=True)
    # a department not called still gets the polite refusal
    assert desk.client("police@qinghe.example.gov.cn").get(f"/desk/cases/{cid}").status_code == 403
    # two report
    for email in (HOUSING, TRANSPORT):
        assert post(desk.client(email), f"/desk/cases/{cid}/report", {"note": "已派人到场"}).status_code == 303
    page = hexi.get(f"/desk/cases/{cid}").get_data(as_text=True)
    assert page.count("已报到</span>") == 2 and page.count("未报到</span>") == 1
    # the clock: nothing before the time runs out, then only the third, once, by email and SMS
    hours = desk.config.call_report_hours
    called_at = desk.db.execute("SELECT min(called_at) FROM case_calls").fetchone()[0]
    due = datetime.fromisoformat(called_at) + timedelta(hours=hours)
    assert escalation.run(desk.db, desk.registry, desk.config, due - timedelta(seconds=1)) == []
    assert escalation.run(desk.db, desk.registry, desk.config, due) == [f"escalate_call case {cid} (water)"]
    esc = [n for n in desk.notices("escalation") if "未报到" in n["body"]]
    assert {(n["channel"], n["recipient"]) for n in esc} == {
        ("email", desk.registry.county.desk.email), ("sms", desk.registry.county.desk.contact.mobile)}
    assert "水利" in esc[0]["body"]
    assert escalation.run(desk.db, desk.registry, desk.config, due + timedelta(hours=5)) == []
    assert "已超时上报县监察大队" in hexi.get(f"/desk/cases/{cid}").get_data(as_text=True)
    # audited
    assert desk.db.execute("SELECT count(*) FROM audit_log WHERE action IN ('case_call', 'case_report')"
                           ).fetchone()[0] == 3


def test_whistle_needs_a_reason_and_is_not_for_other_townships(desk):
    cid = insert_case(desk.db, township="hexi", status="acknowledged")
    post(desk.client(HEXI), f"/desk/cases/{cid}/call", {"department": ["housing"], "reason": " "})
    assert desk.notices("call") == []
    assert post(desk.client(DONGCHENG), f"/desk/cases/{cid}/call",
                {"department": ["housing"], "reason": "x"}).status_code == 403
    assert post(desk.client(HOUSING), f"/desk/cases/{cid}/call",
                {"department": ["transport"], "reason": "x"}).status_code == 403
    assert desk.notices("call") == []


def test_county_names_a_lead_officer_and_raises_the_case(desk):
    desk.app.config["DESK_CLOCK"] = lambda: T0
    cid = insert_case(desk.db, township="hexi")
    county = desk.client(COUNTY)
    assert post(desk.client(HEXI), f"/desk/cases/{cid}/raise", {"reason": "x"}).status_code == 403
    assert post(county, f"/desk/cases/{cid}/lead", {"name": "王副县长", "mobile": "13900000999"}).status_code == 303
    [sms] = desk.notices("lead")
    assert sms["recipient"] == "13900000999" and f"案件{cid}" in sms["body"]
    assert post(county, f"/desk/cases/{cid}/raise", {"reason": "涉及 60 人，群体性欠薪"}).status_code == 303
    c = desk.case(cid)
    assert (c["assignee_kind"], c["responsible_kind"], c["lead_officer"]) == ("county", "county", "王副县长")
    assert c["raised_at"] and c["status"] == "acknowledged"
    # the first township keeps it in its list and may open it (首问负责)
    hexi = desk.client(HEXI)
    assert f"#{cid}<" in hexi.get("/desk/cases").get_data(as_text=True)
    page = hexi.get(f"/desk/cases/{cid}").get_data(as_text=True)
    assert "王副县长" in page and "提级办理" in page


def test_county_held_case_escalates_to_the_next_level_not_to_itself(tmp_path, data_dir):
    desk = Desk(tmp_path, data_dir, next_level_name="洪城市劳动保障监察支队", next_level_email="city@hongcheng.example.gov.cn",
                next_level_mobile="13900000888")
    cid = insert_case(desk.db, township=None, assignee=("county", ""), status="acknowledged")
    later = T0 + timedelta(days=2 * desk.config.resolve_days)
    escalation.run(desk.db, desk.registry, desk.config, later)
    esc = desk.notices("escalation")
    assert {(n["channel"], n["recipient"]) for n in esc} == {("email", "city@hongcheng.example.gov.cn"),
                                                             ("sms", "13900000888")}
    assert "洪城市劳动保障监察支队" in esc[0]["body"] and f"/desk/cases/{cid}" in esc[0]["body"]
    desk.db.close()


def test_county_held_case_without_a_next_level_is_not_escalated_to_itself(desk):
    insert_case(desk.db, township=None, assignee=("county", ""), status="acknowledged")
    later = T0 + timedelta(days=2 * desk.config.resolve_days)
    escalation.run(desk.db, desk.registry, desk.config, later)
    assert desk.notices("escalation") == []


def test_a_case_with_another_county_offers_no_lead_or_raise_forms(desk):
    """The forms follow the one rule of what is closed here (cases.CLOSED_STATUSES): a case delivered
    to another county is theirs, so 指定包案领导 is not offered (the action would be refused)."""
    open_case = insert_case(desk.db, township="hexi", status="acknowledged")
    gone = insert_case(desk.db, township="hexi", status="transferred_out")
    county = desk.client(COUNTY)
    assert "指定包案领导" in county.get(f"/desk/cases/{open_case}").get_data(as_text=True)
    assert "指定包案领导" not in county.get(f"/desk/cases/{gone}").get_data(as_text=True)
