"""Periodic duties run by the notice worker's loop or by a systemd timer: escalation,
reminders and the daily report. Each is idempotent, so running it twice is harmless."""

from __future__ import annotations

from datetime import datetime


def tick(db, registry, config, now: datetime) -> list[str]:
    """Run every periodic duty that is due at ``now``; return a line per action taken."""
    return []
