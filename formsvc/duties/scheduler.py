"""Periodic duties run by the notice worker's loop or by a systemd timer: escalation,
reminders, the daily report and the retention of personal data. Each is idempotent, so
running it twice is harmless.

``tick`` takes ``now`` from its caller (the loop passes the wall clock, tests a fixed one), so
nothing in here reads the clock itself.
"""

from __future__ import annotations

import logging
from datetime import datetime

from formsvc.case import held_uploads
from formsvc.officers import roster
from formsvc.storage import ops_marks
from formsvc.storage.store import write_transaction

from . import daily_report, dead_notices, escalation, evidence_fetch, provincial, remote_follow, retention, worker_sms

log = logging.getLogger("wagesafe.duties")


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

    A duty that fails does not stop the others: each runs, each one's run is recorded for the
    operator (``ops_marks``: ``/metrics`` shows every duty's last run and last success), and the
    first failure is raised afterwards, so the caller still hears of it.
    """
    lines: list[str] = []
    runs: list[tuple[str, bool, str]] = []
    failures: list[Exception] = []

    def run(name: str, duty, *args) -> None:
        try:
            lines.extend(duty(*args) or [])
        except Exception as e:  # noqa: BLE001 - recorded, logged and raised again below
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            log.exception("duty %s failed; it runs again next minute", name)
            runs.append((name, False, f"failed: {type(e).__name__}"))
            failures.append(e)
        else:
            runs.append((name, True, ""))

    run("escalation", escalation.run, db, registry, config, now)
    run("transfers_settled", remote_follow.settle, db, registry, config, now)  # delivered/refused: before the SMS
    run("worker_sms", worker_sms.queue_due, db, registry, config, now)  # the worker's SMS for each public step
    run("dead_notices", dead_notices.alert_desk, db, registry, config, now)
    run("daily_report", daily_report.send_due, db, registry, config, now)
    run("remote_follow", remote_follow.follow, db, config, now)  # cases sent to other counties (Open311 GET)
    run("evidence_fetch", evidence_fetch.fetch_due, db, config, now)  # also every round; here for `escalate`
    run("provincial", provincial.report_changes, db, registry, config, now)  # off unless PROVINCIAL_OPEN311_URL
    run("roster", roster.return_ended, db, registry, now)  # a stand-in's window over: cases back to the officer
    run("retention", retention.redact_due, db, config, now)
    # Files held for a form that came back with errors and was never sent again (6 hours).
    run("held_uploads", _sweep_held_uploads, config, now)
    _record(db, now, runs)
    if failures:
        raise failures[0]
    return lines


def _sweep_held_uploads(config, now: datetime) -> list[str]:
    return ["held uploads past their age deleted"] if held_uploads.sweep(config.upload_dir, now.timestamp()) else []


def _record(db, now: datetime, runs: list[tuple[str, bool, str]]) -> None:
    """Each duty's run into ``ops_marks``, in one short transaction; never in the duties' way."""
    try:
        with write_transaction(db):
            for name, ok, detail in runs:
                ops_marks.mark(db, ops_marks.duty(name), now, ok=ok, detail=detail, in_transaction=True)
    except Exception:  # noqa: BLE001 - a busy database: the next minute records again
        log.warning("could not record the duties' last run; next minute will")


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
