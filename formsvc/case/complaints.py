"""Submitting a complaint: one transaction that stores everything, or nothing.

In one ``store.write_transaction`` (``BEGIN IMMEDIATE``): the complaint row with its routing
decision and the reason (the ``route_*`` columns; the views ``case_routing`` and ``case_events``
show it as the case's first decision and its "submitted" / "routed" timeline entries), the
evidence rows, the rate-limit events, and the officer's notices in the outbox. A crash at any
point leaves either all of it or none of it, so there is never a complaint nobody was told about.

Double taps: the form carries a ``submission_token`` (``new_submission_token``) and the column is UNIQUE. The
second INSERT with the same token fails on the constraint (no read-then-write race between
gunicorn workers), the transaction is rolled back, and the first complaint's receipt is
returned. Receipt collisions (1 in 2^40 per pair) are retried the same way.

Evidence files are staged (written and fsync'd) by the caller before this runs; they are
published only after COMMIT and deleted on any failure.

Submissions take turns (``write_turns.writer_turn``), so none waits in SQLite's busy sleeps;
the caller checkpoints the WAL outside those turns (``write_turns.checkpoint_now_and_then``).
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import time
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from wagesafe.registry import Registry

from . import evidence, ratelimit, receipts, routing, sources, surge

log = logging.getLogger("wagesafe.case")  # case numbers and routing only, never the worker's data (manual/operator.md)
from formsvc.notify import notices, outbox, team_notices
from formsvc.officers import roster
from formsvc.storage.store import iso, utcnow, write_transaction
from formsvc.storage.write_turns import writer_turn

RECEIPT_ATTEMPTS = 5


def new_submission_token() -> str:
    """The idempotency key of one rendered form: the time in milliseconds (12 hex digits), then 96
    random bits. Unique without coordination, like a purely random token, but tokens of forms
    rendered close in time sort together, so each INSERT lands near the right edge of the UNIQUE
    index, in pages still in the cache, instead of in a random leaf that a busy server must read
    back for every complaint. It is not a secret (the worker's own form carries it)."""
    return f"{time.time_ns() // 1_000_000:012x}-{secrets.token_urlsafe(12)}"


@dataclass(frozen=True)
class ComplaintInput:
    """A complaint as the form validated it (plain values, no Flask)."""

    submission_token: str
    lang: str = "zh"
    project_code: str | None = None
    site_address: str = ""
    chosen_township: str | None = None
    anonymous: bool = False
    name: str = ""
    mobile: str = ""
    owed_by_kind: str = "unknown"
    owed_by_name: str = ""
    trade: str = ""
    workers: int = 1
    amount_yuan: int = 0
    months_owed: int = 0
    description: str = ""
    callback_time: str = ""
    consent: bool = False
    # The channel (formsvc.case.sources; empty: the web form's, from project_code) and its own
    # number for the lead (a national-platform clue number, a partner's request id), unique per source.
    source: str = ""
    source_ref: str | None = None
    # The worker agreed to SMS updates on this case (never for an anonymous tip or without a mobile).
    sms_consent: bool = False
    # The officer who entered a lead on the desk (their email); empty for the worker's own form.
    entered_by: str = ""


@dataclass(frozen=True)
class SubmitResult:
    complaint_id: int
    receipt: str
    created: bool  # False: the same submission token was seen before; nothing new was stored
    decision: routing.RoutingDecision | None = None


class DuplicateSubmission(Exception):
    pass


class DuplicateSourceRef(Exception):
    """The channel's own number for this lead (``source_ref``) is already on a case."""


def _existing(db, token: str) -> SubmitResult:
    row = db.conn.execute("SELECT id, receipt FROM complaints WHERE submission_token = ?", (token,)).fetchone()
    return SubmitResult(complaint_id=row[0], receipt=row[1], created=False)


def _insert_complaint(db, row: dict) -> tuple[int, str]:
    """INSERT with a fresh receipt, retrying on a receipt collision; a token collision raises DuplicateSubmission."""
    columns = ", ".join(row) + ", receipt"
    marks = ", ".join("?" for _ in row) + ", ?"
    for _ in range(RECEIPT_ATTEMPTS):
        receipt = receipts.new_receipt()
        try:
            cur = db.conn.execute(f"INSERT INTO complaints ({columns}) VALUES ({marks})", (*row.values(), receipt))
            return cur.lastrowid, receipt
        except sqlite3.IntegrityError as e:
            if "submission_token" in str(e):
                raise DuplicateSubmission() from e
            if "source_ref" in str(e):
                raise DuplicateSourceRef() from e
            if "receipt" not in str(e):
                raise
    raise RuntimeError("could not draw an unused receipt number")


def submit(db, registry: Registry, config, data: ComplaintInput, staged: list[evidence.StagedFile], *,
           ip: str, now: datetime | None = None, rate_limited: bool = True, device: str = "",
           session_token: str = "", ip_limit: tuple[int, timedelta] | None = None, sent_by: str = "",
           incoming_files: int = 0) -> SubmitResult:
    """Store a complaint with its routing, evidence, events and notices in one transaction.

    :param staged: evidence already written to ``.part`` files; published after COMMIT, deleted otherwise.
    :param rate_limited: False for a lead an officer enters on the desk (signed in, audited): the
        public form's limits (and the surge and per-mobile alerts) are for anonymous visitors, not the desk.
    :param device: the browser's long-lived device cookie, ``session_token``: its session's CSRF secret
        (each limited per hour, see ``ratelimit``); empty when the caller has none.
    :param ip_limit: ``(limit, window)`` for ``ip`` instead of RATE_LIMIT_IP_PER_10_MINUTES (an API key's own).
    :param sent_by: the county that sent the case (a partner's POST), named in the officers' email.
    :param incoming_files: files that county's request names, fetched after COMMIT
        (``formsvc.duties.evidence_fetch``): the email says they are on their way, not "0 files".
    :raises ratelimit.RateLimited: the address, device or session has reached its limit (nothing is stored).
    :returns: ``created=False`` and the first case when the submission token, or the channel's own
        number (``source_ref``, per ``source``), was seen before: nothing new is stored.
    """
    now = now or utcnow()
    at = iso(now)
    rostered: dict = {}  # the roster entries routing asked about: the one it used names the case's stand-in

    def stand_in(code: str):
        rostered[code] = roster.stand_in_at(db, code, now)
        return rostered[code]

    decision = routing.route(registry, routing.Thresholds.from_config(config), project_code=data.project_code,
                             township_code=data.chosen_township, workers=data.workers, amount_yuan=data.amount_yuan,
                             stand_in=stand_in, source=data.source or sources.web_source(data.project_code))
    entry = rostered.get(decision.target_code) if decision.target_kind == "township" else None
    if entry is not None and decision.recipient != entry.person:
        entry = None
    row = {f.name: getattr(data, f.name) for f in fields(data)}  # shallow: asdict deep-copies
    row.update(created_at=at, anonymous=int(data.anonymous), consent=int(data.consent), urgent=int(decision.urgent),
               status="new", assignee_kind=decision.target_kind, assignee_code=decision.target_code,
               responsible_kind=decision.target_kind, responsible_code=decision.target_code,
               route_rule=decision.rule, route_target_kind=decision.target_kind,
               route_target_code=decision.target_code, route_recipient=decision.recipient.name,
               route_reason=decision.reason, urgent_reason=decision.urgent_reason if decision.urgent else "",
               source=data.source or sources.web_source(data.project_code), source_ref=data.source_ref or None,
               sms_consent=int(data.sms_consent and not data.anonymous and bool(data.mobile)),
               stand_in_entry=entry.id if entry is not None else None)
    try:
        with writer_turn(config.database), write_transaction(db):
            try:
                complaint_id, receipt = _insert_complaint(db, row)
            except DuplicateSubmission:
                result = _existing(db, data.submission_token)
                raise _Rollback(result) from None
            except DuplicateSourceRef:
                result = find_by_source_ref(db, row["source"], row["source_ref"])
                raise _Rollback(result) from None
            # Another channel (no web client, no address) is not counted per address: "" would be one bucket.
            per_ip, window = ip_limit or (config.rate_limit_ip_per_10_minutes, ratelimit.IP_WINDOW)
            limits = [(ratelimit.ip_key(ip), per_ip, window)] if ip else []
            for key, value in ((ratelimit.device_key, device), (ratelimit.session_key, session_token)):
                if value:
                    limits.append((key(value), config.rate_limit_device_per_hour, ratelimit.HOUR))
            if rate_limited:
                ratelimit.take_all(db, limits, now)
                surge.after_complaint(db, registry, config, mobile=data.mobile, receipt=receipt, now=now)
            if sent_by:  # another county sent it: the desk's timeline starts with that county (story.officer_timeline)
                db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public)"
                                " VALUES (?, ?, 'system', 'county_transfer_received', ?, 1)",
                                (complaint_id, at, json.dumps({"county_name": sent_by}, ensure_ascii=False)))
            if entry is not None:  # access follows this decision (formsvc.officers.roster), shown in the timeline
                db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public)"
                                " VALUES (?, ?, 'system', 'stand_in_assigned', ?, 0)",
                                (complaint_id, at, f"按值班表由{entry.person.name}代岗受理"
                                 f"（{entry.reason}）" if entry.reason else f"按值班表由{entry.person.name}代岗受理"))
            if staged:
                db.conn.executemany(
                    "INSERT INTO evidence (complaint_id, stored_name, original_name, mime, size, sha256, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(complaint_id, f.stored_name, f.original_name, f.mime, f.size, f.sha256, at) for f in staged])
            stored = dict(row, id=complaint_id, receipt=receipt, evidence_count=len(staged), sent_by=sent_by,
                          incoming_files=incoming_files)
            queued = notices.new_case_notices(stored, decision, registry, config.public_base_url,
                                              config.officer_notice_personal)
            queued += team_notices.new_case_team_notices(stored, registry.project(data.project_code or ""), registry,
                                                         config)
            # A case another county sent here: the worker complained there, and that county's SMS
            # "已转送…（对方回执号…）" carries our receipt number; a second "已收到" would be a second story.
            receipt_sms = (None if stored["source"] == "partner"
                           else notices.worker_sms("worker_receipt", stored, config.public_base_url))
            outbox.enqueue_all(db, queued + ([receipt_sms] if receipt_sms else []), complaint_id=complaint_id, now=at)
    except _Rollback as done:
        evidence.discard(staged)
        return done.result
    except BaseException:
        evidence.discard(staged)
        raise
    evidence.publish(staged)
    log.info("case %s stored (%s, %s %s)", complaint_id, stored["source"], decision.target_kind, decision.target_code)
    return SubmitResult(complaint_id=complaint_id, receipt=receipt, created=True, decision=decision)


class _Rollback(Exception):
    """Leave the transaction without storing anything, carrying the answer out."""

    def __init__(self, result: SubmitResult):
        super().__init__()
        self.result = result


def find_by_source_ref(db, source: str, source_ref: str) -> SubmitResult | None:
    """The case a channel's own number (a national-platform clue number, a partner's request id)
    already made, as a ``SubmitResult`` with ``created=False``; ``None`` if there is none."""
    row = db.conn.execute("SELECT id, receipt FROM complaints WHERE source = ? AND source_ref = ?",
                          (source, source_ref)).fetchone()
    return SubmitResult(complaint_id=row[0], receipt=row[1], created=False) if row else None


def find_for_status(db, receipt: str, mobile: str) -> dict | None:
    """The complaint a worker may see: the receipt and the mobile must both match; an anonymous
    tip without a mobile matches on the receipt alone. Returns ``None`` for any mismatch, so the
    page cannot tell which of the two was wrong.

    A case whose personal data was deleted (``formsvc.duties.retention``) is not found at all, whoever
    asks: its mobile is gone, so nothing can show that the asker is the worker, and a receipt
    alone (seen on a borrowed phone, a screenshot) must not open a named worker's timeline as if
    it were an anonymous tip. The same holds for a named complaint whose mobile is already blank
    while its redaction is being finished."""
    row = db.conn.execute("SELECT id, receipt, created_at, status, mobile, anonymous, assignee_kind, assignee_code,"
                          " redacted_at FROM complaints WHERE receipt = ?", (receipt,)).fetchone()
    if row is None:
        return None
    cid, receipt, created_at, status, stored_mobile, anonymous, assignee_kind, assignee_code, redacted_at = row
    if redacted_at is not None or (not anonymous and not stored_mobile):
        return None
    if stored_mobile != (mobile or ""):
        return None
    # the detail is read to name a place or an outcome in words (formsvc.case.story), never shown raw
    events = [dict(kind=k, at=a, detail=d) for k, a, d in db.conn.execute(
        "SELECT kind, at, detail FROM case_events WHERE complaint_id = ? AND public = 1 ORDER BY at, seq", (cid,))]
    return dict(id=cid, receipt=receipt, created_at=created_at, status=status, anonymous=bool(anonymous),
                assignee_kind=assignee_kind, assignee_code=assignee_code, events=events)


def receipt_summary(db, receipt: str) -> dict | None:
    """What the receipt page shows: no personal data, only where the case went."""
    row = db.conn.execute("SELECT receipt, anonymous, urgent, assignee_kind, assignee_code, sms_consent"
                          " FROM complaints WHERE receipt = ?", (receipt,)).fetchone()
    if row is None:
        return None
    return dict(receipt=row[0], anonymous=bool(row[1]), urgent=bool(row[2]), assignee_kind=row[3],
                assignee_code=row[4], sms=bool(row[5]))
