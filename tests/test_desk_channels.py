"""The desk as the county's one ledger: a lead from every channel, entered on the desk, goes
through the same submit as a worker's complaint (routed, notified, listed, exported, counted by
source); a repeated national-platform clue number finds the first case; the polite 403 page; the
first township keeps a case after a transfer (首问负责)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from formsvc.case import sources
from formsvc.duties import daily_report
from formsvc.storage import store
from formsvc.web.desk.views_new_case import DESK_SOURCES
from tests.desk_fixtures import COUNTY, DONGCHENG, HEXI, HOUSING, insert_case, post

HEXI_OFFICER_MOBILE = "13300000100"


def lead(source: str, **extra) -> dict:
    form = {"source": source, "project_code": "qh012", "name": "李四", "mobile": "13912340000", "consent": "y",
            "workers": "4", "amount_yuan": "18000", "months_owed": "", "owed_by_kind": "team_leader",
            "owed_by_name": "王包工", "description": f"来自{sources.label(source)}的线索", "callback_time": "evening"}
    form.update(extra)
    return form


def new_token(client) -> str:
    page = client.get("/desk/cases/new").get_data(as_text=True)
    return re.search(r'name="submission_token" value="([^"]+)"', page).group(1)


def enter(client, form: dict):
    return post(client, "/desk/cases/new", {"submission_token": new_token(client), **form})


def test_desk_lead_from_every_channel_is_routed_notified_listed_exported_counted(desk):
    county = desk.client(COUNTY)
    ids = {}
    for i, source in enumerate(DESK_SOURCES):
        ref = f"GZ2026{i:04d}" if source == "national_platform" else ""
        r = enter(county, lead(source, source_ref=ref))
        assert r.status_code == 303, r.get_data(as_text=True)[:2000]
        ids[source] = int(r.headers["Location"].rsplit("/", 1)[1])
    assert len(set(ids.values())) == len(DESK_SOURCES) >= 10
    for source, cid in ids.items():
        c = desk.case(cid)
        # routed by the same rule as a QR complaint: project qh012 is in Hexi, the officer takes it
        assert (c["source"], c["assignee_kind"], c["assignee_code"]) == (source, "township", "hexi")
        assert c["route_rule"] == "project" and c["entered_by"] == COUNTY and c["consent"] == 1
        # notified: the Hexi officer's email and SMS, in the complaint's own transaction
        sent = {(n["channel"], n["recipient"]) for n in desk.db.query(
            "SELECT * FROM notices WHERE complaint_id = ? AND kind = 'new_case'", [cid])}
        assert sent == {("email", "hexi.officer@qinghe.example.gov.cn"), ("sms", HEXI_OFFICER_MOBILE)}
        # the timeline has the same submitted/routed entries as a web complaint
        kinds = [e["kind"] for e in desk.db.query("SELECT kind FROM case_events WHERE complaint_id = ?"
                                                     " ORDER BY at, seq", [cid])]
        assert kinds[:2] == ["submitted", "routed"]
        # listed, with the source filter, for the officer who must act
        listing = desk.client(HEXI).get(f"/desk/cases?source={source}").get_data(as_text=True)
        assert f"#{cid}<" in listing and sources.label(source) in listing
        others = [o for s, o in ids.items() if s != source]
        assert not any(f"#{o}<" in listing for o in others)
        # the case page says where it came from, in words
        page = county.get(f"/desk/cases/{cid}").get_data(as_text=True)
        assert sources.label(source) in page and "班组长/包工头" in page and "晚上" in page
        assert "team_leader" not in page and "0 个月" not in page
    # exported: one row per lead, the channel in words
    rows = list(csv.reader(io.StringIO(county.get("/desk/export.csv").get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    col = header.index("来源 source")
    assert sorted(r[col] for r in body) == sorted(sources.label(s) for s in DESK_SOURCES)
    ref_col = header.index("渠道编号 source_ref")
    assert [r[ref_col] for r in body if r[col] == sources.label("national_platform")] == ["GZ20260005"]
    assert all(r[header.index("欠薪方类型 owed_by_kind")] == "班组长/包工头" for r in body)
    assert all(r[header.index("欠薪月数 months")] == "" for r in body)
    # an open case has paid and recovered nothing *yet*: empty cells, not 0
    assert all(r[header.index("兑付人数 workers_paid")] == "" == r[header.index("追回金额(元) recovered")] for r in body)
    # counted by source on the dashboard and in the daily report
    dash = county.get("/desk/dashboard").get_data(as_text=True)
    for source in DESK_SOURCES:
        assert re.search(rf">{re.escape(sources.label(source))}</a></td><td>1<", dash), source
    day = daily_report.local_day(store.utcnow())
    report = daily_report.build(desk.db, desk.registry, desk.config, day)
    assert report.by_source == {s: 1 for s in DESK_SOURCES}
    _, body_text = daily_report.render(report, desk.registry)
    assert f"{sources.label('national_platform')} 1 件" in body_text and f"{sources.label('visit')} 1 件" in body_text


def test_desk_duplicate_national_platform_clue_finds_the_first_case(desk):
    county = desk.client(COUNTY)
    first = enter(county, lead("national_platform", source_ref="XS-2026-0001"))
    cid = int(first.headers["Location"].rsplit("/", 1)[1])
    n = desk.db.execute("SELECT count(*) FROM complaints").fetchone()[0]
    notices = len(desk.notices())
    again = enter(county, lead("national_platform", source_ref="XS-2026-0001", name="另一人", mobile="13900001111"))
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/desk/cases/{cid}")
    assert desk.db.execute("SELECT count(*) FROM complaints").fetchone()[0] == n
    assert len(desk.notices()) == notices
    assert "已登记为案件" in county.get(f"/desk/cases/{cid}").get_data(as_text=True)
    # the same number from another channel is another lead
    other = enter(county, lead("hotline_12345", source_ref="XS-2026-0001"))
    assert int(other.headers["Location"].rsplit("/", 1)[1]) != cid


def test_desk_national_platform_needs_its_clue_number_and_keeps_what_was_typed(desk):
    county = desk.client(COUNTY)
    r = enter(county, lead("national_platform", source_ref="", name="赵钱孙"))
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "线索编号" in page and 'value="赵钱孙"' in page
    r = enter(county, lead("", name="赵钱孙"))
    assert r.status_code == 400 and "请选择线索来源" in r.get_data(as_text=True)
    assert desk.db.execute("SELECT count(*) FROM complaints").fetchone()[0] == 0


def test_desk_consent_by_phone_is_required_unless_anonymous(desk):
    county = desk.client(COUNTY)
    r = enter(county, lead("phone_12333", consent=""))
    assert r.status_code == 400 and "征得同意" in r.get_data(as_text=True)
    r = enter(county, lead("phone_12333", consent="", anonymous="y", name="", mobile=""))
    assert r.status_code == 303
    c = desk.case(int(r.headers["Location"].rsplit("/", 1)[1]))
    assert c["anonymous"] == 1 and c["sms_consent"] == 0


def test_desk_sms_consent_recorded_only_with_a_mobile_and_the_worker_gets_the_receipt(desk):
    county = desk.client(COUNTY)
    r = enter(county, lead("visit", sms_consent="1"))
    yes = int(r.headers["Location"].rsplit("/", 1)[1])
    assert desk.case(yes)["sms_consent"] == 1
    r = enter(county, lead("visit"))
    no = int(r.headers["Location"].rsplit("/", 1)[1])
    assert desk.case(no)["sms_consent"] == 0
    # the worker's receipt SMS goes out in the lead's own transaction, only with their yes
    to_worker = [n for n in desk.notices() if n["channel"] == "sms" and n["recipient"] == "13912340000"]
    assert [n["complaint_id"] for n in to_worker] == [yes]
    assert desk.case(yes)["receipt"] in to_worker[0]["body"]
    # the officer's email says nothing of an empty "months owed"
    [email] = [n for n in desk.notices("new_case") if n["complaint_id"] == no and n["channel"] == "email"]
    assert "0 个月" not in email["body"] and "班组长/包工头" in email["body"]


def test_desk_township_officer_enters_leads_for_own_township_only(desk):
    hexi = desk.client(HEXI)
    # no project: the posted township is ignored, the lead is Hexi's
    r = enter(hexi, lead("grid_check", project_code="", site_address="河西某工地", township="dongcheng"))
    assert r.status_code == 303
    c = desk.case(int(r.headers["Location"].rsplit("/", 1)[1]))
    assert (c["assignee_code"], c["chosen_township"], c["source"]) == ("hexi", "hexi", "grid_check")
    # a project of another township is refused with a way out
    r = enter(hexi, lead("grid_check", project_code="qh005"))
    assert r.status_code == 400 and "不在本镇街" in r.get_data(as_text=True)
    # departments do not enter leads
    assert desk.client(HOUSING).get("/desk/cases/new").status_code == 403


def test_desk_many_leads_are_not_rate_limited(desk):
    county = desk.client(COUNTY)
    for i in range(desk.config.rate_limit_ip_per_10_minutes + 2):
        assert enter(county, lead("hotline_12345", source_ref=f"GD{i}", mobile="13912340000")).status_code == 303


def test_desk_another_townships_case_is_a_polite_403_naming_the_holder(desk):
    cid = insert_case(desk.db, township="hexi")
    r = desk.client(DONGCHENG).get(f"/desk/cases/{cid}")
    page = r.get_data(as_text=True)
    assert r.status_code == 403
    assert "河西街道" in page and "郭辉辉" in page and "13300000100" in page and desk.registry.county.desk.phone in page
    assert "张三" not in page and "13912345678" not in page  # never the worker
    assert desk.db.execute("SELECT count(*) FROM audit_log WHERE action = 'view_case_refused'"
                           " AND complaint_id = ?", [cid]).fetchone()[0] == 1
    assert desk.client(DONGCHENG).get("/desk/cases/999999").status_code == 404


def test_desk_first_township_keeps_the_case_after_transfer_and_acknowledgement(desk):
    cid = insert_case(desk.db, township="hexi")
    hexi, housing = desk.client(HEXI), desk.client(HOUSING)
    post(hexi, f"/desk/cases/{cid}/acknowledge")
    assert post(hexi, f"/desk/cases/{cid}/transfer", {"target": "department:housing", "reason": "住建项目"}).status_code == 303
    assert post(housing, f"/desk/cases/{cid}/acknowledge").status_code == 303
    c = desk.case(cid)
    assert (c["assignee_code"], c["responsible_code"]) == ("housing", "housing")
    listing = hexi.get("/desk/cases").get_data(as_text=True)
    assert f"#{cid}<" in listing and "首问" in listing
    assert hexi.get(f"/desk/cases/{cid}").status_code == 200
    assert post(hexi, f"/desk/cases/{cid}/note", {"body": "已电话回访工人"}).status_code == 303
    # 首问负责 keeps sight and notes, not the state: the department acts
    assert post(hexi, f"/desk/cases/{cid}/start").status_code == 403


def test_desk_first_township_scope_matches_the_list(desk):
    """``scope_sql`` and ``can_view`` agree on the first township's cases."""
    cid = insert_case(desk.db, township="hexi", assignee=("department", "housing"),
                      responsible=("department", "housing"), route_target_kind="township", route_target_code="hexi")
    assert f"#{cid}<" in desk.client(HEXI).get("/desk/cases").get_data(as_text=True)
    assert f"#{cid}<" not in desk.client(DONGCHENG).get("/desk/cases").get_data(as_text=True)
    assert desk.client(DONGCHENG).get(f"/desk/cases/{cid}").status_code == 403


@pytest.mark.parametrize("source", ["qr", "web"])
def test_desk_web_complaints_keep_their_source(desk, source):
    cid = insert_case(desk.db, township="hexi", source=source, created_at=store.utcnow() - timedelta(minutes=1))
    page = desk.client(COUNTY).get(f"/desk/cases/{cid}").get_data(as_text=True)
    assert sources.label(source) in page
