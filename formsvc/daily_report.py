"""一日一报, 零报告: the daily summary per township to the county desk.

The county plan asks for a report every day even when nothing happened: a zero report says
"nothing happened" out loud, which is different from "nobody reported". So the report is sent
even when every figure is zero, and then it says 零报告 explicitly.

A day is an Asia/Shanghai calendar day (China has no daylight saving, so a fixed +08:00 is
exact and needs no time-zone database). ``daily_reports`` has one row per day, written in the
same transaction as the notice, so a day is reported once however often the scheduler runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlite_utils

from . import outbox
from .cases import ASSIGNED_AT_SQL
from .escalation import is_overdue
from .store import iso, write_transaction

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
OTHER = ""  # cases with no township (county-level, unknown site)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where an Asia/Shanghai day starts and ends."""
    start = datetime.combine(day, time(0), SHANGHAI)
    return start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)


def local_day(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def case_township(case: dict, registry) -> str:
    """The township a case counts under: its assignee's, else the responsible one's, else its
    project's, else the one the worker picked; ``""`` when none."""
    for kind, code in ((case["assignee_kind"], case["assignee_code"]),
                       (case["responsible_kind"], case["responsible_code"])):
        if kind == "township" and code in registry.townships:
            return code
    project = registry.project(case["project_code"] or "")
    if project is not None:
        return project.township
    return case["chosen_township"] if case["chosen_township"] in registry.townships else OTHER


@dataclass
class Row:
    new: int = 0
    acknowledged: int = 0
    overdue: int = 0
    resolved: int = 0
    workers_paid: int = 0
    amount_recovered_yuan: int = 0

    def add(self, other: "Row") -> None:
        for f in self.__dataclass_fields__:
            setattr(self, f, getattr(self, f) + getattr(other, f))

    @property
    def zero(self) -> bool:
        return not any(getattr(self, f) for f in self.__dataclass_fields__)


@dataclass
class Report:
    day: date
    rows: dict[str, Row] = field(default_factory=dict)   # township code (or OTHER) -> figures
    total: Row = field(default_factory=Row)

    @property
    def zero(self) -> bool:
        return self.total.zero


def build(db: sqlite_utils.Database, registry, config, day: date) -> Report:
    """Count the day's figures per township. ``overdue`` is the number of open cases overdue at
    the end of the day (unacknowledged past ``ack_hours``, or unresolved past ``resolve_days``)."""
    start, end = day_bounds(day)
    s, e = iso(start), iso(end)
    report = Report(day, {code: Row() for code in registry.townships})
    cases = list(db.query(f"SELECT c.*, {ASSIGNED_AT_SQL.format(a='c')} AS assigned_at FROM complaints c"
                          " WHERE c.created_at < ?", [e]))
    acked = {r["complaint_id"] for r in db.query(
        "SELECT DISTINCT complaint_id FROM events WHERE kind = 'acknowledged' AND at >= ? AND at < ?", [s, e])}
    resolved = {r["complaint_id"] for r in db.query(
        "SELECT DISTINCT complaint_id FROM events WHERE kind = 'resolved' AND at >= ? AND at < ?", [s, e])}
    for c in cases:
        row = report.rows.setdefault(case_township(c, registry), Row())
        if c["created_at"] >= s:
            row.new += 1
        if c["id"] in acked:
            row.acknowledged += 1
        if c["id"] in resolved:
            row.resolved += 1
            row.workers_paid += c["workers_paid"]
            row.amount_recovered_yuan += c["amount_recovered_yuan"]
        if _overdue_at_end(db, c, config, end):
            row.overdue += 1
    for row in report.rows.values():
        report.total.add(row)
    return report


def _overdue_at_end(db, case: dict, config, end: datetime) -> bool:
    """Overdue at the end of the day, judged on the case as it was then (a case resolved
    later in the week was still open that night)."""
    c = dict(case)
    if c["resolved_at"] and c["resolved_at"] >= iso(end):
        c["status"] = "in_progress"
    if c["acknowledged_at"] and c["acknowledged_at"] >= iso(end) and c["status"] != "transferred":
        c["status"] = "new"
    return is_overdue(c, config.ack_hours, config.resolve_days, end - timedelta(seconds=1))


def render(report: Report, registry) -> tuple[str, str]:
    """Subject and plain-text body of the email to the county desk."""
    d = report.day.isoformat()
    county = registry.county.name_zh
    head = "零报告" if report.zero else "日报"
    subject = f"【薪安通】{county}欠薪投诉{head} {d}"
    lines = [f"{registry.county.desk.name_zh}：", "",
             f"{county}根治欠薪一日一报（{d}，北京时间）。", ""]
    if report.zero:
        lines += ["零报告：今日全县无新投诉、无受理、无超期、无办结。", ""]
    lines.append("镇街 | 新投诉 | 受理 | 超期 | 办结 | 兑付人数 | 追回金额(元)")
    for code, row in report.rows.items():
        name = registry.townships[code].name_zh if code in registry.townships else "县级/未定镇街"
        if code == OTHER and row.zero:
            continue
        lines.append(f"{name} | {row.new} | {row.acknowledged} | {row.overdue} | {row.resolved} | "
                     f"{row.workers_paid} | {row.amount_recovered_yuan}")
    t = report.total
    lines.append(f"合计 | {t.new} | {t.acknowledged} | {t.overdue} | {t.resolved} | {t.workers_paid} | "
                 f"{t.amount_recovered_yuan}")
    lines += ["", "超期：超过受理时限未确认受理，或超过办结时限未解决的在办案件（日终时点）。"]
    return subject, "\n".join(lines) + "\n"


def send(db: sqlite_utils.Database, registry, config, day: date, now: datetime) -> bool:
    """Build, record and queue the report for ``day``; False when that day was already sent."""
    if list(db.query("SELECT 1 FROM daily_reports WHERE day = ?", [day.isoformat()])):
        return False
    subject, body = render(build(db, registry, config, day), registry)
    with write_transaction(db):
        cur = db.conn.execute("INSERT INTO daily_reports (day, created_at, body) VALUES (?, ?, ?)"
                              " ON CONFLICT(day) DO NOTHING", (day.isoformat(), iso(now), body))
        if cur.rowcount != 1:
            return False
        outbox.enqueue(db, kind="daily_report", channel="email", recipient=registry.county.desk.email,
                       subject=subject, body=body, dedupe_key=f"daily-report:{day.isoformat()}")
    return True


def due_day(now: datetime, send_hour: int = 8) -> date | None:
    """The day whose report is due at ``now``: yesterday's, once it is past 08:00 in Shanghai."""
    local = now.astimezone(SHANGHAI)
    if local.hour < send_hour:
        return None
    return local.date() - timedelta(days=1)
