"""评价排名 (seed 003: townships ranked by how workers rate them): one row per township for a period.

Computed from the cases themselves, never stored: the cases filed in the period whose
responsible body (首问负责) is the township. Per township: how many, the median hours from when
it got a case to its own acknowledgement (``story.acknowledgements``: never another township's),
the median days to resolve (over the cases that got there), how many are overdue at the
period's end (``escalation.is_overdue``, the rule the case list and the daily report use), the
money recovered (``money.recovered_here``, as the dashboard counts it), the share of workers'
answers that say "satisfied", and the share of cases with an outcome that a worker's answer
reopened.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from wagesafe.localtime import zone

from formsvc.case import money, story
from formsvc.case.cases import ASSIGNED_AT_SQL
from formsvc.duties.escalation import is_overdue
from formsvc.storage.store import iso

COLUMNS = {  # sort key → (header, attribute); lower is better for the times and overdue
    "name": ("镇街", "name"), "cases": ("案件", "cases"), "ack": ("受理中位（时）", "median_ack_hours"),
    "resolve": ("办结中位（天）", "median_resolve_days"), "overdue": ("超期", "overdue"),
    "recovered": ("追回（元）", "recovered_yuan"), "satisfied": ("满意率", "share_satisfied"),
    "reopened": ("重开率", "share_reopened"), "answers": ("评价数", "answers"),
}


@dataclass
class Row:
    code: str
    name: str
    cases: int = 0
    median_ack_hours: float | None = None
    median_resolve_days: float | None = None
    overdue: int = 0
    recovered_yuan: int = 0
    answers: int = 0
    share_satisfied: float | None = None
    share_reopened: float | None = None
    ratings: tuple[int, int, int] = (0, 0, 0)  # answers 满意, 基本满意, 不满意: what 满意率 counts, said beside it

    @property
    def ratings_words(self) -> str:
        """满意 0 · 基本满意 1 · 不满意 0: the answers behind 满意率 (which counts only 满意), so a 0% after
        one 基本满意 reads as what it is."""
        return " · ".join(f"{label} {n}" for label, n in zip(("满意", "基本满意", "不满意"), self.ratings))


def period_bounds(start: date, end: date, zone_name: str) -> tuple[datetime, datetime]:
    """Local days ``start``..``end`` (both included) as a UTC half-open range."""
    tz = zone(zone_name)
    return (datetime.combine(start, time(), tz), datetime.combine(end + timedelta(days=1), time(), tz))


def _hours(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 3600


def compute(db, registry, config, start: date, end: date, now: datetime) -> list[Row]:
    """The ranking rows, one per township of the registry (a township with no case shows zeros)."""
    lo, hi = period_bounds(start, end, config.timezone)
    at = min(now, hi)
    rows = {code: Row(code, t.name_zh) for code, t in registry.townships.items()}
    cases = list(db.query(
        f"SELECT c.*, {ASSIGNED_AT_SQL.format(a='c')} AS assigned_at,"
        " (SELECT COUNT(*) FROM worker_answers w WHERE w.complaint_id = c.id) AS n_answers,"
        " (SELECT COUNT(*) FROM worker_answers w WHERE w.complaint_id = c.id AND w.rating = 'satisfied') AS n_satisfied,"
        " (SELECT COUNT(*) FROM worker_answers w WHERE w.complaint_id = c.id AND w.rating = 'partly') AS n_partly,"
        " (SELECT COUNT(*) FROM worker_answers w WHERE w.complaint_id = c.id AND w.rating = 'not_satisfied')"
        " AS n_not_satisfied,"
        " (SELECT COUNT(*) FROM worker_answers w WHERE w.complaint_id = c.id AND w.reopened = 1) AS n_reopened"
        " FROM complaints c WHERE c.responsible_kind = 'township' AND c.created_at >= ? AND c.created_at < ?",
        [iso(lo), iso(hi)]))
    per: dict[str, list[dict]] = {}
    for c in cases:
        if c["responsible_code"] in rows:
            per.setdefault(c["responsible_code"], []).append(c)
    acked = story.acknowledgements(db, [c["id"] for c in cases])
    for code, group in per.items():
        r = rows[code]
        r.cases = len(group)
        # hours from when this township got the case to its own acknowledgement (story.acknowledgements)
        acks = [hours for c in group for kind, unit, hours in acked.get(c["id"], ()) if (kind, unit) == ("township", code)]
        done = [_hours(c["created_at"], c["resolved_at"]) / 24 for c in group if c["resolved_at"]]
        r.median_ack_hours = round(median(acks), 1) if acks else None
        r.median_resolve_days = round(median(done), 1) if done else None
        r.overdue = sum(1 for c in group if is_overdue(c, config.ack_hours, config.resolve_days, at))
        r.recovered_yuan = sum(money.recovered_here(c) for c in group)  # as the dashboard counts it
        # a worker's answer on a case another county closed rates that county, not this township
        rated = [c for c in group if c["status"] != "transferred_out"]
        r.answers = sum(c["n_answers"] for c in rated)
        r.share_satisfied = sum(c["n_satisfied"] for c in rated) / r.answers if r.answers else None
        r.ratings = tuple(sum(c[k] for c in rated) for k in ("n_satisfied", "n_partly", "n_not_satisfied"))
        had_outcome = [c for c in group if c["resolved_at"] or c["reopened_at"]]
        reopened = [c for c in had_outcome if c["n_reopened"]]
        r.share_reopened = len(reopened) / len(had_outcome) if had_outcome else None
    return list(rows.values())


def sort(rows: list[Row], key: str, descending: bool) -> list[Row]:
    """Sorted by a column of ``COLUMNS``; a township without a figure goes last either way."""
    attr = COLUMNS.get(key, COLUMNS["satisfied"])[1]
    present = [r for r in rows if getattr(r, attr) is not None]
    missing = [r for r in rows if getattr(r, attr) is None]
    present.sort(key=lambda r: (getattr(r, attr), r.code), reverse=descending)
    return present + missing


def percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f}%"


def to_csv(rows: list[Row], start: date, end: date) -> str:
    """CSV (UTF-8 with BOM for Excel/WPS): the period's local dates, then one line per township."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow(["期间 period", f"{start.isoformat()}..{end.isoformat()}"])
    w.writerow(["镇街代码 code"] + [h for h, _ in COLUMNS.values()] + ["评价明细"])
    for r in rows:
        w.writerow([r.code, r.name, r.cases, "" if r.median_ack_hours is None else r.median_ack_hours,
                    "" if r.median_resolve_days is None else r.median_resolve_days, r.overdue, r.recovered_yuan,
                    percent(r.share_satisfied), percent(r.share_reopened), r.answers,
                    r.ratings_words if r.answers else ""])
    return out.getvalue()
