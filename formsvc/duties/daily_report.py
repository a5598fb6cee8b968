"""一日一报, 零报告: the daily summary per township to the county desk.

The county plan asks for a report every day even when nothing happened: a zero report says
"nothing happened" out loud, which is different from "nobody reported". So the report is sent
even when every figure is zero, and then it says 零报告 explicitly.

A day is a calendar day of the county's zone (``TIMEZONE``, default Asia/Shanghai, through
``wagesafe.localtime``), and every time in the report is that zone's. ``daily_reports`` has one row per day, written in the
same transaction as the notice, so a day is reported once however often the scheduler runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlite_utils

from wagesafe.localtime import DEFAULT_ZONE, format_local, zone, zone_words

from formsvc.case import money
from formsvc.case.outcomes import label as outcome_label
from formsvc.notify import outbox
from formsvc.case import sources
from formsvc.case.cases import ASSIGNED_AT_SQL
from .escalation import is_overdue
from formsvc.storage.store import iso, write_transaction

SHANGHAI = zone(DEFAULT_ZONE)  # the default county zone; the functions take the configured one
OTHER = ""  # cases with no township (county-level, unknown site)


def day_bounds(day: date, zone_name: str = DEFAULT_ZONE) -> tuple[datetime, datetime]:
    """The UTC instants where a day of the county's zone starts and ends."""
    start = datetime.combine(day, time(0), zone(zone_name))
    end = datetime.combine(day + timedelta(days=1), time(0), zone(zone_name))
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def local_day(now: datetime, zone_name: str = DEFAULT_ZONE) -> date:
    return now.astimezone(zone(zone_name)).date()


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
    outcomes: dict[str, int] = field(default_factory=dict)  # outcome kind -> cases closed with it that day
    reopened: int = 0                                        # cases a worker's "not paid/not satisfied" reopened
    by_source: dict[str, int] = field(default_factory=dict)  # the day's new cases per channel (sources.SOURCES)

    @property
    def zero(self) -> bool:
        return self.total.zero


def build(db: sqlite_utils.Database, registry, config, day: date) -> Report:
    """Count the day's figures per township, for any past day, not only yesterday.

    ``new`` comes from ``created_at``, ``acknowledged`` and ``resolved`` from the timeline
    (``case_events``) within the day, so a report built days late counts that day's events, not
    today's. ``overdue`` is the number of open cases overdue at the end of the day
    (unacknowledged past ``ack_hours``, or unresolved past ``resolve_days``), judged on each case
    as it was that night (``_as_of``). A case counts under the township it is assigned to now
    (``case_township``): the rows are not rewound, which a late report says (``render``)."""
    start, end = day_bounds(day, config.timezone)
    s, e = iso(start), iso(end)
    report = Report(day, {code: Row() for code in registry.townships})
    cases = list(db.query(f"SELECT c.*, {ASSIGNED_AT_SQL.format(a='c')} AS assigned_at FROM complaints c"
                          " WHERE c.created_at < ?", [e]))
    acked = {r["complaint_id"] for r in db.query(
        "SELECT DISTINCT complaint_id FROM case_events WHERE kind = 'acknowledged' AND at >= ? AND at < ?", [s, e])}
    resolved = {r["complaint_id"] for r in db.query(
        "SELECT DISTINCT complaint_id FROM case_events WHERE kind = 'resolved' AND at >= ? AND at < ?", [s, e])}
    as_of = _as_of(db, e)
    for c in cases:
        row = report.rows.setdefault(case_township(c, registry), Row())
        if c["created_at"] >= s:
            row.new += 1
            report.by_source[c["source"]] = report.by_source.get(c["source"], 0) + 1
        if c["id"] in acked:
            row.acknowledged += 1
        if c["id"] in resolved:
            row.resolved += 1
            row.workers_paid += c["workers_paid"]
            row.amount_recovered_yuan += money.recovered_here(c)  # as the dashboard and the ranking count it
        if is_overdue(as_of(c), config.ack_hours, config.resolve_days, end - timedelta(seconds=1)):
            row.overdue += 1
    for row in report.rows.values():
        report.total.add(row)
    for r in db.query("SELECT c.outcome AS outcome, COUNT(DISTINCT c.id) AS n FROM case_events e"
                      " JOIN complaints c ON c.id = e.complaint_id WHERE e.kind IN ('resolved', 'closed_unfounded')"
                      " AND e.at >= ? AND e.at < ? AND c.outcome != '' GROUP BY c.outcome", [s, e]):
        report.outcomes[r["outcome"]] = r["n"]
    report.reopened = db.execute("SELECT COUNT(DISTINCT complaint_id) FROM case_events WHERE kind = 'reopened'"
                                 " AND at >= ? AND at < ?", [s, e]).fetchone()[0]
    return report


