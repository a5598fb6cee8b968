"""The worker's SMS after the receipt: one per public step of the case, queued from the timeline.

Every state change (``formsvc.case.cases``, whatever page or command made it) writes a public
timeline event in its own transaction. This duty, run by ``scheduler.tick`` every minute, reads
the events written since it last looked (``worker_sms_cursor``: a rowid range, one seek, however
long the timeline grows) and queues the worker's SMS for acknowledgement, transfer and outcome
in the outbox, each with the dedupe key ``worker_sms:<event id>``: exactly once per event even
if two workers run it at once or a crash repeats a batch. Sending is the notice worker's job
(retries, backoff), never a web request's.

The receipt SMS is not here: it is queued with the complaint itself (``complaints.submit``),
whose transaction is once-only.
"""

from __future__ import annotations

from datetime import datetime

from formsvc.case import outcomes
from formsvc.notify import notices, outbox
from formsvc.storage.store import write_transaction

EVENT_SMS = {"acknowledged": "worker_acknowledged", "transferred": "worker_transferred",
             "resolved": "worker_outcome", "closed_unfounded": "worker_outcome"}
BATCH = 500


def _place(registry, kind: str, code: str, lang: str) -> str:
    """A unit's name as the worker reads it (never a person)."""
    en = lang == "en"
    if kind == "township" and code in registry.townships:
        t = registry.townships[code]
        return t.name_en if en else t.name_zh
    if kind == "department" and code in registry.departments:
        d = registry.departments[code]
        return d.name_en if en else d.name_zh
    desk = registry.county.desk
    return desk.name_en if en else desk.name_zh


def _transfer_place(registry, detail: str, lang: str) -> str:
    """The receiver named by a transfer event (its detail is the receiver's Chinese label)."""
    for units in (registry.townships, registry.departments):
        for unit in units.values():
            if unit.name_zh == detail:
                return unit.name_en if lang == "en" else unit.name_zh
    return detail


def queue_due(db, registry, config, now: datetime) -> list[str]:
    """Queue the SMS for the public events written since the last run; return a line per SMS."""
    row = db.conn.execute("SELECT last_event_id FROM worker_sms_cursor WHERE id = 1").fetchone()
    last = row[0] if row else 0
    events = db.conn.execute(
        "SELECT e.id, e.kind, e.detail, c.* FROM events e JOIN complaints c ON c.id = e.complaint_id"
        " WHERE e.id > ? ORDER BY e.id LIMIT ?", (last, BATCH))
    names = [d[0] for d in events.description]
    rows = [dict(zip(names, r)) | {"event_id": r[0], "event_kind": r[1], "event_detail": r[2]}
            for r in events.fetchall()]
    if not rows:
        return []
    lines = []
    with write_transaction(db):
        for r in rows:
            kind = EVENT_SMS.get(r["event_kind"])
            if kind is None or r["redacted_at"]:
                continue
            lang = r["lang"]
            place = outcome = ""
            if kind == "worker_acknowledged":
                place = _place(registry, r["assignee_kind"], r["assignee_code"], lang)
            elif kind == "worker_transferred":
                place = _transfer_place(registry, r["event_detail"], lang)
            else:
                code = r["outcome"] or ("not_substantiated" if r["event_kind"] == "closed_unfounded" else "")
                outcome = outcomes.label(code, lang) or ("Resolved" if lang == "en" else "已办结")
            # r["id"] is the complaint's id (c.* comes after the event's columns)
            sms = notices.worker_sms(kind, r, config.public_base_url, place=place, outcome=outcome)
            if sms is None:
                continue
            if outbox.enqueue(db, kind=sms.kind, channel="sms", recipient=sms.recipient, subject=sms.subject,
                              body=sms.body, complaint_id=r["id"], dedupe_key=f"worker_sms:{r['event_id']}"):
                lines.append(f"case {r['id']}: {sms.kind} SMS to the worker queued")
        db.conn.execute("UPDATE worker_sms_cursor SET last_event_id = MAX(last_event_id, ?) WHERE id = 1",
                        (rows[-1]["event_id"],))
    return lines
