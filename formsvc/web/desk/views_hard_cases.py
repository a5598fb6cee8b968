"""Hard cases on the desk: 吹哨 (call departments), 报到 (a department reports), 包案领导 and
提级办理 (the county desk). Thin: authorize, call ``formsvc.case.hard_cases``, audit, redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from formsvc.case import hard_cases
from formsvc.case.cases import TransitionError
from formsvc.storage import audit
from formsvc.web.context import get_config, get_db, get_registry
from .blueprint import bp
from .session import client_ip, current_user, now
from .views_cases import MAX_ID, _visible_case, may_call


def _back(case_id: int):
    return redirect(url_for("desk.case", case_id=case_id)), 303


@bp.route(f"/cases/<int(max={MAX_ID}):case_id>/<any(call, report, lead, raise):action>", methods=["POST"])
def hard_case_action(case_id: int, action: str):
    db, reg, user, t = get_db(), get_registry(), current_user(), now()
    case = _visible_case(case_id)
    form = request.form
    try:
        if action == "call":
            if not may_call(user, case):
                return render_template("desk/not_for_role.html", what="吹哨呼叫部门",
                                       who="承办或首问的镇街专员、县监察大队"), 403
            made = hard_cases.call_departments(db, reg, get_config(), case_id, user.email, form.getlist("department"),
                                               form.get("reason", ""), t)
            names = "、".join(reg.departments[d].name_zh for d in form.getlist("department") if d in reg.departments)
            audit.record(db, user.id, "case_call", case_id, detail=names, ip=client_ip(), now=t)
            flash(f"已吹哨：{len(made)} 个部门已收到通知，须在 {get_config().call_report_hours:g} 小时内报到。"
                  if made else "所选部门已在等待报到，未重复通知。", "ok")
        elif action == "report":
            if user.role != "department" or not hard_cases.report(db, case_id, user.scope_code, user.email, t,
                                                                   form.get("note", "")):
                flash("本单位没有待报到的吹哨。", "error")
                return _back(case_id)
            audit.record(db, user.id, "case_report", case_id, ip=client_ip(), now=t)
            flash("已报到。", "ok")
        else:
            if not user.sees_all:
                return render_template("desk/not_for_role.html", what="指定包案领导或提级办理", who="县监察大队"), 403
            if action == "lead":
                hard_cases.name_lead(db, get_config(), case_id, user.email, form.get("name", ""),
                                     form.get("mobile", ""), t)
                audit.record(db, user.id, "case_lead", case_id, detail=form.get("name", "")[:50], ip=client_ip(),
                             now=t)
                flash("已指定包案领导。", "ok")
            else:
                hard_cases.raise_to_county(db, reg, case_id, user.email, form.get("reason", ""), t)
                audit.record(db, user.id, "case_raise", case_id, ip=client_ip(), now=t)
                flash("已提级，由县监察大队直接办理；首问镇街仍可查看此案。", "ok")
    except TransitionError as e:
        flash(str(e), "error")
    return _back(case_id)