# Timeline events that set a case's status (formsvc.case.cases, formsvc.duties.remote_follow,
# formsvc.case.county_transfer); a case with none yet was "new". ``back_here``: the status the case
# gets again when a transfer to another county ends without it staying there, as remote_follow and
# county_transfer.cancel set it (acknowledged if it was, else new), only if it had left.
STATUS_EVENTS = {"acknowledged": "acknowledged", "in_progress": "in_progress", "transferred": "transferred",
                 "resolved": "resolved", "closed_unfounded": "closed_unfounded",
                 "reopened": "in_progress",                         # the worker's "not paid": open again
                 "county_transfer_delivered": "transferred_out",    # the other county has it: not ours that night
                 "transferred_out": "transferred_out",              # before issue 24: sent (and closed) at once
                 "county_transfer_returned": "back_here",          # 不属本县管辖 there: ours again
                 "county_transfer_withdrawn": "back_here", "county_transfer_refused": "back_here",
                 "county_transfer_dead": "back_here", "transfer_out_withdrawn": "back_here"}
# Timeline events from which a case's deadlines count anew (``complaints.deadlines_from``).
CLOCK_EVENTS = ("reopened", "county_transfer_returned")


def _as_of(db, end: str):
    """A function giving a case's ``status``, ``assigned_at`` and ``deadlines_from`` as they were at
    ``end`` (UTC ISO), from the history views, so "overdue at the end of the day" is that night's
    snapshot however late the report is built: a case resolved later that week was still open,
    one transferred later was still waiting on its earlier assignee, one with another county that
    night (delivered there, given back or withdrawn since) was not this county's to be late on,
    one reopened since was still closed, and one reopened or given back before counted from then.

    A case with no status change since ``end`` keeps its row's status (the row is the truth
    when the timeline has nothing newer; it also covers rows written without events)."""
    marks = ", ".join("?" * len(STATUS_EVENTS))
    before: dict[int, str] = {}
    acked: set[int] = set()
    changed_since: set[int] = set()
    for r in db.query(f"SELECT complaint_id, at, kind FROM case_events WHERE kind IN ({marks})"
                      " ORDER BY at, seq", list(STATUS_EVENTS)):
        cid = r["complaint_id"]
        if r["at"] >= end:
            changed_since.add(cid)
            continue
        if r["kind"] == "acknowledged":
            acked.add(cid)
        status = STATUS_EVENTS[r["kind"]]
        if status == "back_here":  # only a case that had left comes back (the UPDATE ... WHERE status = 'transferred_out')
            if before.get(cid) == "transferred_out":
                before[cid] = "acknowledged" if cid in acked else "new"
        else:
            before[cid] = status
    assigned = {r["complaint_id"]: r["at"] for r in db.query(
        "SELECT complaint_id, MAX(decided_at) AS at FROM case_routing WHERE rule = 'transfer' AND decided_at < ?"
        " GROUP BY complaint_id", [end])}
    clocks = {r["complaint_id"]: r["at"] for r in db.query(
        f"SELECT complaint_id, MAX(at) AS at FROM case_events WHERE kind IN ({', '.join('?' * len(CLOCK_EVENTS))})"
        " AND at < ? GROUP BY complaint_id", [*CLOCK_EVENTS, end])}

    def state(case: dict) -> dict:
        c = dict(case)
        c["assigned_at"] = assigned.get(c["id"], c["created_at"])
        # reopened or given back before ``end``: its clocks restarted then (the row's value, or the
        # timeline's when the row has a later one or none, e.g. a reopen written before the column was set)
        row_since = c.get("deadlines_from") if c.get("deadlines_from") and c["deadlines_from"] < end else None
        since = max((v for v in (row_since, clocks.get(c["id"])) if v), default=None)
        c["deadlines_from"] = since
        if since:
            c["assigned_at"] = max(c["assigned_at"], since)
        if c["id"] in changed_since:
            c["status"] = before.get(c["id"], "new")
        return c

    return state


