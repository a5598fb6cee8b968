"""Periodic duties run by the notice worker's loop or by a systemd timer: escalation,
reminders and the daily report. Each is idempotent, so running it twice is harmless.

``tick`` takes ``now`` from its caller (the loop passes the wall clock, tests a fixed one), so
nothing in here reads the clock itself.
"""

from __future__ import annotations

from datetime import datetime

from . import daily_report, escalation


def tick(db, registry, config, now: datetime) -> list[str]:
    """Run every periodic duty that is due at ``now``; return a line per action taken.

    Escalation and reminders every time; the daily report for yesterday (Asia/Shanghai) once
    it is past 08:00 there, and only if that day has not been sent yet.
    """
    lines = escalation.run(db, registry, config, now)
    day = daily_report.due_day(now)
    if day is not None and daily_report.send(db, registry, config, day, now):
        lines.append(f"daily report {day.isoformat()} sent")
    return lines
