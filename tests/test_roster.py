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
OTHER = "dongcheng.deputy@qinghe.example.gov.cn"


def _person(desk, email: str = STAND_IN) -> Person:
    """Someone with a desk account (issue 24: the roster takes no one else)."""
    return next(p for p, _ in roster.people(desk.registry).values() if p.email == email)


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
    desk.app.config["DESK_CLOCK"] = lambda: MONDAY + timedelta(days=1)  # while the stand-in holds it
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
    desk.app.config["DESK_CLOCK"] = lambda: MONDAY - timedelta(days=1)
    entry = roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=_person(desk),
                             starts_at=MONDAY, ends_at=SATURDAY, reason="", user_id=None, now=MONDAY - timedelta(days=7))
    hexi = desk.client(HEXI)
    assert _person(desk).name in hexi.get("/desk/roster").get_data(as_text=True)
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
    assert "某人没有办案台账号" in r.get_data(as_text=True)  # a typed stranger (issue 24): refused, with why
    assert desk.db.execute("SELECT count(*) FROM duty_roster").fetchone()[0] == 0


def test_roster_latest_entry_wins_when_two_overlap(desk):
    earlier = MONDAY - timedelta(days=7)
    roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=_person(desk),
                     starts_at=MONDAY, ends_at=SATURDAY, reason="", user_id=None, now=earlier)
    roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=_person(desk, OTHER),
                     starts_at=MONDAY + timedelta(days=2), ends_at=MONDAY + timedelta(days=3), reason="",
                     user_id=None, now=earlier + timedelta(minutes=1))
    assert roster.stand_in_at(desk.db, "hexi", MONDAY + timedelta(hours=1)).person.email == STAND_IN
    assert roster.stand_in_at(desk.db, "hexi", MONDAY + timedelta(days=2, hours=1)).person.email == OTHER
    assert roster.stand_in_at(desk.db, "dongcheng", MONDAY + timedelta(hours=1)) is None


def test_posters_print_the_duty_line_and_rebuild_nothing_after_a_roster_change(desk, tmp_path, data_dir):
    config = Config.from_env({"WAGESAFE_SITE_DIR": str(tmp_path / "site"), "WAGESAFE_DATA_DIR": str(data_dir)})
    codes = ["qh012", "qh005"]  # Hexi, Dongcheng
    first = build_posters(config, load_registry(data_dir), codes, jobs=1)
    assert sorted(first.built) == sorted(codes)
    roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=_person(desk),
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


# --- access follows routing (issue 25 item 2; issue 24 item 6) ---------------------------------------------------

def test_roster_start_three_days_back_is_refused_and_cannot_open_earlier_cases(desk):
    """The security run's finding: a backdated entry opened the township's earlier cases. Now the
    start in the past is refused with the reason, and an entry starting now opens nothing filed
    before it: access follows the routing decision, not the filing time."""
    clock = {"now": MONDAY + timedelta(days=3)}
    desk.app.config["DESK_CLOCK"] = lambda: clock["now"]
    earlier = _complaint(desk, MONDAY + timedelta(hours=2), 21).complaint_id  # filed before any entry
    county = desk.client(COUNTY)
    r = post(county, "/desk/roster", {"township": "hexi", "stand_in": STAND_IN, "starts_at": "2026-03-09T08:00",
                                      "ends_at": "2026-03-20T00:00", "reason": "年休假"}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "开始时间 2026-03-09 08:00 已经过去" in page and "不交给代岗人" in page
    assert desk.db.execute("SELECT count(*) FROM duty_roster").fetchone()[0] == 0
    # entered to start now: the stand-in gets what is filed from now on, never the earlier case
    r = post(county, "/desk/roster", {"township": "hexi", "stand_in": STAND_IN, "starts_at": "2026-03-12T00:00",
                                      "ends_at": "2026-03-20T00:00", "reason": "年休假"})
    assert r.status_code == 303
    [entry] = list(desk.db.query("SELECT * FROM duty_roster"))
    assert entry["starts_at"] >= "2026-03-11T16:00:00+00:00"
    later = _complaint(desk, clock["now"] + timedelta(hours=1), 22).complaint_id
    clock["now"] += timedelta(hours=2)
    stand_in = desk.client(STAND_IN)
    assert stand_in.get(f"/desk/cases/{earlier}").status_code == 403
    assert stand_in.get(f"/desk/cases/{later}").status_code == 200
    listing = stand_in.get("/desk/cases").get_data(as_text=True)
    assert f"#{later}<" in listing and f"#{earlier}<" not in listing
    assert desk.client(HEXI).get(f"/desk/cases/{earlier}").status_code == 200  # the officer keeps it


def test_roster_stand_in_is_named_in_the_timeline_and_cancel_hands_open_cases_back(desk):
    clock = {"now": MONDAY - timedelta(days=1)}
    desk.app.config["DESK_CLOCK"] = lambda: clock["now"]
    entry = roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=_person(desk), starts_at=MONDAY,
                             ends_at=SATURDAY, reason="年休假", user_id=None, now=clock["now"])
    open_case = _complaint(desk, MONDAY + timedelta(hours=1), 31).complaint_id
    done_case = _complaint(desk, MONDAY + timedelta(hours=2), 32).complaint_id
    assert desk.case(open_case)["stand_in_entry"] == entry
    kinds = [e["kind"] for e in desk.db.query("SELECT kind FROM events WHERE complaint_id = ?", [open_case])]
    assert "stand_in_assigned" in kinds
    desk.db.execute("UPDATE complaints SET status = 'resolved' WHERE id = ?", [done_case])
    desk.db.conn.commit()
    clock["now"] = MONDAY + timedelta(days=1)
    stand_in = desk.client(STAND_IN)
    assert stand_in.get(f"/desk/cases/{open_case}").status_code == 200
    r = post(desk.client(COUNTY), "/desk/roster", {"cancel": str(entry)}, follow_redirects=True)
    assert "交回" in r.get_data(as_text=True)
    assert stand_in.get(f"/desk/cases/{open_case}").status_code == 403  # no longer theirs
    assert f"#{open_case}<" not in stand_in.get("/desk/cases").get_data(as_text=True)
    returned = list(desk.db.query("SELECT complaint_id, detail FROM events WHERE kind = 'stand_in_returned'"))
    assert [e["complaint_id"] for e in returned] == [open_case]  # the closed one stays as it was
    assert "交回郭辉辉" in returned[0]["detail"]
    page = desk.client(HEXI).get(f"/desk/cases/{open_case}").get_data(as_text=True)
    from formsvc.case import story

    assert story.KINDS["stand_in_returned"].officer_zh in page  # in the case's timeline on the desk
    [mail] = desk.notices("stand_in_returned")
    assert mail["recipient"] == desk.registry.townships["hexi"].officer.email and f"#{open_case}" in mail["body"]
    assert "王五" not in mail["body"] and "13912345678" not in mail["body"]