def render(report: Report, registry, *, sent_at: datetime | None = None,
           unsent: tuple[date, date] | None = None, zone_name: str = DEFAULT_ZONE) -> tuple[str, str]:
    """Subject and plain-text body of the email to the county desk.

    ``sent_at``: when the report goes out. A report sent after the day following its own (a
    catch-up after an outage) says so in one line, and what that means for its figures.
    ``unsent``: the first and last day of a gap longer than the catch-up (``MAX_CATCH_UP_DAYS``),
    named so the desk knows those days went unreported rather than that nothing happened."""
    d = report.day.isoformat()
    county = registry.county.name_zh
    head = "零报告" if report.zero else "日报"
    subject = f"【薪安通】{county}欠薪投诉{head} {d}"
    lines = [f"{registry.county.desk.name_zh}：", "",
             f"{county}根治欠薪一日一报（{d}，{zone_words(zone_name)}）。", ""]
    if sent_at is not None and local_day(sent_at, zone_name) > report.day + timedelta(days=1):
        lines += [f"补报：本报告于 {format_local(sent_at, zone_name)} 补发；"
                  "新投诉、受理、办结按当日记录统计，超期按案件记录还原到当日日终，镇街按补发时的承办单位归属。", ""]
    if unsent is not None:
        first, last = unsent
        n = (last - first).days + 1
        lines += [f"未报：{first.isoformat()} 至 {last.isoformat()} 共 {n} 天未发日报，超出补报期限，不再补发"
                  "（不是零报告：这些天无人报告）。", ""]
    if report.zero:
        lines += ["零报告：当日全县无新投诉、无受理、无超期、无办结。", ""]
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
    if report.outcomes:
        lines += ["", "当日办理结果（按案件目前的结果）：" + "；".join(
            f"{outcome_label(k) or k} {n} 件" for k, n in sorted(report.outcomes.items(), key=lambda kv: -kv[1]))]
    if report.reopened:
        lines.append(f"工人回复“没有拿到/不满意”而重新打开：{report.reopened} 件（退回首问负责单位继续办理）")
    if report.by_source:
        lines += ["", "新投诉来源：" + "；".join(f"{sources.label(code)} {n} 件" for code, n in sorted(
            report.by_source.items(), key=lambda kv: list(sources.SOURCES).index(kv[0])
            if kv[0] in sources.SOURCES else len(sources.SOURCES)))]
    lines += ["", "超期：超过受理时限未确认受理，或超过办结时限未解决的在办案件（日终时点；重新办理或外县退回的案件，"
              "时限自重新办理之日或退回之日起算；当晚在外县办理的案件不计入本县）。"]
    return subject, "\n".join(lines) + "\n"


def send(db: sqlite_utils.Database, registry, config, day: date, now: datetime,
         unsent: tuple[date, date] | None = None) -> bool:
    """Build, record and queue the report for ``day``; False when that day was already sent.
    ``unsent`` names days that will never be reported (see ``render``)."""
    if list(db.query("SELECT 1 FROM daily_reports WHERE day = ?", [day.isoformat()])):
        return False
    subject, body = render(build(db, registry, config, day), registry, sent_at=now, unsent=unsent,
                           zone_name=config.timezone)
    with write_transaction(db):
        cur = db.conn.execute("INSERT INTO daily_reports (day, created_at, body) VALUES (?, ?, ?)"
                              " ON CONFLICT(day) DO NOTHING", (day.isoformat(), iso(now), body))
        if cur.rowcount != 1:
            return False
        outbox.enqueue(db, kind="daily_report", channel="email", recipient=registry.county.desk.email,
                       subject=subject, body=body, dedupe_key=f"daily-report:{day.isoformat()}")
    return True


def due_day(now: datetime, send_hour: int = 8, zone_name: str = DEFAULT_ZONE) -> date | None:
    """The day whose report is due at ``now``: yesterday's, once it is past 08:00 in the county."""
    local = now.astimezone(zone(zone_name))
    if local.hour < send_hour:
        return None
    return local.date() - timedelta(days=1)


