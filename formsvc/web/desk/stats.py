"""Figures for the dashboard, from the cases a user may see. Plain functions of rows and ``now``."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from formsvc.duties.daily_report import OTHER, SHANGHAI, case_township
from formsvc.case import cases, money
from formsvc.case.sources import SOURCES, label
from formsvc.duties.escalation import is_overdue

WEEKS = 8


def week_start(dt: datetime):
    """Monday of the Asia/Shanghai week containing ``dt``."""
    d = dt.astimezone(SHANGHAI).date()
    return d - timedelta(days=d.weekday())


def township_name(registry, code: str) -> str:
    return registry.townships[code].name_zh if code in registry.townships else "县级/未定"


def _responsible_township(r: dict, registry) -> str:
    """The township that took the case (首问负责: ``responsible_*``), as the ranking counts it."""
    if r["responsible_kind"] == "township" and r["responsible_code"] in registry.townships:
        return r["responsible_code"]
    return OTHER


def dashboard(rows: list[dict], registry, config, now: datetime, acks: dict | None = None) -> dict:
    """Per-week counts by township (last ``WEEKS`` weeks), median hours to acknowledge and
    amount recovered per township, and a per-township table.

    Counts and overdue go to the township that must act now (``case_township``). Money and
    resolutions go to the township that took the case (``responsible_*``, as the ranking does),
    whatever the case's status now: a case reopened after 8,000 yuan was paid still counts 8,000
    (``money.recovered_here``). Hours to acknowledge go to the township that acknowledged
    (``acks``: ``story.acknowledgements``), from when it got the case."""
    acks = acks or {}
    first = week_start(now) - timedelta(weeks=WEEKS - 1)
    weeks = [first + timedelta(weeks=i) for i in range(WEEKS)]
    order = [*registry.townships, OTHER]
    weekly = {code: [0] * WEEKS for code in order}
    ack_hours: dict[str, list[float]] = {code: [] for code in order}
    table = {code: {"total": 0, "open": 0, "overdue": 0, "resolved": 0, "workers_paid": 0, "recovered": 0}
             for code in order}
    for r in rows:
        code = case_township(r, registry)
        created = datetime.fromisoformat(r["created_at"])
        i = (week_start(created) - first).days // 7
        if 0 <= i < WEEKS:
            weekly[code][i] += 1
        for kind, unit, hours in acks.get(r["id"], ()):
            ack_hours[unit if kind == "township" and unit in ack_hours else OTHER].append(hours)
        t = table[code]
        t["total"] += 1
        t["open"] += r["status"] not in cases.CLOSED_STATUSES  # a case delivered to another county is theirs
        t["overdue"] += is_overdue(r, config.ack_hours, config.resolve_days, now)
        took = table[_responsible_township(r, registry)]
        if r["status"] == "resolved":
            took["resolved"] += 1
        if money.recovered_here(r):
            took["workers_paid"] += r["workers_paid"] or 0
            took["recovered"] += money.recovered_here(r)
    for code, t in table.items():
        t["median_ack_hours"] = statistics.median(ack_hours[code]) if ack_hours[code] else None
    shown = [c for c in order if table[c]["total"] or c in registry.townships]
    by_source = {code: 0 for code in SOURCES}
    for r in rows:
        by_source[r.get("source") or "web"] = by_source.get(r.get("source") or "web", 0) + 1
    return {
        "week_labels": [w.strftime("%m-%d") for w in weeks],
        "weekly": {township_name(registry, c): weekly[c] for c in shown if any(weekly[c])},
        "median_ack": [(township_name(registry, c), round(table[c]["median_ack_hours"], 1)) for c in shown
                       if table[c]["median_ack_hours"] is not None],
        "recovered": [(township_name(registry, c), table[c]["recovered"]) for c in shown if table[c]["recovered"]],
        "table": [(township_name(registry, c), table[c]) for c in shown],
        "by_source": [(code, label(code), n) for code, n in by_source.items() if n],
    }
