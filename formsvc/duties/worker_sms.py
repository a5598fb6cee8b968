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

from formsvc.case import story
from formsvc.notify import notices, outbox
from formsvc.storage.store import write_transaction

EVENT_SMS = {code: k.sms for code, k in story.KINDS.items() if k.sms}  # one table: formsvc.case.story
BATCH = 500


def _partners(config):
    """The partner counties (their names in the worker's SMS), or none when the file is absent or broken."""
    try:
        from wagesafe.registry.partners import load_partners, partners_source

        return load_partners(partners_source(config))
    except Exception:  # the names are a courtesy; a broken partners.yaml is reported by `wagesafe check`
        return None


def _with_their_receipt(db, case_id: int, county_name: str, lang: str) -> str:
    """"白水县（对方回执号 …）": where the case went and the worker's number there (issue 24)."""
    row = db.conn.execute("SELECT remote_receipt FROM county_transfers WHERE complaint_id = ? AND remote_id IS NOT NULL"
                          " ORDER BY id DESC LIMIT 1", (case_id,)).fetchone()
    receipt = row[0] if row and row[0] else ""
    if not receipt:
        return county_name
    return f"{county_name} (their receipt {receipt})" if lang == "en" else f"{county_name}（对方回执号{receipt}）"


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
    places = story.Places(registry, _partners(config))
    with write_transaction(db):
        for r in rows:
            kind = EVENT_SMS.get(r["event_kind"])
            if kind is None or r["redacted_at"]:
                continue
            lang = r["lang"]
            event = {"kind": r["event_kind"], "detail": r["event_detail"]}
            place = outcome = ""
            if kind == "worker_acknowledged":
                place = places.unit(r["responsible_kind"], r["responsible_code"]).name(lang)
            elif kind in ("worker_transferred", "worker_sent_to_county"):
                named = story.event_place(event, places)
                place = named.name(lang) if named else ""
                if kind == "worker_sent_to_county":  # with the worker's receipt there (issue 24)
                    place = _with_their_receipt(db, r["id"], place, lang)
                elif r["event_kind"] == "county_transfer_returned":  # back here: who has it now, and why
                    here = story.holder(r, places)[0].name(lang)
                    place = f"{here} ({place} sent it back)" if lang == "en" else f"{here}（{place}退回本县）"
            elif kind == "worker_outcome_elsewhere":  # closed by the county it was sent to: named as the closer
                outcome = story.outcome_of(event, lang)
                named = story.event_place(event, places)
                place = named.name(lang) if named else ("the other county" if lang == "en" else "对方县")
            else:
                outcome = story.outcome_of(event, lang)
            if r["source"] == "partner" and kind not in ("worker_outcome_elsewhere", "worker_sent_to_county"):
                # sent here by another county: the worker knows us only from that county's SMS ("已转送白水县
                # （对方回执号…）"), so each of ours names this county (issue: two counties, one story)
                county = registry.county.name_en if lang == "en" else registry.county.name_zh
                if place:
                    place = f"{place}, {county}" if lang == "en" else f"{county}{place}"
                if outcome:
                    outcome = f"{outcome} ({county})" if lang == "en" else f"{outcome}（{county}）"
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
