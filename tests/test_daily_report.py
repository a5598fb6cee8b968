"""一日一报: a zero day is still reported (and says 零报告); a busy day has the right counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from formsvc.case import cases
from formsvc.duties import daily_report, scheduler
from tests.desk_fixtures import HEXI, insert_case

DAY = date(2026, 3, 2)                     # an Asia/Shanghai day: 2026-03-01T16:00Z .. 2026-03-02T16:00Z
START = datetime(2026, 3, 1, 16, 0, tzinfo=timezone.utc)
MORNING_AFTER = datetime(2026, 3, 3, 0, 0, tzinfo=timezone.utc)  # 08:00 in Shanghai


def test_daily_report_day_bounds():
    assert daily_report.day_bounds(DAY) == (START, START + timedelta(days=1))
    assert daily_report.due_day(MORNING_AFTER - timedelta(seconds=1)) is None
    assert daily_report.due_day(MORNING_AFTER) == DAY


def test_daily_report_zero_day_is_sent_and_says_so(desk):
    assert daily_report.send(desk.db, desk.registry, desk.config, DAY, MORNING_AFTER)
    [n] = desk.notices("daily_report")
    assert n["recipient"] == "desk@qinghe.example.gov.cn"
    assert "零报告" in n["subject"] and "零报告" in n["body"] and "2026-03-02" in n["body"]
    assert "合计 | 0 | 0 | 0 | 0 | 0 | 0" in n["body"]
    assert all(t.name_zh in n["body"] for t in desk.registry.townships.values())  # every township, zeros shown
    # once per day
    assert not daily_report.send(desk.db, desk.registry, desk.config, DAY, MORNING_AFTER + timedelta(hours=1))
    assert len(desk.notices("daily_report")) == 1
    assert desk.db.execute("SELECT count(*) FROM daily_reports").fetchone()[0] == 1


def test_daily_report_busy_day_counts(desk):
    db, t = desk.db, START + timedelta(hours=2)  # 10:00 local on DAY
    a = insert_case(db, township="hexi", created_at=t)
    b = insert_case(db, township="hexi", created_at=t, workers=3)
    insert_case(db, township="hexi", created_at=datetime(2026, 2, 20, tzinfo=timezone.utc))       # old, unacked
    insert_case(db, township="dongcheng", created_at=START)                                        # 00:00 local: new
    insert_case(db, township="dongcheng", created_at=START - timedelta(seconds=1))                 # yesterday
    insert_case(db, township="dongcheng", created_at=START + timedelta(days=1))                    # tomorrow
    cases.acknowledge(db, a, HEXI, t + timedelta(hours=1))
    cases.acknowledge(db, b, HEXI, t + timedelta(hours=1))
    cases.resolve(db, b, HEXI, 3, 21000, t + timedelta(hours=5))
    late = insert_case(db, township="nanyuan", created_at=datetime(2026, 2, 1, tzinfo=timezone.utc))
    cases.acknowledge(db, late, "x", datetime(2026, 2, 1, 5, tzinfo=timezone.utc))
    cases.resolve(db, late, "x", 1, 500, START + timedelta(days=1, hours=3))  # resolved the next day

    report = daily_report.build(db, desk.registry, desk.config, DAY)
    hexi, dong, nan = report.rows["hexi"], report.rows["dongcheng"], report.rows["nanyuan"]
    assert (hexi.new, hexi.acknowledged, hexi.overdue, hexi.resolved, hexi.workers_paid,
            hexi.amount_recovered_yuan) == (2, 2, 1, 1, 3, 21000)
    # new: only the one filed at local midnight; overdue: the one filed a second before it has
    # waited exactly 24 hours at the end of the day
    assert (dong.new, dong.acknowledged, dong.overdue) == (1, 0, 1)
    # 29 days old at the end of DAY, still open that night: not yet past RESOLVE_DAYS=30
    assert (nan.new, nan.resolved, nan.overdue) == (0, 0, 0)
    assert not report.zero
    t_ = report.total
    assert (t_.new, t_.acknowledged, t_.overdue, t_.resolved, t_.workers_paid, t_.amount_recovered_yuan) == \
        (3, 2, 2, 1, 3, 21000)
    subject, body = daily_report.render(report, desk.registry)
    assert "零报告" not in subject + body
    assert "河西街道 | 2 | 2 | 1 | 1 | 3 | 21000" in body and "合计 | 3 | 2 | 2 | 1 | 3 | 21000" in body


def test_daily_report_overdue_uses_state_at_end_of_day(desk):
    """A case unresolved 40 days at the end of DAY counts as overdue that day even if it was
    resolved the next morning, before the report was built."""
    cid = insert_case(desk.db, township="hexi", created_at=START - timedelta(days=40))
    cases.acknowledge(desk.db, cid, HEXI, START - timedelta(days=39))
    cases.resolve(desk.db, cid, HEXI, 1, 100, MORNING_AFTER - timedelta(hours=1))
    assert daily_report.build(desk.db, desk.registry, desk.config, DAY).rows["hexi"].overdue == 1


def test_scheduler_sends_the_report_once_after_eight(desk):
    assert scheduler.tick(desk.db, desk.registry, desk.config, MORNING_AFTER - timedelta(minutes=1)) == []
    assert scheduler.tick(desk.db, desk.registry, desk.config, MORNING_AFTER) == ["daily report 2026-03-02 sent"]
    assert scheduler.tick(desk.db, desk.registry, desk.config, MORNING_AFTER + timedelta(hours=3)) == []
    assert len(desk.notices("daily_report")) == 1
