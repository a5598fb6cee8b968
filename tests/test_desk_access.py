"""Who may see and act on which case, on every desk route, download and export."""

from __future__ import annotations

import re

import pytest

from tests.desk_fixtures import COUNTY, DONGCHENG, HEXI, HEXI_DEPUTY, HOUSING, TRANSPORT, insert_case, \
    insert_evidence, post


ACTIONS = {
    "acknowledge": {},
    "start": {},
    "transfer": {"target": "department:housing", "reason": "住建项目"},
    "resolve": {"workers_paid": "3", "amount_recovered_yuan": "24000"},
    "close": {"reason": "不属实"},
    "note": {"body": "打过电话"},
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_desk_other_township_cannot_act(desk, action):
    """An officer of Dongcheng cannot change a Hexi case, whatever state it is in."""
    status = "new" if action in ("acknowledge", "transfer", "note") else "acknowledged"
    cid = insert_case(desk.db, township="hexi", status=status)
    before = desk.case(cid)
    n_events = desk.db.execute("SELECT count(*) FROM events").fetchone()[0]
    r = post(desk.client(DONGCHENG), f"/desk/cases/{cid}/{action}", ACTIONS[action])
    assert r.status_code == 403
    assert desk.case(cid) == before
    assert desk.db.execute("SELECT count(*) FROM events").fetchone()[0] == n_events
    assert desk.db.execute("SELECT count(*) FROM notes").fetchone()[0] == 0


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_desk_own_township_can_act(desk, action):
    """The control: the same POSTs work for the case's own officer (so the 403s above mean something)."""
    status = "new" if action in ("acknowledge", "transfer", "note") else "acknowledged"
    cid = insert_case(desk.db, township="hexi", status=status)
    r = post(desk.client(HEXI), f"/desk/cases/{cid}/{action}", ACTIONS[action])
    assert r.status_code == 303
    assert desk.db.execute("SELECT count(*) FROM events WHERE complaint_id = ?", [cid]).fetchone()[0] >= 1


@pytest.mark.parametrize("path", ["/desk/cases/{cid}", "/desk/cases/{cid}/evidence/{eid}"])
def test_desk_other_township_cannot_see(desk, path):
    cid = insert_case(desk.db, township="hexi")
    eid = insert_evidence(desk.db, desk.config, cid)
    url = path.format(cid=cid, eid=eid)
    assert desk.client(DONGCHENG).get(url).status_code == 403
    assert desk.client(HOUSING).get(url).status_code == 403
    assert desk.client(HEXI).get(url).status_code == 200
    assert desk.client(HEXI_DEPUTY).get(url).status_code == 200
    assert desk.client(COUNTY).get(url).status_code == 200


def test_desk_list_and_export_show_only_own_cases(desk):
    mine = insert_case(desk.db, township="hexi", receipt="RHEXI00001", name="王五")
    theirs = insert_case(desk.db, township="dongcheng", receipt="RDONG00001", name="赵六")
    c = desk.client(HEXI)
    page = c.get("/desk/").get_data(as_text=True)
    assert f"#{mine}<" in page and f"#{theirs}<" not in page
    csv = c.get("/desk/export.csv").get_data(as_text=True)
    assert "RHEXI00001" in csv and "王五" in csv
    assert "RDONG00001" not in csv and "赵六" not in csv
    # a filter for the other township cannot widen the scope
    page = c.get("/desk/cases?township=dongcheng").get_data(as_text=True)
    assert f"#{theirs}<" not in page
    county = desk.client(COUNTY).get("/desk/export.csv").get_data(as_text=True)
    assert "RHEXI00001" in county and "RDONG00001" in county


def test_desk_dashboard_counts_only_own_cases(desk):
    insert_case(desk.db, township="dongcheng")
    insert_case(desk.db, township="dongcheng")
    page = desk.client(HEXI).get("/desk/dashboard").get_data(as_text=True)
    assert "<svg" in page
    two = re.compile(r"东城街道</td><td[^>]*>2<")  # the township's row, its first figure (cases)
    assert not two.search(page)
    assert two.search(desk.client(COUNTY).get("/desk/dashboard").get_data(as_text=True))


def test_desk_department_sees_only_cases_transferred_to_it(desk):
    to_housing = insert_case(desk.db, township="hexi")
    other = insert_case(desk.db, township="hexi")
    assert desk.client(HOUSING).get(f"/desk/cases/{to_housing}").status_code == 403
    r = post(desk.client(HEXI), f"/desk/cases/{to_housing}/transfer",
             {"target": "department:housing", "reason": "住建局主管项目"})
    assert r.status_code == 303
    housing = desk.client(HOUSING)
    page = housing.get(f"/desk/cases/{to_housing}")
    assert page.status_code == 200
    # a department gets the facts, not the worker's name and mobile
    assert "13912345678" not in page.get_data(as_text=True)
    assert housing.get(f"/desk/cases/{other}").status_code == 403
    assert desk.client(TRANSPORT).get(f"/desk/cases/{to_housing}").status_code == 403
    listing = housing.get("/desk/").get_data(as_text=True)
    assert f"#{to_housing}<" in listing and f"#{other}<" not in listing
    assert "13912345678" not in housing.get("/desk/export.csv").get_data(as_text=True)


def test_desk_transfer_keeps_first_township_responsible_until_receiver_acknowledges(desk):
    cid = insert_case(desk.db, township="hexi")
    hexi, dong = desk.client(HEXI), desk.client(DONGCHENG)
    post(hexi, f"/desk/cases/{cid}/acknowledge")
    r = post(hexi, f"/desk/cases/{cid}/transfer", {"target": "township:dongcheng", "reason": "工地实际在东城"})
    assert r.status_code == 303
    c = desk.case(cid)
    assert (c["status"], c["assignee_code"], c["responsible_code"]) == ("transferred", "dongcheng", "hexi")
    # the receiver is told, with the case link
    [email] = [n for n in desk.notices("transfer") if n["channel"] == "email"]
    assert email["recipient"] == "dongcheng.officer@qinghe.example.gov.cn"
    assert f"/desk/cases/{cid}" in email["body"] and "工地实际在东城" in email["body"]
    # the first township still sees it (and may note), but may no longer act on it
    assert hexi.get(f"/desk/cases/{cid}").status_code == 200
    assert post(hexi, f"/desk/cases/{cid}/note", {"body": "已电话告知东城"}).status_code == 303
    assert post(hexi, f"/desk/cases/{cid}/acknowledge").status_code == 403
    # the receiver acknowledges: responsibility hands over; the first township keeps sight (首问负责)
    page = dong.get(f"/desk/cases/{cid}").get_data(as_text=True)
    assert "确认受理 Acknowledge" in page
    assert post(dong, f"/desk/cases/{cid}/acknowledge").status_code == 303
    c = desk.case(cid)
    assert (c["status"], c["assignee_code"], c["responsible_code"]) == ("acknowledged", "dongcheng", "dongcheng")
    assert hexi.get(f"/desk/cases/{cid}").status_code == 200
    assert post(hexi, f"/desk/cases/{cid}/start").status_code == 403


def test_desk_transfer_needs_a_reason(desk):
    cid = insert_case(desk.db, township="hexi")
    post(desk.client(HEXI), f"/desk/cases/{cid}/transfer", {"target": "township:dongcheng", "reason": " "})
    assert desk.case(cid)["assignee_code"] == "hexi"
    assert desk.notices("transfer") == []


def test_desk_every_route_needs_sign_in(desk):
    cid = insert_case(desk.db, township="hexi")
    eid = insert_evidence(desk.db, desk.config, cid)
    anon = desk.app.test_client()
    for url in ["/desk/", "/desk/cases", f"/desk/cases/{cid}", f"/desk/cases/{cid}/evidence/{eid}",
                "/desk/dashboard", "/desk/projects", "/desk/export.csv", "/desk/audit"]:
        r = anon.get(url)
        assert r.status_code == 302 and "/desk/login" in r.headers["Location"], url
    r = post(anon, f"/desk/cases/{cid}/acknowledge")
    assert r.status_code == 302 and desk.case(cid)["status"] == "new"


def test_desk_audit_page_only_for_county(desk):
    assert desk.client(HEXI).get("/desk/audit").status_code == 403
    assert desk.client(COUNTY).get("/desk/audit").status_code == 200


def test_department_downloads_evidence_only_once_the_township_shares_it(desk):
    """Issue 15: ID cards and contracts reach a department only when the township responsible for the
    case shares them, and the sharing and every refusal are in the audit log."""
    cid = insert_case(desk.db, township="hexi", assignee=("department", "housing"), responsible=("township", "hexi"))
    eid = insert_evidence(desk.db, desk.config, cid)
    housing = desk.client(HOUSING)
    page = housing.get(f"/desk/cases/{cid}").get_data(as_text=True)
    assert "负责的镇街共享后可下载" in page and f"/evidence/{eid}" not in page
    assert housing.get(f"/desk/cases/{cid}/evidence/{eid}").status_code == 404
    # the department cannot share it with itself
    assert post(housing, f"/desk/cases/{cid}/share-evidence", {"department": "housing"}).status_code == 403
    hexi = desk.client(HEXI)
    assert post(hexi, f"/desk/cases/{cid}/share-evidence", {"department": "housing"}).status_code == 303
    assert housing.get(f"/desk/cases/{cid}/evidence/{eid}").status_code == 200
    assert desk.client(TRANSPORT).get(f"/desk/cases/{cid}/evidence/{eid}").status_code in (403, 404)  # not its case
    actions = [r["action"] for r in desk.db.query("SELECT action FROM audit_log WHERE complaint_id = ? ORDER BY id",
                                                  [cid])]
    assert "share_evidence" in actions and "refused_case" in actions


def test_refused_evidence_download_is_audited(desk):
    """Another township's case answers the polite 403 (audited as view_case_refused); a file not
    shared with a department is refused and audited too (refused_case)."""
    cid = insert_case(desk.db, township="hexi", assignee=("department", "housing"), responsible=("township", "hexi"))
    eid = insert_evidence(desk.db, desk.config, cid)
    assert desk.client(DONGCHENG).get(f"/desk/cases/{cid}").status_code == 403
    assert desk.client(HOUSING).get(f"/desk/cases/{cid}/evidence/{eid}").status_code == 404
    actions = [r["action"] for r in desk.db.query("SELECT action FROM audit_log WHERE complaint_id = ?", [cid])]
    assert "view_case_refused" in actions and "refused_case" in actions