def test_roster_window_over_hands_open_cases_back_once(desk):
    from formsvc.duties import scheduler

    entry = roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=_person(desk), starts_at=MONDAY,
                             ends_at=SATURDAY, reason="", user_id=None, now=MONDAY - timedelta(days=1))
    case_id = _complaint(desk, MONDAY + timedelta(hours=1), 41).complaint_id
    desk.app.config["DESK_CLOCK"] = lambda: SATURDAY + timedelta(hours=1)
    assert desk.client(STAND_IN).get(f"/desk/cases/{case_id}").status_code == 403  # the window is over
    for _ in range(2):
        scheduler.tick(desk.db, desk.registry, desk.config, SATURDAY + timedelta(hours=1))
    returned = list(desk.db.query("SELECT complaint_id FROM events WHERE kind = 'stand_in_returned'"))
    assert [e["complaint_id"] for e in returned] == [case_id]
    assert desk.db.execute("SELECT returned_at FROM duty_roster WHERE id = ?", [entry]).fetchone()[0]


def test_roster_takes_only_people_with_an_account(desk):
    """Issue 24 item 6: a typed stranger would get the notices and could not sign in."""
    import pytest

    with pytest.raises(roster.RosterError, match="没有办案台账号"):
        roster.set_entry(desk.db, desk.registry, township="hexi",
                         stand_in=Person("陌生人", "13900000009", "stranger@example.com"), starts_at=MONDAY,
                         ends_at=SATURDAY, reason="", user_id=None, now=MONDAY - timedelta(days=1))
    desk.db.execute("UPDATE users SET active = 0 WHERE email = ?", [STAND_IN])
    desk.db.conn.commit()
    with pytest.raises(roster.RosterError, match="没有办案台账号"):
        roster.set_entry(desk.db, desk.registry, township="hexi", stand_in=_person(desk), starts_at=MONDAY,
                         ends_at=SATURDAY, reason="", user_id=None, now=MONDAY - timedelta(days=1))
    assert desk.db.execute("SELECT count(*) FROM duty_roster").fetchone()[0] == 0


def test_migration_gives_old_cases_their_entry_only_if_it_existed_when_they_were_filed(tmp_path):
    """Cases the roster routed before migration 0014 keep their stand-in, except where the entry was
    entered after the case was filed (the backdated entry of the security run reaches nothing)."""
    from formsvc.storage import store
    from tests.test_store import _apply_only

    db = store.connect(tmp_path / "old.db")
    names = [name for name, _ in store.MIGRATIONS]
    _apply_only(db, names[:names.index("0014_i25_stand_in_routing")])
    with store.write_transaction(db):
        db.conn.executemany(
            "INSERT INTO duty_roster (id, township, stand_in_name, stand_in_email, starts_at, ends_at, created_at)"
            " VALUES (?, 'hexi', '毛杰国', 'nanyuan.officer@qinghe.example.gov.cn', ?, '2026-03-20T00:00:00+00:00', ?)",
            [(1, "2026-03-09T00:00:00+00:00", "2026-03-08T00:00:00+00:00"),     # entered ahead: fine
             (2, "2026-03-01T00:00:00+00:00", "2026-03-12T00:00:00+00:00")])    # backdated on the 12th
        for cid, at in ((1, "2026-03-10T00:00:00+00:00"), (2, "2026-03-05T00:00:00+00:00")):
            db.conn.execute(
                "INSERT INTO complaints (id, receipt, created_at, assignee_kind, assignee_code, responsible_kind,"
                " responsible_code, route_target_kind, route_target_code, route_recipient)"
                " VALUES (?, ?, ?, 'township', 'hexi', 'township', 'hexi', 'township', 'hexi', '毛杰国')",
                (cid, f"AAAA-BBB{cid}", at))
    assert "0014_i25_stand_in_routing" in store.migrate(db)
    entries = dict(db.conn.execute("SELECT id, stand_in_entry FROM complaints").fetchall())
    assert entries == {1: 1, 2: None}
