"""Report every new case and every change of status to the provincial platform (Open311).

The seeds: "将欠薪投诉举报及时录入省根治欠薪系统" (002). Off unless ``PROVINCIAL_OPEN311_URL``
and ``PROVINCIAL_OPEN311_KEY`` are set. Each minute (``scheduler.tick``) the cases whose status
differs from what the province was last told (``provincial_reports``) are queued as ``open311``
notices, through the same client and outbox as a transfer to another county: a new case as
``POST requests`` (idempotency key ``<county>-prov-<id>``: a retry never makes two there), each
later change as ``POST servicerequestupdates`` (which waits until the case itself has arrived).

Done in the tick, not in ``complaints.submit``, so a complaint's own transaction writes nothing
more and no B-tree more (HACKING.md). The province gets the facts it counts (service, township,
workers, amount, months, status), not the worker's name, mobile or story: they stay with the
officers who act (《个人信息保护法》第六条, the minimum).
"""

from __future__ import annotations

import json
from datetime import datetime

from wagesafe.localtime import iso_local

from formsvc.case import open311_services, story
from formsvc.case.cases import CLOSED_STATUSES, label_for
from formsvc.notify import outbox
from formsvc.storage.store import write_transaction

BATCH = 200
# Our states as FixMyStreet's extended Open311 statuses (perllib/Open311.pm, extended_statuses): the
# province learns more than open/closed, in words other Open311 systems already know.
EXTENDED_STATUS = {"new": "OPEN", "acknowledged": "INVESTIGATING", "in_progress": "IN_PROGRESS",
                   "transferred": "INTERNAL_REFERRAL", "resolved": "FIXED", "closed_unfounded": "NO_FURTHER_ACTION",
                   "transferred_out": "NOT_COUNCILS_RESPONSIBILITY"}


def enabled(config) -> bool:
    return bool(config.provincial_open311_url and config.provincial_open311_key)


def _changed(db) -> list[dict]:
    return list(db.query(
        "SELECT c.id, c.status, c.project_code, c.site_address, c.assignee_kind, c.assignee_code, c.workers,"
        " c.amount_yuan, c.months_owed, c.owed_by_kind, c.trade, c.created_at, p.reported_status"
        " FROM complaints c LEFT JOIN provincial_reports p ON p.complaint_id = c.id"
        " WHERE p.complaint_id IS NULL OR p.reported_status != c.status ORDER BY c.id LIMIT ?", (BATCH,)))


def _new_params(c: dict, registry) -> list[tuple[str, str]]:
    where = label_for(registry, c["assignee_kind"], c["assignee_code"])
    # wage_other: the province knows none of our project codes (the code goes as an attribute).
    params = [("service_code", open311_services.WAGE_OTHER), ("attribute[county_project_code]", c["project_code"] or ""),
              ("address_string", f"{registry.county.name_zh} {where}"),
              ("attribute[anonymous]", "true"), ("attribute[workers]", str(c["workers"])),
              ("attribute[amount_yuan]", str(c["amount_yuan"])), ("attribute[months_owed]", str(c["months_owed"])),
              ("attribute[owed_by_kind]", c["owed_by_kind"] or "unknown"), ("attribute[trade]", c["trade"] or ""),
              ("attribute[county_case_id]", str(c["id"]))]
    return [(k, v) for k, v in params if v != ""]


def report_changes(db, registry, config, now: datetime) -> list[str]:
    """Queue the province's reports that are due; a line per case queued. Nothing while off."""
    if not enabled(config):
        return []
    lines = []
    county = registry.county.code
    for c in _changed(db):
        with write_transaction(db):
            if c["reported_status"] is None:
                job = {"target": "province", "op": "post_request", "complaint_id": c["id"],
                       "idempotency_key": f"{county}-prov-{c['id']}", "params": _new_params(c, registry)}
                db.conn.execute("INSERT INTO provincial_reports (complaint_id, reported_status) VALUES (?, ?)",
                                (c["id"], c["status"]))
                key = f"province:new:{c['id']}"
            else:
                text = story.worker_status({"status": c["status"]}, "zh")
                job = {"target": "province", "op": "post_update", "complaint_id": c["id"],
                       "params": [("update_id", f"{county}-{c['id']}-{c['status']}"),
                                  ("status", EXTENDED_STATUS.get(c["status"],
                                                                 "CLOSED" if c["status"] in CLOSED_STATUSES else "OPEN")),
                                  ("description", text), ("updated_datetime", iso_local(now, config.timezone))]}
                db.conn.execute("UPDATE provincial_reports SET reported_status = ? WHERE complaint_id = ?",
                                (c["status"], c["id"]))
                key = f"province:update:{c['id']}:{c['status']}:{c['reported_status']}"
            outbox.enqueue(db, kind="provincial", channel="open311", recipient="province", complaint_id=c["id"],
                           subject=f"省平台 {job['op']}", body=json.dumps(job, ensure_ascii=False), dedupe_key=key)
        lines.append(f"province: case {c['id']} {job['op']} ({c['status']})")
    return lines
