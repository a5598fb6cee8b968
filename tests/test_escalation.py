"""Escalation and reminders with a controlled clock: just before and just after each threshold."""

from __future__ import annotations

from datetime import timedelta

from formsvc.case import cases
from formsvc.duties import escalation, scheduler
from formsvc.storage import store
from tests.desk_fixtures import HEXI, T0, insert_case

S = timedelta(seconds=1)


def _case(status="new", created=T0, assigned=None):
    return {"id": 7, "status": status, "created_at": store.iso(created), "assigned_at": store.iso(assigned or created)}


def kinds(actions):
    return sorted(a.kind for a in actions)


def test_escalation_plan_ack_threshold():
    c = _case()
    assert escalation.plan([c], set(), 24, 30, T0 + timedelta(hours=24) - S) == []
    [a] = escalation.plan([c], set(), 24, 30, T0 + timedelta(hours=24))
    assert a.kind == "escalate_ack" and a.key == f"escalate-ack:7:{store.iso(T0)}"
    assert escalation.plan([c], {a.key}, 24, 30, T0 + timedelta(hours=30)) == []
    assert escalation.plan([_case("acknowledged")], set(), 24, 30, T0 + timedelta(days=2)) == []


def test_escalation_plan_transfer_restarts_the_ack_clock():
    later = T0 + timedelta(hours=20)
    c = _case("transferred", assigned=later)
    assert escalation.plan([c], set(), 24, 30, T0 + timedelta(hours=25)) == []
    assert kinds(escalation.plan([c], set(), 24, 30, later + timedelta(hours=24))) == ["escalate_ack"]


def test_escalation_plan_resolve_thresholds():
    c = _case("in_progress")
    assert escalation.plan([c], set(), 24, 30, T0 + timedelta(days=30) - S) == []
    assert kinds(escalation.plan([c], set(), 24, 30, T0 + timedelta(days=30))) == ["remind"]
    assert kinds(escalation.plan([c], {"remind:7"}, 24, 30, T0 + timedelta(days=60) - S)) == []
    assert kinds(escalation.plan([c], {"remind:7"}, 24, 30, T0 + timedelta(days=60))) == ["escalate_resolve"]
    assert escalation.plan([_case("resolved")], set(), 24, 30, T0 + timedelta(days=90)) == []


def test_escalation_run_writes_once(desk):
    cid = insert_case(desk.db, township="hexi")
    assert escalation.run(desk.db, desk.registry, desk.config, T0 + timedelta(hours=24) - S) == []
    assert desk.notices() == []
    lines = escalation.run(desk.db, desk.registry, desk.config, T0 + timedelta(hours=24))
    assert lines == [f"escalate_ack case {cid}"]
    n, sms = desk.notices("escalation")  # by email and by SMS to the desk's contact
    assert n["recipient"] == "desk@qinghe.example.gov.cn" and f"/desk/cases/{cid}" in n["body"]
    assert sms["channel"] == "sms" and sms["recipient"] == desk.registry.county.desk.contact.mobile
    assert f"/desk/cases/{cid}" in sms["body"] and "张三" not in sms["body"]
    assert "河西街道" in n["body"] and "24 小时" in n["body"]
    assert desk.case(cid)["escalated_at"] == store.iso(T0 + timedelta(hours=24))
    [e] = desk.db.query("SELECT * FROM events WHERE kind = 'escalated'")
    assert e["public"] == 1
    # idempotent: a re-run, and a run an hour later, add nothing
    assert escalation.run(desk.db, desk.registry, desk.config, T0 + timedelta(hours=24)) == []
    assert escalation.run(desk.db, desk.registry, desk.config, T0 + timedelta(hours=25)) == []
    assert len(desk.notices()) == 2
    assert desk.db.execute("SELECT count(*) FROM events WHERE kind = 'escalated'").fetchone()[0] == 1


def test_escalation_reminder_goes_to_assignee_then_county(desk):
    cid = insert_case(desk.db, township="baisha")  # officer away: the deputy is responsible
    cases.acknowledge(desk.db, cid, "x", T0 + timedelta(hours=1))
    cfg = desk.config
    assert escalation.run(desk.db, desk.registry, cfg, T0 + timedelta(days=cfg.resolve_days) - S) == []
    assert escalation.run(desk.db, desk.registry, cfg, T0 + timedelta(days=cfg.resolve_days)) == [f"remind case {cid}"]
    [r] = desk.notices("reminder")
    assert r["recipient"] == "baisha.deputy@qinghe.example.gov.cn"
    assert escalation.run(desk.db, desk.registry, cfg, T0 + timedelta(days=2 * cfg.resolve_days) - S) == []
    assert escalation.run(desk.db, desk.registry, cfg, T0 + timedelta(days=2 * cfg.resolve_days)) == \
        [f"escalate_resolve case {cid}"]
    assert escalation.run(desk.db, desk.registry, cfg, T0 + timedelta(days=3 * cfg.resolve_days)) == []
    assert [(n["kind"], n["channel"]) for n in desk.notices()] == [
        ("reminder", "email"), ("escalation", "email"), ("escalation", "sms")]


