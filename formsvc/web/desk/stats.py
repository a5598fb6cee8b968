"""Figures for the dashboard, from the cases a user may see. Plain functions of rows and ``now``."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from formsvc.duties.daily_report import OTHER, SHANGHAI, case_township
from formsvc.case.sources import SOURCES, label
from formsvc.duties.escalation import is_overdue

WEEKS = 8


def week_start(dt: datetime):
    """Monday of the Asia/Shanghai week containing ``dt``."""
    d = dt.astimezone(SHANGHAI).date()
    return d - timedelta(days=d.weekday())


def township_name(registry, code: str) -> str:
    return registry.townships[code].name_zh if code in registry.townships else "县级/未定"


def dashboard(rows: list[dict], registry, config, now: datetime) -> dict:
    """Per-week counts by township (last ``WEEKS`` weeks), median hours to acknowledge and
    amount recovered per township, and a per-township table."""
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
        if r["acknowledged_at"]:
            ack_hours[code].append((datetime.fromisoformat(r["acknowledged_at"]) - created).total_seconds() / 3600)
        t = table[code]
        t["total"] += 1
        t["open"] += r["status"] not in ("resolved", "closed_unfounded")
        t["overdue"] += is_overdue(r, config.ack_hours, config.resolve_days, now)
        if r["status"] == "resolved":
            t["resolved"] += 1
            t["workers_paid"] += r["workers_paid"]
            t["recovered"] += r["amount_recovered_yuan"]
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
