"""Follow cases sent to other counties: ask each one's Open311 API for the status until it closes.

Run by ``scheduler.tick`` (every minute); each open transfer is asked at most every
``FOLLOW_EVERY`` (a GET with a 10 s timeout: a county that is down costs one timeout per
transfer per round and is simply asked again next time). What comes back (``status``,
``status_notes``, ``agency_responsible``) is stored on the transfer, shown on the desk and on
the worker's status page; a change of status is an event on the local timeline. When the other
county closes the request, the local case gets ``resolved_at`` (its personal data then follows
the retention period, ``formsvc.duties.retention``) and a public "closed there" event.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from formsvc.notify.notifiers import DeliveryError
from formsvc.notify.notifiers.open311 import client_for
from formsvc.storage.store import iso, write_transaction

log = logging.getLogger("wagesafe.open311")
FOLLOW_EVERY = timedelta(minutes=5)
BATCH = 50


def due(db, now: datetime) -> list[dict]:
    return list(db.query(
        "SELECT id, complaint_id, county_code, county_name, remote_id, remote_status, remote_status_notes"
        " FROM county_transfers WHERE remote_id IS NOT NULL AND closed_at IS NULL"
        " AND (checked_at IS NULL OR checked_at <= ?) ORDER BY checked_at IS NOT NULL, checked_at LIMIT ?",
        (iso(now - FOLLOW_EVERY), BATCH)))


def follow(db, config, now: datetime, environ=None) -> list[str]:
    """Ask every due transfer's county for its status; return a line per change seen."""
    lines = []
    for t in due(db, now):
        try:
            answer = client_for(f"county:{t['county_code']}", config, environ).get_request(t["remote_id"])
        except DeliveryError as e:
            log.info("transfer %s: %s did not answer (%s); asked again later", t["id"], t["county_name"], e)
            with write_transaction(db):
                db.conn.execute("UPDATE county_transfers SET checked_at = ? WHERE id = ?", (iso(now), t["id"]))
            continue
        status = str(answer.get("status", "")).lower()[:20]
        notes = str(answer.get("status_notes") or "")[:200]
        agency = str(answer.get("agency_responsible") or "")[:100]
        updated = str(answer.get("updated_datetime") or "")[:40]
        with write_transaction(db):
            db.conn.execute("UPDATE county_transfers SET checked_at = ?, remote_status = ?, remote_status_notes = ?,"
                            " remote_agency = ?, remote_updated_at = ? WHERE id = ?",
                            (iso(now), status, notes, agency, updated, t["id"]))
            if (status, notes) != (t["remote_status"], t["remote_status_notes"]):
                db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public)"
                                " VALUES (?, ?, 'system', 'remote_status', ?, 0)",
                                (t["complaint_id"], iso(now), f"{t['county_name']}（{agency}）：{notes or status}"))
                lines.append(f"transfer {t['id']} (case {t['complaint_id']}): {t['county_name']} says {status} {notes}")
            if status == "closed":
                db.conn.execute("UPDATE county_transfers SET closed_at = ? WHERE id = ?", (iso(now), t["id"]))
                db.conn.execute("UPDATE complaints SET resolved_at = COALESCE(resolved_at, ?) WHERE id = ?",
                                (iso(now), t["complaint_id"]))
                db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public)"
                                " VALUES (?, ?, 'system', 'remote_closed', ?, 1)",
                                (t["complaint_id"], iso(now), t["county_name"]))
    return lines