def test_escalation_skips_acknowledged_and_closed(desk):
    a = insert_case(desk.db)
    cases.acknowledge(desk.db, a, HEXI, T0 + timedelta(hours=23))
    b = insert_case(desk.db, status="resolved")
    assert escalation.run(desk.db, desk.registry, desk.config, T0 + timedelta(hours=48)) == []
    assert desk.case(b)["escalated_at"] is None


def test_escalation_after_transfer_nobody_acknowledges(desk):
    cid = insert_case(desk.db)
    cases.acknowledge(desk.db, cid, HEXI, T0 + timedelta(hours=1))
    cases.transfer(desk.db, desk.registry, desk.config, cid, HEXI, "department", "housing", "住建项目",
                   T0 + timedelta(hours=2))
    assert escalation.run(desk.db, desk.registry, desk.config, T0 + timedelta(hours=26) - S) == []
    assert escalation.run(desk.db, desk.registry, desk.config, T0 + timedelta(hours=26)) == \
        [f"escalate_ack case {cid}"]
    assert "住房和城乡建设局" in desk.notices("escalation")[0]["body"]


def test_scheduler_tick_runs_escalation(desk):
    insert_case(desk.db)
    lines = scheduler.tick(desk.db, desk.registry, desk.config, T0 + timedelta(hours=24))
    assert lines[0].startswith("escalate_ack") and "daily report 2026-03-02 sent" in lines
    assert scheduler.tick(desk.db, desk.registry, desk.config, T0 + timedelta(hours=24, minutes=1)) == []


def test_a_case_given_back_by_another_county_runs_on_a_new_clock(desk):
    """Filed 40 days ago, at 白水县 since, given back today (不属本县管辖 there): not overdue from the day
    it was filed (the list, the SQL filter, the reminders), and not forgotten: its reminder and escalation
    come again on the new clock although the old ones went before the transfer."""
    from formsvc.web.desk import queries

    cid = insert_case(desk.db, township="hexi")
    back = T0 + timedelta(days=40)
    old_keys = {f"remind:{cid}", f"escalate-resolve:{cid}", f"escalate-ack:{cid}:{store.iso(T0)}"}
    with store.write_transaction(desk.db):
        desk.db.conn.execute("UPDATE complaints SET status = 'acknowledged', acknowledged_at = ?, deadlines_from = ?"
                             " WHERE id = ?", (store.iso(T0 + timedelta(hours=2)), store.iso(back), cid))
    c = cases.get_case(desk.db, cid)
    assert c["assigned_at"] == store.iso(back)  # the ack clock too (a case given back unacknowledged)
    assert not escalation.is_overdue(c, 24, 30, back + timedelta(days=1))
    assert escalation.plan([c], old_keys, 24, 30, back + timedelta(days=30) - S) == []
    [a] = escalation.plan([c], old_keys, 24, 30, back + timedelta(days=30))
    assert a.kind == "remind" and a.key == f"remind:{cid}:{store.iso(back)}"
    assert kinds(escalation.plan([c], old_keys | {a.key}, 24, 30, back + timedelta(days=60))) == ["escalate_resolve"]
    assert escalation.is_overdue(c, 24, 30, back + timedelta(days=30))

    def overdue_ids(at):
        cut = [store.iso(at - timedelta(hours=24)), store.iso(at - timedelta(days=30))]
        return [r[0] for r in desk.db.execute(f"SELECT c.id FROM complaints c WHERE {queries.overdue_sql('c')}", cut)]

    assert overdue_ids(back + timedelta(days=1)) == []
    assert overdue_ids(back + timedelta(days=30)) == [cid]
    with store.write_transaction(desk.db):  # while the other county has it, it is not ours to be late on
        desk.db.conn.execute("UPDATE complaints SET status = 'transferred_out' WHERE id = ?", (cid,))
    assert overdue_ids(back + timedelta(days=30)) == []


def test_the_reminder_of_a_case_given_back_names_its_clock(desk):
    """The officer reads from when the 30 days count: since the other county gave the case back."""
    cid = insert_case(desk.db, township="hexi")
    back = T0 + timedelta(days=40)
    with store.write_transaction(desk.db):
        desk.db.conn.execute("UPDATE complaints SET status = 'acknowledged', acknowledged_at = ?, deadlines_from = ?"
                             " WHERE id = ?", (store.iso(T0 + timedelta(hours=2)), store.iso(back), cid))
    assert escalation.run(desk.db, desk.registry, desk.config, back + timedelta(days=29)) == []
    assert escalation.run(desk.db, desk.registry, desk.config, back + timedelta(days=30)) == [f"remind case {cid}"]
    [n] = desk.notices("reminder")
    assert "自外县退回本县之日起已超过 30 天" in n["body"] and "自外县退回本县之日起" in n["subject"]
