"""The audit log: who viewed which case, downloaded which evidence, exported what.

Workers give us their name, mobile and photos of their pay records; the county must be able to
answer "who looked at this person's complaint?". Every read of personal data writes a row here
(its own tiny transaction, so a failed page still leaves the trace of the read).
"""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from .store import iso, utcnow, write_transaction

ACTION_ZH = {"view_case": "查看案件", "download_evidence": "下载证据", "export_csv": "导出 CSV",
             "sign_in": "登录", "sign_in_failed": "登录失败", "sign_out": "退出",
             "redact_personal_data": "按保存期限删除个人信息",
             "worker_answer": "工人回访评价", "export_ranking": "导出评价排名",
             "view_case_refused": "无权查看案件（已拒绝）", "desk_new_case": "办案台录入线索",
             "roster_set": "设置值班代岗", "roster_cancel": "取消值班代岗", "resend_notice": "重发失败通知",
             "case_lead": "指定包案领导", "case_raise": "提级办理", "case_call": "吹哨（呼叫部门）",
             "case_report": "部门报到"}
ACTION_ZH.update({"sign_out_everywhere": "全部退出登录", "refused_case": "无权下载证据（已拒绝）",
                  "share_evidence": "向行业部门共享证据"})  # issue 15
ACTION_ZH.update({"grant_editor": "授予门户编辑权限", "revoke_editor": "收回门户编辑权限",
                  "content_change": "修改门户内容", "content_revert": "撤回门户内容修改"})  # issue 26


def record(db: sqlite_utils.Database, user_id: int | None, action: str, complaint_id: int | None = None,
           detail: str = "", ip: str = "", now: datetime | None = None) -> None:
    """One audit row in its own transaction."""
    with write_transaction(db):
        insert(db, user_id, action, complaint_id, detail, ip, now)


def insert(db: sqlite_utils.Database, user_id: int | None, action: str, complaint_id: int | None = None,
           detail: str = "", ip: str = "", now: datetime | None = None) -> None:
    """One audit row inside the caller's transaction: for a change whose trace must exist exactly
    when the change does (``formsvc.duties.retention``)."""
    db.conn.execute("INSERT INTO audit_log (at, user_id, action, complaint_id, detail, ip) VALUES (?, ?, ?, ?, ?, ?)",
                    (iso(now or utcnow()), user_id, action, complaint_id, detail, ip or ""))


def recent(db: sqlite_utils.Database, limit: int = 100, offset: int = 0, complaint_id: int | None = None) -> list[dict]:
    """Newest first, with the user's email."""
    where, params = ("WHERE a.complaint_id = ?", [complaint_id]) if complaint_id else ("", [])
    return list(db.query(
        f"SELECT a.*, u.email AS user_email, u.role AS user_role FROM audit_log a LEFT JOIN users u ON u.id = a.user_id"
        f" {where} ORDER BY a.id DESC LIMIT ? OFFSET ?", [*params, limit, offset]))
