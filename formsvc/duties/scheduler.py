"""Periodic duties run by the notice worker's loop or by a systemd timer: escalation,
reminders, the daily report and the retention of personal data. Each is idempotent, so
running it twice is harmless.

``tick`` takes ``now`` from its caller (the loop passes the wall clock, tests a fixed one), so
nothing in here reads the clock itself.
"""

from __future__ import annotations

from datetime import datetime

from formsvc.case import held_uploads
from formsvc.officers import roster

from . import daily_report, dead_notices, escalation, evidence_fetch, provincial, remote_follow, retention, worker_sms


def tick(db, registry, config, now: datetime) -> list[str]:
    """Run every periodic duty that is due at ``now``; return a line per action taken.

    Escalation and reminders every time; then every daily report that is due and not yet sent
    (Asia/Shanghai days, yesterday's once it is past 08:00 there), oldest first, so days missed
    while the worker was down are caught up (``daily_report.due_days``, capped at
    ``daily_report.MAX_CATCH_UP_DAYS``). Each day is sent once however often this runs.

    Last, the personal data of closed cases past ``PERSONAL_DATA_RETENTION_DAYS``
    (``retention.redact_due``), after the duties that tell people things; every minute, because
    on an ordinary minute it is one index seek that finds nothing (and no query at all while the
    period is 0).
    """
    lines = escalation.run(db, registry, config, now)
    lines += remote_follow.settle(db, registry, config, now)  # transfers delivered/refused: before the SMS duty
    lines += worker_sms.queue_due(db, registry, config, now)  # the worker's SMS for each public step
    lines += dead_notices.alert_desk(db, registry, config, now)
    lines += daily_report.send_due(db, registry, config, now)
    lines += remote_follow.follow(db, config, now)  # cases sent to other counties (Open311 GET)
    lines += evidence_fetch.fetch_due(db, config, now)  # also every round (every_round); here for `escalate`
    lines += provincial.report_changes(db, registry, config, now)  # off unless PROVINCIAL_OPEN311_URL is set
    lines += roster.return_ended(db, registry, now)  # a stand-in's window over: open cases back to the officer
    lines += retention.redact_due(db, config, now)
    # Files held for a form that came back with errors and was never sent again (6 hours).
    if held_uploads.sweep(config.upload_dir, now.timestamp()):
        lines.append("held uploads past their age deleted")
    return lines


def every_round(db, registry, config, now: datetime) -> list[str]:
    """What the worker loop runs every round (every few seconds), not once a minute: what a person
    waits for right now. A partner's evidence files, fetched as soon as the case arrives (issue 24);
    a transfer's delivery told (the worker's SMS "已转交" with their receipt there). Each is one
    index seek that finds nothing on an ordinary round."""
    lines = evidence_fetch.fetch_due(db, config, now)
    settled = remote_follow.settle(db, registry, config, now)
    if settled:
        lines += settled + worker_sms.queue_due(db, registry, config, now)
    return lines
