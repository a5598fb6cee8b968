"""Cases sent to other counties, told truly (issue 24): the delivery settled, then the other county followed.

``settle`` (every minute, from ``scheduler.tick``, before the worker's SMS duty) turns what the
Open311 notice did into the case's story, once per outcome (``county_transfers.settled_kind``):

- delivered (the receiver's id came back): the case becomes ``transferred_out`` here and a public
  ``county_transfer_delivered`` event is written; ``formsvc.duties.worker_sms`` then texts the worker
  "已转送" with their receipt there. Never before: a refusal must not follow a "已转送".
- refused (the notice died on a 4xx answer) or dead (it gave up): public ``county_transfer_refused`` /
  ``county_transfer_dead`` (the worker reads that this county keeps handling the case) and the county
  desk alerted by email and SMS (the transfer itself went by Open311: the "other channels").
- withdrawn (``county_transfer.cancel``): the desk alerted the same way.
- given back (the other county closed it as not its own: ``outcomes.NOT_OURS``, 不属本县管辖): the
  office that first received the case stays responsible until someone takes it (首问负责), so the case
  is this county's again: its open status back (acknowledged if it was, else new), its deadlines
  restarted from that day (``complaints.deadlines_from``), a public ``county_transfer_returned`` event
  (the worker's SMS: this county handles it again) and the county desk alerted by email and SMS with
  the other county's note (where it says the case belongs).
- our key refused (HTTP 401/403, retried like an outage): the desk alerted once per transfer, while
  the retries go on (an operator may be rotating the key).

``follow`` asks each delivered transfer's county (a GET with our key, 10 s timeout) at most every
``FOLLOW_EVERY``; a county that is down costs one timeout per round. A WageSafe receiver tells the
county that sent the case (only that one: our key) when it was acknowledged and its outcome (kind,
amounts, the note to the worker); those become ``county_transfer_acknowledged`` and
``county_transfer_resolved`` (the outcome as JSON in the event's detail) on the worker's page and the
desk. When the other county closes the request, the local case gets ``resolved_at`` (its personal data
then follows the retention period), unless the outcome gives it back: ``settle`` then reopens it here.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from formsvc.case.cases import case_url
from formsvc.case.county_transfer import event_detail
from formsvc.case.outcomes import NOT_OURS
from formsvc.notify import outbox
from formsvc.notify.notifiers import DeliveryError
from formsvc.notify.notifiers.open311 import client_for
from formsvc.storage.store import iso, write_transaction

log = logging.getLogger("wagesafe.open311")
FOLLOW_EVERY = timedelta(minutes=5)
BATCH = 50


def _event(db, case_id: int, at: str, kind: str, detail: str, public: bool) -> None:
    db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public) VALUES (?, ?, 'system', ?, ?, ?)",
                    (case_id, at, kind, detail, 1 if public else 0))


def _alert_desk(db, registry, config, case_id: int, key: str, subject: str, text: str) -> None:
    """The county desk, by email and (when it has a mobile) SMS; once per ``key``. No worker's data."""
    desk = registry.county.desk
    link = case_url(config.public_base_url, case_id)
    if desk.email:
        outbox.enqueue(db, kind="county_transfer_alert", channel="email", recipient=desk.email, complaint_id=case_id,
                       dedupe_key=f"{key}:email", subject=f"【薪安通】案件{case_id}：{subject}",
                       body=f"{desk.name_zh}：\n\n案件{case_id}{text}\n\n办案台：{link}\n")
    mobile = desk.contact.mobile if desk.contact else ""
    if mobile:
        outbox.enqueue(db, kind="county_transfer_alert", channel="sms", recipient=mobile, complaint_id=case_id,
                       dedupe_key=f"{key}:sms", body=f"【薪安通】案件{case_id}{subject}，请到办案台处理：{link}")


