"""The desk's "转送外县" card: send a case to a partner county, see where it is, resend a dead one.

Its own routes and template block (``desk/_county_transfer.html``, included by the case page),
so the case page's other actions stay as they are. The rules live in
``formsvc.case.county_transfer``; authorization is the same ``auth.can_act`` as every action.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from formsvc.case import cases as case_state
from formsvc.case import county_transfer, outcomes
from formsvc.duties import evidence_fetch
from formsvc.web.context import get_config, get_db, get_partner_problems, get_partners
from .blueprint import bp
from .session import now
from .views_cases import MAX_ID, _actionable_case, _visible_case


def _partners():
    return get_partners()


@bp.app_context_processor
def county_transfer_helpers():
    """For the case page's block: the partner counties and a case's transfers (read only when shown)."""
    return {"partner_counties": lambda: list(_partners().counties.values()),
            "county_transfers_of": lambda case_id: county_transfer.transfers_of(get_db(), case_id),
            "partner_problems": get_partner_problems,
            "evidence_fetches_of": lambda case_id: evidence_fetch.of_case(get_db(), case_id),
            "outcome_label": lambda kind: outcomes.label(kind, "zh"), "NOT_OURS": outcomes.NOT_OURS}


@bp.route(f"/cases/<int(max={MAX_ID}):case_id>/transfer-county", methods=["POST"])
def transfer_county(case_id: int):
    from .session import current_user

    _actionable_case(case_id)
    user, form = current_user(), request.form
    try:
        county_transfer.start(get_db(), _partners(), get_config(), case_id, user.email, form.get("county", ""),
                              form.get("reason", ""), form.get("address", ""), now())
        flash("已提交转送：系统正在发送，送达后显示对方编号并短信告知投诉人；送达前此案仍由本县办理。", "ok")
    except case_state.TransitionError as e:
        flash(str(e), "error")
    return redirect(url_for("desk.case", case_id=case_id)), 303


@bp.route(f"/cases/<int(max={MAX_ID}):case_id>/transfer-county/<int(max={MAX_ID}):transfer_id>/resend",
          methods=["POST"])
def resend_county_transfer(case_id: int, transfer_id: int):
    _visible_case(case_id)
    if county_transfer.resend(get_db(), case_id, transfer_id, now()):
        flash("已重新排队发送（同一幂等键，对方不会重复立案）。", "ok")
    else:
        flash("这次转送不是“发送失败”状态，无需重发。", "error")
    return redirect(url_for("desk.case", case_id=case_id)), 303


@bp.route(f"/cases/<int(max={MAX_ID}):case_id>/transfer-county/<int(max={MAX_ID}):transfer_id>/withdraw",
          methods=["POST"])
def withdraw_county_transfer(case_id: int, transfer_id: int):
    from .session import current_user

    _visible_case(case_id)
    try:
        county_transfer.cancel(get_db(), case_id, transfer_id, current_user().email, now())
        flash("已撤回转送：此案继续由本县办理。", "ok")
    except case_state.TransitionError as e:
        flash(str(e), "error")
    return redirect(url_for("desk.case", case_id=case_id)), 303
