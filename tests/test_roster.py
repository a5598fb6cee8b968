"""The duty roster: the county desk sets a stand-in for a window; routing reads it at the
complaint's time; every change is audited; posters print the township's duty line and do not
change with an absence."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from formsvc.case import complaints
from formsvc.officers import roster
from qr.build import build_posters
from tests.desk_fixtures import COUNTY, HEXI, T0, post
from tests.registry_edit import set_cell
from wagesafe.config import Config
from wagesafe.registry import Person, load_registry

SH = timezone(timedelta(hours=8))
MONDAY = datetime(2026, 3, 9, tzinfo=SH)       # next Monday (the desk fixtures' clock is Monday 2026-03-02)
SATURDAY = datetime(2026, 3, 14, tzinfo=SH)
STAND_IN = "nanyuan.officer@qinghe.example.gov.cn"


def _complaint(desk, at: datetime, n: int):
    data = complaints.ComplaintInput(submission_token=f"{n:016d}-roster", project_code="qh012", name="王五",
                                     mobile="13912345678", consent=True, amount_yuan=5000)
    return complaints.submit(desk.db, desk.registry, desk.config, data, [], ip=f"10.9.0.{n}", now=at)


def test_roster_monday_to_friday_routes_to_the_stand_in_and_saturday_to_the_officer(desk):
    desk.app.config["DESK_CLOCK"] = lambda: T0
    county = desk.client(COUNTY)
    r = post(county, "/desk/roster", {"township": "hexi", "stand_in": STAND_IN, "starts_at": "2026-03-09T00:00",
                                      "ends_at": "2026-03-14T00:00", "reason": "年休假"})
    assert r.status_code == 303
    [entry] = list(desk.db.query("SELECT * FROM duty_roster"))
    assert (entry["starts_at"], entry["ends_at"]) == ("2026-03-08T16:00:00+00:00", "2026-03-13T16:00:00+00:00")
    [row] = list(desk.db.query("SELECT * FROM audit_log WHERE action = 'roster_set'"))
    assert "年休假" in row["detail"] and row["user_id"] == desk.db.execute(
        "SELECT id FROM users WHERE email = ?", [COUNTY]).fetchone()[0]
    stand_in = desk.registry.townships["nanyuan"].officer
    before = _complaint(desk, MONDAY - timedelta(minutes=1), 1)   # Sunday 23:59: the officer
    monday = _complaint(desk, MONDAY + timedelta(hours=10), 2)
    friday = _complaint(desk, SATURDAY - timedelta(minutes=1), 3)
    saturday = _complaint(desk, SATURDAY + timedelta(hours=10), 4)
    officer = desk.registry.townships["hexi"].officer
    assert before.decision.recipient == officer and saturday.decision.recipient == officer
    for result in (monday, friday):
        assert result.decision.recipient.name == stand_in.name
        assert "按值班表" in result.decision.reason and "年休假" in result.decision.reason
        sent = {n["recipient"] for n in desk.db.query("SELECT recipient FROM notices WHERE complaint_id = ?",
                                                      [result.complaint_id])}
        assert sent == {stand_in.email, stand_in.mobile}
    # the case stays the township's (its officers see it); the reason says who took it and why
    c = desk.case(monday.complaint_id)
    assert (c["assignee_kind"], c["assignee_code"], c["route_recipient"]) == ("township", "hexi", stand_in.name)
    assert "年休假" in desk.client(HEXI).get(f"/desk/cases/{monday.complaint_id}").get_data(as_text=True)


def test_roster_stand_in_from_another_township_opens_and_acknowledges_the_case(desk):
    """The stand-in is told of the case; they must be able to open it and take it (确认受理)."""
    roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=desk.registry.townships["nanyuan"].officer,
                     starts_at=MONDAY, ends_at=SATURDAY, reason="年休假", user_id=None, now=MONDAY - timedelta(days=1))
    monday = _complaint(desk, MONDAY + timedelta(hours=10), 11).complaint_id
    saturday = _complaint(desk, SATURDAY + timedelta(hours=10), 12).complaint_id
    stand_in = desk.client(STAND_IN)
    listing = stand_in.get("/desk/cases").get_data(as_text=True)
    assert f"#{monday}<" in listing and f"#{saturday}<" not in listing
    page = stand_in.get(f"/desk/cases/{monday}").get_data(as_text=True)
    assert "确认受理 Acknowledge" in page and "13912345678" in page  # a township officer of the case
    assert post(stand_in, f"/desk/cases/{monday}/acknowledge").status_code == 303
    assert desk.case(monday)["status"] == "acknowledged"
    # outside the window the case is Hexi's alone
    assert stand_in.get(f"/desk/cases/{saturday}").status_code == 403
    # and the stand-in's own township's cases stay theirs as before
    assert desk.client(HEXI).get(f"/desk/cases/{monday}").status_code == 200


def test_roster_cancel_is_audited_and_only_the_county_desk_sets_it(desk):
    entry = roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=Person("代岗人", "13900000001"),
                             starts_at=MONDAY, ends_at=SATURDAY, reason="", user_id=None, now=MONDAY - timedelta(days=7))
    hexi = desk.client(HEXI)
    assert "代岗人" in hexi.get("/desk/roster").get_data(as_text=True)
    assert post(hexi, "/desk/roster", {"cancel": str(entry)}).status_code == 403
    assert post(desk.client(COUNTY), "/desk/roster", {"cancel": str(entry)}).status_code == 303
    assert roster.stand_in_at(desk.db, "hexi", MONDAY + timedelta(hours=1)) is None
    assert desk.db.execute("SELECT count(*) FROM audit_log WHERE action = 'roster_cancel'").fetchone()[0] == 1


def test_roster_refuses_bad_windows_politely(desk):
    desk.app.config["DESK_CLOCK"] = lambda: T0
    county = desk.client(COUNTY)
    r = post(county, "/desk/roster", {"township": "hexi", "stand_in": STAND_IN, "starts_at": "2026-03-14T00:00",
                                      "ends_at": "2026-03-09T00:00"}, follow_redirects=True)
    assert "结束时间必须晚于开始时间" in r.get_data(as_text=True)
    r = post(county, "/desk/roster", {"township": "hexi", "stand_in": "", "stand_in_name": "某人",
                                      "starts_at": "2026-03-09T00:00", "ends_at": "2026-03-10T00:00"},
             follow_redirects=True)
    assert "邮箱或手机" in r.get_data(as_text=True)
    assert desk.db.execute("SELECT count(*) FROM duty_roster").fetchone()[0] == 0


def test_roster_latest_entry_wins_when_two_overlap(desk):
    earlier = MONDAY - timedelta(days=7)
    roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=Person("甲", "13900000001"),
                     starts_at=MONDAY, ends_at=SATURDAY, reason="", user_id=None, now=earlier)
    roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=Person("乙", "13900000002"),
                     starts_at=MONDAY + timedelta(days=2), ends_at=MONDAY + timedelta(days=3), reason="",
                     user_id=None, now=earlier + timedelta(minutes=1))
    assert roster.stand_in_at(desk.db, "hexi", MONDAY + timedelta(hours=1)).person.name == "甲"
    assert roster.stand_in_at(desk.db, "hexi", MONDAY + timedelta(days=2, hours=1)).person.name == "乙"
    assert roster.stand_in_at(desk.db, "dongcheng", MONDAY + timedelta(hours=1)) is None


def test_posters_print_the_duty_line_and_rebuild_nothing_after_a_roster_change(desk, tmp_path, data_dir):
    config = Config.from_env({"WAGESAFE_SITE_DIR": str(tmp_path / "site"), "WAGESAFE_DATA_DIR": str(data_dir)})
    codes = ["qh012", "qh005"]  # Hexi, Dongcheng
    first = build_posters(config, load_registry(data_dir), codes, jobs=1)
    assert sorted(first.built) == sorted(codes)
    roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=Person("代岗人", "13900000001"),
                     starts_at=MONDAY, ends_at=SATURDAY, reason="", user_id=None, now=MONDAY - timedelta(days=1))
    # the old way of marking an absence (the CSV flag) no longer changes a poster either
    set_cell(data_dir / "townships.csv", 0, "officer_away", "yes")
    again = build_posters(config, load_registry(data_dir), codes, jobs=1)
    assert again.built == [] and sorted(again.unchanged) == sorted(codes)
    # a township office number in the registry is what the poster prints (and changes it, once)
    set_cell(data_dir / "townships.csv", 0, "officer_away", "no")
    _add_duty_phone(data_dir, "hexi", "0799-0601234")
    changed = build_posters(config, load_registry(data_dir), codes, jobs=1)
    assert changed.built == ["qh012"]


def test_wagesafe_posters_after_a_roster_change_rebuilds_no_poster(desk, tmp_path, data_dir):
    """The command itself, as an editor runs it: a roster entry (and the old CSV flag) change nothing printed."""
    from click.testing import CliRunner

    from wagesafe.cli import main

    env = {"WAGESAFE_SITE_DIR": str(tmp_path / "site"), "WAGESAFE_DATA_DIR": str(data_dir)}
    first = CliRunner().invoke(main, ["posters", "qh012", "qh001"], env=env)
    assert first.exit_code == 0 and "posters: 2 built, 0 unchanged" in first.output, first.output
    post(desk.client(COUNTY), "/desk/roster", {"township": "hexi", "stand_in": STAND_IN,
                                               "starts_at": "2027-03-08T00:00", "ends_at": "2027-03-13T00:00"})
    assert desk.db.execute("SELECT count(*) FROM duty_roster").fetchone()[0] == 1
    set_cell(data_dir / "townships.csv", 0, "officer_away", "yes")
    again = CliRunner().invoke(main, ["posters", "qh012", "qh001"], env=env)
    assert again.exit_code == 0 and "posters: 0 built, 2 unchanged" in again.output, again.output


def _add_duty_phone(data_dir, code: str, phone: str) -> None:
    import csv

    path = data_dir / "townships.csv"
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0]) + ["duty_phone"]
    for r in rows:
        r["duty_phone"] = phone if r["code"] == code else ""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_duty_line_is_the_officer_and_deputy_or_the_office_number(data_dir):
    t = load_registry(data_dir).townships["hexi"]
    who, phone = t.duty_line
    assert t.officer.name in who and t.deputy.name in who
    assert phone == f"{t.officer.mobile} / {t.deputy.mobile}"
    _add_duty_phone(data_dir, "hexi", "0799-0601234")
    t = load_registry(data_dir).townships["hexi"]
    assert t.duty_line == (f"{t.name_zh}值班电话（{t.officer.name}、{t.deputy.name}）", "0799-0601234")