def settle(db, registry, config, now: datetime) -> list[str]:
    """Tell each transfer's new outcome once (see the module's docstring); return a line per change."""
    rows = list(db.query(
        "SELECT t.id, t.complaint_id, t.county_code, t.county_name, t.remote_id, t.remote_receipt, t.closed_at, t.remote_status,"
        " t.settled_kind, t.remote_outcome, n.status AS notice_status, n.last_error FROM county_transfers t"
        " LEFT JOIN notices n ON n.dedupe_key = 'county-transfer:' || t.id"
        " WHERE (t.remote_id IS NOT NULL AND t.settled_kind = '')"
        "    OR (t.remote_id IS NULL AND t.closed_at IS NULL AND t.settled_kind = '' AND n.status = 'dead')"
        "    OR (t.remote_status = 'withdrawn' AND t.settled_kind NOT IN ('withdrawn'))"
        f"    OR (t.remote_id IS NOT NULL AND t.closed_at IS NOT NULL AND t.settled_kind = 'delivered'"
        f"        AND {_KIND_SQL} IN ({', '.join('?' * len(NOT_OURS))}))"
        "    OR (t.remote_id IS NULL AND t.closed_at IS NULL AND n.status = 'pending'"
        "        AND n.last_error LIKE '%KEY_REFUSED%' AND NOT EXISTS (SELECT 1 FROM notices a"
        "        WHERE a.dedupe_key = 'county-transfer:' || t.id || ':key-refused:email'))"
        " ORDER BY t.id LIMIT ?", (*sorted(NOT_OURS), BATCH)))
    lines, at = [], iso(now)
    for t in rows:
        cid, name = t["complaint_id"], t["county_name"]
        with write_transaction(db):
            if t["remote_status"] == "withdrawn":
                db.conn.execute("UPDATE county_transfers SET settled_kind = 'withdrawn' WHERE id = ?", (t["id"],))
                _alert_desk(db, registry, config, cid, f"county-transfer:{t['id']}:withdrawn", f"转送{name}已撤回",
                            f"转送{name}未送达，已撤回；此案继续由本县办理，请按期处理。")
                lines.append(f"transfer {t['id']}: withdrawn, desk told")
            elif t["remote_id"] and t["settled_kind"] == "delivered":  # closed there as not theirs: given back
                lines.append(_give_back(db, registry, config, t, now))
            elif t["remote_id"]:
                db.conn.execute("UPDATE county_transfers SET settled_kind = 'delivered' WHERE id = ?", (t["id"],))
                db.conn.execute("UPDATE complaints SET status = 'transferred_out' WHERE id = ? AND status IN"
                                " ('new', 'acknowledged', 'in_progress', 'transferred')", (cid,))
                _event(db, cid, at, "county_transfer_delivered",
                       event_detail(t["county_code"], name, remote_receipt=t["remote_receipt"] or ""), True)
                lines.append(f"transfer {t['id']} (case {cid}): delivered to {name}")
            elif t["notice_status"] == "dead":
                refused = "HTTP 4" in (t["last_error"] or "") and "KEY_REFUSED" not in (t["last_error"] or "")
                kind = "refused" if refused else "dead"
                db.conn.execute("UPDATE county_transfers SET settled_kind = ? WHERE id = ?", (kind, t["id"]))
                # A transfer asked for before issue 24 closed the case at once: open here again, as the worker is told.
                db.conn.execute("UPDATE complaints SET status = CASE WHEN acknowledged_at IS NULL THEN 'new'"
                                " ELSE 'acknowledged' END WHERE id = ? AND status = 'transferred_out'", (cid,))
                _event(db, cid, at, f"county_transfer_{kind}", event_detail(t["county_code"], name), True)
                what = f"{name}拒收了转送" if refused else f"转送{name}多次失败，已停止重试"
                _alert_desk(db, registry, config, cid, f"county-transfer:{t['id']}:{kind}", what,
                            f"{what}。此案仍由本县办理：请在办案台查看原因，重新发送或撤回转送，并按期处理。")
                lines.append(f"transfer {t['id']} (case {cid}): {kind}, desk told")
            else:  # our key refused, still retrying: the desk is told once
                _alert_desk(db, registry, config, cid, f"county-transfer:{t['id']}:key-refused",
                            f"{name}拒绝了本县的密钥",
                            f"转送{name}时，对方拒绝了本县的 Open311 密钥（可能正在换发）。系统会继续重试；"
                            f"请与{name}核对，把新密钥写入本县的密钥设置。")
    return lines


# The other county's outcome kind, as ``follow`` stored it (``county_transfers.remote_outcome``, JSON or '').
_KIND_SQL = "(CASE WHEN json_valid(t.remote_outcome) THEN json_extract(t.remote_outcome, '$.kind') END)"


