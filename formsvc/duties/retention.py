"""The retention period of workers' personal data in closed cases (PERSONAL_DATA_RETENTION_DAYS).

《个人信息保护法》 art. 19: personal information is kept only as long as its purpose needs; art. 47:
once the retention period has expired the handler deletes it on its own initiative. A worker's
name and mobile are needed while officers work the case; once the case has been resolved or
closed for the county's archive period (its own rule, hence a setting) they go, with what the
worker typed, what officers typed about the case, the notices that quoted it and the evidence
files. What the statistics, the risk classes and the daily report read stays: dates, project,
township, site, trade, workers, amounts, months, status and routing. ``0`` keeps everything:
nothing is deleted until the county has set its period.

How a case is redacted, so that a crash anywhere leaves something the next run finishes:

1. one transaction blanks the rows (complaint fields, officers' free text, sent notices, the
   evidence rows' file names);
2. after COMMIT the evidence files are deleted (and any ``.part`` a crash left of them);
3. a second transaction sets ``complaints.redacted_at`` and writes the audit row.

``redacted_at`` therefore means "everything is gone, files included". A crash before 3 leaves
the case due, and the next run repeats 1 (a no-op by then) and 2 (``missing_ok``). Between 1 and
3 the complaint has no mobile yet no ``redacted_at``; ``complaints.find_for_status`` refuses
such a row too, so it never passes for an anonymous tip.

A case with a notice still in the outbox (pending or being sent) waits for a later run: a
notice blanked before delivery would reach an officer empty, and one left whole would keep
the worker's data after the case was marked redacted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils

from formsvc.storage import audit
from formsvc.case.cases import CLOSED_STATUSES
from formsvc.storage.store import iso, write_transaction

ACTION = "redact_personal_data"  # its desk label is in audit.ACTION_ZH
BATCH = 100  # cases per transaction: short write locks while a backlog is first worked off

# Typed by the worker about a person: themselves (name, mobile, when to call), the one who owes
# them (a boss's name), and the free-text story. `site_address` is a place and `trade` the kind
# of work (at most 30 characters): both stay for the statistics.
PERSONAL_FIELDS = ("name", "mobile", "owed_by_name", "description", "callback_time")
# Timeline entries whose detail an officer typed (may name the worker or others).
TYPED_EVENT_KINDS = ("resolve_note", "close_reason")
IN_FLIGHT = ("pending", "sending")
TRANSFER_MARK = "转交："  # cases.transfer writes "<from> 转交：<typed reason>"


@dataclass(frozen=True)
class Due:
    case_id: int
    resolved_at: str
    evidence: int
    notices: int
    waiting: int  # notices still in the outbox: the case waits for them


def cutoff(config, now: datetime) -> str | None:
    """Cases resolved or closed at or before this instant are due; ``None`` when retention is off."""
    days = config.personal_data_retention_days
    return iso(now - timedelta(days=days)) if days > 0 else None


def _due_ids(db: sqlite_utils.Database, before: str, ids: list[int] | None = None) -> list[tuple[int, str]]:
    # The first two terms repeat the partial index's WHERE (complaints_retention_due), so the
    # planner may use it: a seek that finds nothing on an ordinary minute.
    marks = ", ".join("?" * len(CLOSED_STATUSES))
    sql = ("SELECT id, resolved_at FROM complaints WHERE resolved_at IS NOT NULL AND redacted_at IS NULL"
           f" AND resolved_at <= ? AND status IN ({marks})")
    params: list = [before, *CLOSED_STATUSES]
    if ids is not None:
        sql += f" AND id IN ({', '.join('?' * len(ids))})"
        params += ids
    return [(r[0], r[1]) for r in db.conn.execute(sql + " ORDER BY resolved_at, id", params)]


def due(db: sqlite_utils.Database, config, now: datetime) -> list[Due]:
    """Every case whose personal data is due for deletion at ``now``, oldest first."""
    before = cutoff(config, now)
    if before is None:
        return []
    rows = _due_ids(db, before)
    if not rows:
        return []
    # Counted per case only when something is due; notices has no complaint index (a complaint's
    # INSERT must not pay for one), so these are one scan each, not one per case.
    ids = {cid for cid, _ in rows}
    evidence, notices, waiting = {}, {}, {}
    for cid, n in db.conn.execute("SELECT complaint_id, count(*) FROM evidence GROUP BY complaint_id"):
        if cid in ids:
            evidence[cid] = n
    flight = ", ".join("?" * len(IN_FLIGHT))
    for cid, n_done, n_waiting in db.conn.execute(
            f"SELECT complaint_id, sum(status NOT IN ({flight})), sum(status IN ({flight})) FROM notices"
            " WHERE complaint_id IS NOT NULL GROUP BY complaint_id", [*IN_FLIGHT, *IN_FLIGHT]):
        if cid in ids:
            notices[cid], waiting[cid] = n_done, n_waiting
    return [Due(cid, at, evidence.get(cid, 0), notices.get(cid, 0), waiting.get(cid, 0)) for cid, at in rows]


def redact_due(db: sqlite_utils.Database, config, now: datetime) -> list[str]:
    """Delete the personal data of every closed case past the retention period; a line per case."""
    lines = []
    ready = [d for d in due(db, config, now) if not d.waiting]
    for start in range(0, len(ready), BATCH):
        lines += _redact_batch(db, config, now, ready[start:start + BATCH])
    return lines


def describe_due(db: sqlite_utils.Database, config, now: datetime) -> list[str]:
    """What ``redact_due`` would do at ``now``, changing nothing (``wagesafe redact --dry-run``)."""
    out = []
    for d in due(db, config, now):
        what = f"{d.evidence} evidence file(s), {d.notices} notice(s)"
        if d.waiting:
            out.append(f"would wait: case {d.case_id} (closed {d.resolved_at}) has {d.waiting} notice(s)"
                       " still in the outbox")
        else:
            out.append(f"would {ACTION} case {d.case_id} (closed {d.resolved_at}): {what}")
    return out


def _redact_batch(db, config, now: datetime, batch: list[Due]) -> list[str]:
    before = cutoff(config, now)
    assert before is not None
    ids = [d.case_id for d in batch]
    by_id = {d.case_id: d for d in batch}
    with write_transaction(db):
        # Again under the write lock: another run (the worker's tick, an operator's command) may
        # have finished some meanwhile, and a notice may have been queued since.
        ids = [cid for cid, _ in _due_ids(db, before, ids)]
        flight = ", ".join("?" * len(IN_FLIGHT))
        busy = {r[0] for r in db.conn.execute(
            f"SELECT DISTINCT complaint_id FROM notices WHERE status IN ({flight})", IN_FLIGHT)}
        ids = [cid for cid in ids if cid not in busy]
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        blank = ", ".join(f"{f} = ''" for f in PERSONAL_FIELDS)
        db.conn.execute(f"UPDATE complaints SET {blank} WHERE id IN ({marks})", ids)
        kinds = ", ".join("?" * len(TYPED_EVENT_KINDS))
        db.conn.execute(f"UPDATE events SET detail = '' WHERE complaint_id IN ({marks}) AND kind IN ({kinds})",
                        [*ids, *TYPED_EVENT_KINDS])
        db.conn.execute(f"UPDATE notes SET body = '' WHERE complaint_id IN ({marks})", ids)
        # A transfer to another county (formsvc.case.county_transfer): keep where and when, drop the reason typed.
        db.conn.execute(f"UPDATE county_transfers SET reason = '' WHERE complaint_id IN ({marks})", ids)
        # what the worker typed when answering an outcome (formsvc.case.answers); the ratings stay
        db.conn.execute(f"UPDATE worker_answers SET comment = '' WHERE complaint_id IN ({marks})", ids)
        # Keep who the case went to and when; drop the reason an officer typed after the mark.
        db.conn.execute(
            f"UPDATE routing_decisions SET reason = substr(reason, 1, instr(reason, ?) + {len(TRANSFER_MARK) - 1})"
            f" WHERE complaint_id IN ({marks}) AND rule = 'transfer' AND instr(reason, ?) > 0",
            [TRANSFER_MARK, *ids, TRANSFER_MARK])
        # Recipients are officers and stay; subject and body quote the worker.
        db.conn.execute(f"UPDATE notices SET subject = '', body = '' WHERE complaint_id IN ({marks})"
                        f" AND status NOT IN ({flight})", [*ids, *IN_FLIGHT])
        db.conn.execute(f"UPDATE evidence SET original_name = '' WHERE complaint_id IN ({marks})", ids)
        files = [r[0] for r in db.conn.execute(
            f"SELECT stored_name FROM evidence WHERE complaint_id IN ({marks})", ids)]
    _delete_files(Path(config.upload_dir), files)
    lines = []
    with write_transaction(db):
        for cid in ids:
            done = db.conn.execute("UPDATE complaints SET redacted_at = ? WHERE id = ? AND redacted_at IS NULL",
                                   (iso(now), cid)).rowcount
            if not done:
                continue  # a concurrent run finished it and wrote its audit row
            d = by_id[cid]
            detail = (f"retention {config.personal_data_retention_days} days after {d.resolved_at}:"
                      f" {d.evidence} evidence file(s) deleted, {d.notices} notice(s) blanked")
            # In this transaction (not audit.record's own): the row exists exactly when redacted_at is set.
            audit.insert(db, None, ACTION, cid, detail, now=now)
            lines.append(f"{ACTION} case {cid}: {d.evidence} evidence file(s), {d.notices} notice(s)")
    return lines


def _delete_files(upload_dir: Path, stored_names: list[str]) -> None:
    """Delete each file and any staging part of it, then make the deletions durable."""
    root = upload_dir.resolve()
    removed = False
    for name in stored_names:
        if not name or name.startswith(".") or "/" in name or "\\" in name:
            continue  # a stored name is a random token (evidence.stage); never follow anything else
        for path in (root / name, root / f".{name}.part"):
            try:
                path.unlink()
                removed = True
            except FileNotFoundError:
                pass
    if removed:
        fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
