"""Project risk classes A/B/C from complaint history, with the county plan's inspection cadence.

From the county's winter action plan (欠薪风险动态管理, 分级分类监管): a project with no wage
arrears this year is class A and checked monthly (每月排查); one that has had arrears is B,
checked weekly (每周排查); one with arrears now, or being complained about, is C and a named
person handles it (明确专人处置) — here the township's responsible officer.

We read "now" as an open complaint (not resolved, not closed), and "has had" as a complaint
filed in the last 12 months. Pure function: complaints and ``now`` in, classes out. Shown on
the desk only: a class is an officer's working judgement, not a public label on a company.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

OPEN = ("new", "acknowledged", "in_progress", "transferred")
WINDOW = timedelta(days=365)
CADENCE = {"A": "每月排查 monthly check", "B": "每周排查 weekly check", "C": "明确专人处置 a named person handles it"}


@dataclass(frozen=True)
class Risk:
    project_code: str
    cls: str                 # A | B | C
    cadence: str
    handler: str             # the named person for class C, else ""
    open_complaints: int
    complaints_12m: int
    last_complaint_at: str   # UTC ISO, or ""


def classify(open_count: int, recent_count: int) -> str:
    if open_count:
        return "C"
    if recent_count:
        return "B"
    return "A"


def project_risks(projects, complaints: list[dict], now: datetime, handler_for=lambda p: "") -> list[Risk]:
    """One ``Risk`` per project. ``complaints`` need ``project_code``, ``status``, ``created_at``;
    ``handler_for(project)`` names the person for class C."""
    since = (now - WINDOW).isoformat()
    by_project: dict[str, list[dict]] = {}
    for c in complaints:
        if c["project_code"]:
            by_project.setdefault(c["project_code"], []).append(c)
    out = []
    for p in projects:
        cs = by_project.get(p.code, [])
        n_open = sum(1 for c in cs if c["status"] in OPEN)
        n_recent = sum(1 for c in cs if datetime.fromisoformat(c["created_at"]).isoformat() >= since)
        cls = classify(n_open, n_recent)
        out.append(Risk(p.code, cls, CADENCE[cls], handler_for(p) if cls == "C" else "", n_open, n_recent,
                        max((c["created_at"] for c in cs), default="")))
    return out


def from_db(db, registry, now: datetime, projects=None) -> list[Risk]:
    """Risks for ``projects`` (default: all) from the complaints table; C's handler is the
    township's responsible officer (the deputy while the officer is away)."""
    projects = list(registry.projects.values()) if projects is None else list(projects)
    complaints = list(db.query("SELECT project_code, status, created_at FROM complaints"
                               " WHERE project_code IS NOT NULL AND project_code != ''"))

    def handler(p):
        t = registry.townships.get(p.township)
        r = t.responsible if t else None
        return f"{r.name}（{t.name_zh}）" if r else ""

    return project_risks(projects, complaints, now, handler)