MAX_CATCH_UP_DAYS = 14
"""How many missed days one catch-up sends, at most (the most recent ones).

Enough to bridge a long holiday outage (the Spring Festival week) with room to spare, few enough
that the desk's inbox is not flooded and a late report is still worth reading. An outage longer
than this is an incident a person must explain; the older missed days are not sent, but are
named ("未报 ... 不补发") in the first catch-up report, the one for the oldest day sent, and in
the scheduler's output (the worker's log), so they read as unreported, not as quiet."""


def _last_due_day(now: datetime, send_hour: int, zone_name: str = DEFAULT_ZONE) -> date:
    """The newest day whose report time has passed: yesterday after ``send_hour``, else the day
    before (its report was due yesterday morning, so a catch-up need not wait for 08:00)."""
    local = now.astimezone(zone(zone_name))
    return local.date() - timedelta(days=1 if local.hour >= send_hour else 2)


def _plan(db, now: datetime, send_hour: int, max_days: int,
          zone_name: str = DEFAULT_ZONE) -> tuple[list[date], tuple[date, date] | None]:
    """The days to send now (oldest first) and the gap beyond the cap, if any (see ``due_days``)."""
    if max_days < 1:
        raise ValueError("max_days must be at least 1")
    oldest = db.execute("SELECT MIN(day) FROM daily_reports").fetchone()[0]
    if oldest is None:  # never sent: a fresh install starts with yesterday, no backlog
        day = due_day(now, send_hour, zone_name)
        return ([day] if day is not None else []), None
    last = _last_due_day(now, send_hour, zone_name)
    window_start = last - timedelta(days=max_days - 1)
    lo = max(window_start, date.fromisoformat(oldest) + timedelta(days=1))
    sent = {date.fromisoformat(r["day"]) for r in db.query(
        "SELECT day FROM daily_reports WHERE day >= ? AND day <= ?", [lo.isoformat(), last.isoformat()])}
    days = [lo + timedelta(days=i) for i in range((last - lo).days + 1)]
    days = [d for d in days if d not in sent]
    unsent = None
    if days and days[0] == window_start:
        newest_before = db.execute("SELECT MAX(day) FROM daily_reports WHERE day < ?",
                                   [window_start.isoformat()]).fetchone()[0]
        first = date.fromisoformat(newest_before) + timedelta(days=1)
        if first < window_start:
            unsent = (first, window_start - timedelta(days=1))
    return days, unsent


def due_days(db: sqlite_utils.Database, now: datetime, send_hour: int = 8,
             max_days: int = MAX_CATCH_UP_DAYS) -> list[date]:
    """Every Asia/Shanghai day whose report is due at ``now`` and not yet in ``daily_reports``,
    oldest first, so a worker that was down for days catches up (the county needs a report for
    every day: a missing day reads as "nobody reported", unlike a 零报告).

    The days run from the day after the first report ever sent up to the newest day whose report
    time has passed (``due_day(now)`` after ``send_hour``), and only within the last
    ``max_days`` of those (``MAX_CATCH_UP_DAYS``): a gap after the newest report is caught up, and
    so is a hole left by sending a later day by hand. A database that never sent a report gets
    only ``due_day(now)``: a fresh install must not send a backlog."""
    return _plan(db, now, send_hour, max_days)[0]


def send_due(db: sqlite_utils.Database, registry, config, now: datetime, send_hour: int = 8,
             max_days: int = MAX_CATCH_UP_DAYS) -> list[str]:
    """Send every due day's report (``due_days``), oldest first, each once (``send`` refuses a
    day already sent, so a re-run or a second worker sends nothing twice); a line per report sent,
    and one naming the days beyond the cap, which the oldest report sent also names."""
    days, unsent = _plan(db, now, send_hour, max_days, config.timezone)
    lines = []
    for day in days:
        gap = unsent if day == days[0] else None
        if send(db, registry, config, day, now, unsent=gap):
            lines.append(f"daily report {day.isoformat()} sent")
            if gap is not None:
                n = (gap[1] - gap[0]).days + 1
                lines.append(f"daily report {gap[0].isoformat()}..{gap[1].isoformat()} ({n} days) not sent:"
                             f" beyond the {max_days}-day catch-up; named in the {day.isoformat()} report")
    return lines
