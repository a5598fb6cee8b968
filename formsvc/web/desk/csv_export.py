"""The CSV export of cases: personal data only where ``auth.can_see_personal`` allows, and no
spreadsheet formulas (a complaint's text is typed by the public; a cell such as
``=HYPERLINK(...)`` would run when an officer opens the file in Excel or WPS). A case whose
personal data the retention period removed (``formsvc.duties.retention``) exports those cells empty,
whoever asks: not even the "anonymous" label, which would say more than the case now keeps."""

from __future__ import annotations

import csv
import io

from wagesafe.localtime import DEFAULT_ZONE, iso_local

from formsvc.officers.auth import User, can_see_personal
from formsvc.case import money, sources
from formsvc.case.cases import STATUS_ZH, label_for
from .words import OWED_BY_ZH, word

HEADER = ["案件编号 id", "回执 receipt", "提交时间 created_at", "状态 status", "承办 assignee", "负责 responsible",
          "项目 project", "工地地址 site", "紧急 urgent", "人数 workers", "金额(元) amount", "欠薪月数 months",
          "欠薪方 owed_by", "受理时间 acknowledged_at", "办结时间 resolved_at", "兑付人数 workers_paid",
          "追回金额(元) recovered", "办理结果 outcome", "尚欠金额(元) left", "来源 source", "渠道编号 source_ref", "欠薪方类型 owed_by_kind",
          "姓名 name", "手机 mobile", "情况 description"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> object:
    """Prefix a text cell that a spreadsheet would read as a formula with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export(rows: list[dict], user: User, registry, zone_name: str = DEFAULT_ZONE, db=None, partners=None) -> str:
    """The CSV text (UTF-8 with a BOM so that Excel opens Chinese correctly). Times are ISO 8601
    in the county's zone with its offset (``2026-12-01T07:53:00+08:00``): what a person reads.
    Status, outcome and money from ``formsvc.case.story`` and ``money`` (with ``db``): the figures
    the case page and the worker's page show."""
    moneys = money.of_cases(db, rows) if db is not None else {}
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow(HEADER)
    for c in rows:
        personal = can_see_personal(user, c) and not c.get("redacted_at")
        if personal and c["anonymous"]:
            name, mobile = "匿名 anonymous", ""
        elif personal:
            name, mobile = c["name"], c["mobile"]
        else:
            name, mobile = "", ""
        p = registry.project(c["project_code"] or "")
        w.writerow([neutralise(v) for v in (
            c["id"], c["receipt"], iso_local(c["created_at"], zone_name), STATUS_ZH.get(c["status"], c["status"]),
            label_for(registry, c["assignee_kind"], c["assignee_code"]),
            label_for(registry, c["responsible_kind"], c["responsible_code"]),
            f"{c['project_code']} {p.name_zh}" if p else (c["project_code"] or ""), c["site_address"],
            "是" if c["urgent"] else "", c["workers"], c["amount_yuan"], c["months_owed"] or "", c["owed_by_name"],
            iso_local(c["acknowledged_at"], zone_name), iso_local(c["resolved_at"], zone_name),
            # nothing recorded yet: an empty cell, not a 0 (a reopened case keeps what was recovered)
            c["workers_paid"] if c["resolved_at"] or money.recovered_here(c) else "",
            money.recovered_here(c) if c["resolved_at"] or money.recovered_here(c) else "",
            _outcome(moneys.get(c["id"])), _left(moneys.get(c["id"])),
            sources.words(c.get("source") or "", c.get("source_ref") or "", partners),
            sources.ref_words(c.get("source") or "", c.get("source_ref") or "", partners),
            "" if c.get("redacted_at") else word(OWED_BY_ZH, c["owed_by_kind"]),
            name, mobile, c["description"] if personal else "")])
    return out.getvalue()


def _outcome(m) -> str:
    if m is None or m.current is None:
        return ""
    return money.outcome_label(m.current)


def _left(m) -> object:
    """Still owed, once an outcome stated figures; empty before."""
    return m.left if m is not None and m.history else ""
