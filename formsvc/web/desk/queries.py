"""Reads for the desk pages: the filtered, scoped case list and the case page's parts.

Every list goes through ``auth.scope_sql``; nothing here decides who sees what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from formsvc.officers.auth import User, scope_sql
from formsvc.case.cases import ASSIGNED_AT_SQL, DEADLINES_FROM_SQL, STATUS_ZH
from formsvc.case import story
from formsvc.case.sources import SOURCES
from formsvc.storage.store import iso

PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    status: str = ""
    township: str = ""
    project: str = ""
    urgent: bool = False
    overdue: bool = False
    source: str = ""  # the channel (formsvc.case.sources)

    @classmethod
    def from_args(cls, args) -> "Filters":
        status = args.get("status", "")
        return cls(status=status if status in (*STATUS_ZH, "open") else "",
                   township=args.get("township", "").strip()[:40], project=args.get("project", "").strip()[:40].lower(),
                   urgent=args.get("urgent") == "1", overdue=args.get("overdue") == "1",
                   source=args.get("source", "") if args.get("source", "") in SOURCES else "")

    def as_args(self) -> dict:
        d = {"status": self.status, "township": self.township, "project": self.project,
             "urgent": "1" if self.urgent else "", "overdue": "1" if self.overdue else "", "source": self.source}
        return {k: v for k, v in d.items() if v}


def where_for(user: User, f: Filters, config, now: datetime) -> tuple[str, list]:
    scope, params = scope_sql(user, "c", now)
    clauses = [scope]
    if f.status == "open":
        clauses.append("c.status NOT IN ('resolved', 'closed_unfounded')")
    elif f.status:
        clauses.append("c.status = ?")
        params.append(f.status)
    if f.township:
        clauses.append("((c.assignee_kind = 'township' AND c.assignee_code = ?)"
                       " OR (c.responsible_kind = 'township' AND c.responsible_code = ?))")
        params += [f.township, f.township]
    if f.project:
        clauses.append("c.project_code = ?")
        params.append(f.project)
    if f.urgent:
        clauses.append("c.urgent = 1")
    if f.source:
        clauses.append("c.source = ?")
        params.append(f.source)
    if f.overdue:
        clauses.append(overdue_sql("c"))
        params += [iso(now - timedelta(hours=config.ack_hours)), iso(now - timedelta(days=config.resolve_days))]
    return " AND ".join(clauses), params


def overdue_sql(a: str) -> str:
    """SQL twin of ``escalation.is_overdue`` (two parameters: the ack and resolve cut-offs)."""
    return (f"({a}.status NOT IN ('resolved', 'closed_unfounded', 'transferred_out') AND (({a}.status IN ('new', 'transferred')"
            f" AND {ASSIGNED_AT_SQL.format(a=a)} <= ?) OR {DEADLINES_FROM_SQL.format(a=a)} <= ?))")


def list_cases(db, user: User, f: Filters, config, now: datetime, page: int = 1,
               page_size: int = PAGE_SIZE) -> tuple[list[dict], int]:
    where, params = where_for(user, f, config, now)
    total = db.execute(f"SELECT count(*) FROM complaints c WHERE {where}", params).fetchone()[0]
    rows = list(db.query(
        f"SELECT c.*, {ASSIGNED_AT_SQL.format(a='c')} AS assigned_at FROM complaints c WHERE {where}"
        " ORDER BY (c.status IN ('new', 'transferred')) DESC, c.urgent DESC, c.created_at DESC, c.id DESC"
        " LIMIT ? OFFSET ?", [*params, page_size, (max(page, 1) - 1) * page_size]))
    return rows, total


def all_cases(db, user: User, f: Filters, config, now: datetime) -> list[dict]:
    """Every case the user may see that matches ``f`` (for the CSV export)."""
    where, params = where_for(user, f, config, now)
    return list(db.query(f"SELECT c.*, {ASSIGNED_AT_SQL.format(a='c')} AS assigned_at FROM complaints c"
                         f" WHERE {where} ORDER BY c.id", params))


def case_parts(db, case_id: int, places: story.Places | None = None) -> dict:
    """Routing reasons, timeline (in words: ``story.officer_line``, with the actor's name when it is an
    officer; a case another county sent starts with that county: ``story.officer_timeline``), notes, evidence."""
    names = {r["email"].lower(): r["name"] for r in db.query("SELECT email, name FROM users")}
    events = []
    rows = db.query("SELECT * FROM case_events WHERE complaint_id = ? ORDER BY at, seq", [case_id])
    for e in story.officer_timeline(list(rows)):
        sender = story.event_place(e, places or story.Places()) if e["kind"] == "county_transfer_received" else None
        e["actor_name"] = sender.zh if sender is not None else actor_name(e["actor"], names)
        e["text"] = story.officer_line(e, places)
        events.append(e)
    return {
        "routing": list(db.query("SELECT * FROM case_routing WHERE complaint_id = ? ORDER BY decided_at, seq",
                                 [case_id])),
        "events": events,
        "notes": list(db.query("SELECT n.*, u.name AS user_name, u.email AS user_email FROM notes n"
                               " LEFT JOIN users u ON u.id = n.user_id WHERE n.complaint_id = ? ORDER BY n.at, n.id",
                               [case_id])),
        "evidence": list(db.query("SELECT * FROM evidence WHERE complaint_id = ? ORDER BY id", [case_id])),
    }


def actor_name(actor: str, names: dict[str, str]) -> str:
    """Who wrote a timeline entry, in words: the worker, the system, an officer's name, another county's
    system (``open311:<key name>``)."""
    actor = actor or ""
    if actor in ("worker", "system"):
        return {"worker": "投诉人", "system": "系统"}[actor]
    if actor.startswith("open311:"):
        return "协作系统"
    return names.get(actor.lower(), actor)