def _give_back(db, registry, config, t, now: datetime) -> str:
    """The other county closed a delivered transfer as not its own (``NOT_OURS``): the case is ours
    again (首问负责制: the office that first received it stays responsible until someone takes it).
    Inside ``settle``'s transaction."""
    cid, name, at = t["complaint_id"], t["county_name"], iso(now)
    outcome = json.loads(t["remote_outcome"] or "{}")
    note = " ".join(str(outcome.get("text") or "").split())[:300]
    db.conn.execute("UPDATE county_transfers SET settled_kind = 'returned' WHERE id = ?", (t["id"],))
    status = db.conn.execute("SELECT status FROM complaints WHERE id = ?", (cid,)).fetchone()
    if status is None or status[0] != "transferred_out":  # already handled here some other way: nothing to undo
        return f"transfer {t['id']} (case {cid}): {name} gave it back; the case had already moved on"
    # Open here again as before the transfer; its deadlines run from today, not from when it was filed.
    db.conn.execute("UPDATE complaints SET status = CASE WHEN acknowledged_at IS NULL THEN 'new' ELSE 'acknowledged'"
                    " END, resolved_at = NULL, deadlines_from = ? WHERE id = ? AND status = 'transferred_out'",
                    (at, cid))
    _event(db, cid, at, "county_transfer_returned",
           event_detail(t["county_code"], name, returned_kind=str(outcome.get("kind") or ""), text=note), True)
    said = f"（{name}的说明：{note}）" if note else ""
    _alert_desk(db, registry, config, cid, f"county-transfer:{t['id']}:returned", f"{name}退回了转送的案件",
                f"{name}答复此案不属其管辖，已退回本县{said}。按首问负责制，此案由本县继续办理，办理期限从今天重新起算："
                f"请在办案台重新处理，需要时转送真正管辖的地方。")
    return f"transfer {t['id']} (case {cid}): {name} gave it back, desk told"


def due(db, now: datetime) -> list[dict]:
    return list(db.query(
        "SELECT id, complaint_id, county_code, county_name, remote_id, remote_status, remote_status_notes,"
        " remote_outcome FROM county_transfers WHERE remote_id IS NOT NULL AND closed_at IS NULL"
        " AND (checked_at IS NULL OR checked_at <= ?) ORDER BY checked_at IS NOT NULL, checked_at LIMIT ?",
        (iso(now - FOLLOW_EVERY), BATCH)))


def _outcome(answer: dict) -> dict:
    """The receiver's report for its sender (``formsvc.web.api.public.for_sender``), checked and trimmed."""
    raw = answer.get("wagesafe_case") if isinstance(answer.get("wagesafe_case"), dict) else {}
    out = {}
    for key in ("acknowledged_at", "resolved_at", "due_date"):
        if isinstance(raw.get(key), str) and raw[key]:
            out[key] = raw[key][:40]
    if isinstance(raw.get("kind"), str) and raw["kind"]:
        out["kind"] = raw["kind"][:40]
    for key in ("recovered_yuan", "left_yuan", "promised_yuan"):
        if isinstance(raw.get(key), int) and 0 <= raw[key] <= 100_000_000:
            out[key] = raw[key]
    if isinstance(raw.get("text"), str) and raw["text"].strip():
        out["text"] = " ".join(raw["text"].split())[:300]  # their note to the worker (words; shown escaped)
    return out


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
        outcome = _outcome(answer)
        before = {}
        try:
            before = json.loads(t["remote_outcome"] or "{}")
        except ValueError:
            pass
        at = iso(now)
        with write_transaction(db):
            db.conn.execute("UPDATE county_transfers SET checked_at = ?, remote_status = ?, remote_status_notes = ?,"
                            " remote_agency = ?, remote_updated_at = ?, remote_outcome = ? WHERE id = ?",
                            (at, status, notes, agency, updated,
                             json.dumps(outcome, ensure_ascii=False) if outcome else (t["remote_outcome"] or ""),
                             t["id"]))
            if outcome.get("acknowledged_at") and not before.get("acknowledged_at"):
                _event(db, t["complaint_id"], at, "county_transfer_acknowledged",
                       event_detail(t["county_code"], t["county_name"]), True)
                lines.append(f"transfer {t['id']} (case {t['complaint_id']}): {t['county_name']} took it on")
            if status == "closed" and outcome.get("kind") in NOT_OURS:
                # not theirs: the case comes back here (``settle``, next round), nothing is "resolved"
                db.conn.execute("UPDATE county_transfers SET closed_at = ? WHERE id = ?", (at, t["id"]))
                lines.append(f"transfer {t['id']} (case {t['complaint_id']}): {t['county_name']} says it is not theirs")
            elif status == "closed":
                detail = event_detail(t["county_code"], t["county_name"], **{k: outcome[k] for k in (
                    "kind", "recovered_yuan", "left_yuan", "promised_yuan", "due_date", "text") if k in outcome})
                db.conn.execute("UPDATE county_transfers SET closed_at = ? WHERE id = ?", (at, t["id"]))
                db.conn.execute("UPDATE complaints SET resolved_at = COALESCE(resolved_at, ?) WHERE id = ?",
                                (at, t["complaint_id"]))
                _event(db, t["complaint_id"], at, "county_transfer_resolved", detail, True)
                lines.append(f"transfer {t['id']} (case {t['complaint_id']}): {t['county_name']} closed it")
    return lines
