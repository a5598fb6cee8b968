"""Resending a dead notice from the desk (``formsvc.duties.dead_notices.resend``): the county desk
for any notice, an officer for the notices of a case they may open. Audited."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from formsvc.case import cases as case_state
from formsvc.duties import dead_notices
from formsvc.officers import auth
from formsvc.web.context import get_db
from .blueprint import bp
from .session import client_ip, current_user, now
from .views_cases import MAX_ID, with_people


@bp.route(f"/notices/<int(max={MAX_ID}):notice_id>/resend", methods=["POST"])
def resend_notice(notice_id: int):
    db, user = get_db(), current_user()
    row = db.execute("SELECT complaint_id FROM notices WHERE id = ?", [notice_id]).fetchone()
    if row is None:
        abort(404)
    case = with_people(case_state.get_case(db, row[0])) if row[0] else None
    if not (user.sees_all or (case is not None and auth.can_view(user, case))):
        abort(403, description="只有县监察大队，或能查看此案件的工作人员，可以重发通知")
    if dead_notices.resend(db, notice_id, user_id=user.id, now=now(), ip=client_ip()):
        flash(f"通知 #{notice_id} 已重新排队发送。", "ok")
    else:
        flash(f"通知 #{notice_id} 不是发送失败状态，无需重发。", "error")
    back = request.form.get("back", "")
    if back == "case" and case is not None:
        return redirect(url_for("desk.case", case_id=case["id"])), 303
    return redirect(url_for("desk.dashboard")), 303
