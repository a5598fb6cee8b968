"""Resolving a case with an outcome from the closed list (``formsvc.case.outcomes``), and the
worker's answers shown on the case. Thin: parse, authorize, call, redirect.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from wagesafe.localtime import format_local, zone_words

from formsvc.case import answers, money, outcomes
from formsvc.case import cases as case_state
from formsvc.web.context import get_config, get_db
from .blueprint import bp
from .session import current_user, now
from .views_cases import MAX_ID, _actionable_case


@bp.route(f"/cases/<int(max={MAX_ID}):case_id>/outcome", methods=["POST"])
def case_outcome(case_id: int):
    case = _actionable_case(case_id)
    form = request.form
    try:
        outcome = outcomes.check(form.get("outcome", ""), amount=form.get("amount"), left=form.get("left"),
                                 promised_date=form.get("promised_date"), text=form.get("text"),
                                 claimed_yuan=case["amount_yuan"])
        workers = (form.get("workers_paid") or "").strip()
        if workers and not workers.isdigit():
            raise case_state.TransitionError("“兑付人数”需要填整数")
        case_state.record_outcome(get_db(), case_id, current_user().email, outcome, now(),
                                  workers_paid=int(workers) if workers else None, note=form.get("note", ""))
    except (outcomes.OutcomeError, case_state.TransitionError) as e:
        flash(str(e), "error")
        return redirect(url_for("desk.case", case_id=case_id)), 303
    flash(f"已办结：{outcome.spec.zh}。投诉人会收到短信（如同意），并可在查询页回复是否拿到工资。", "ok")
    return redirect(url_for("desk.case", case_id=case_id)), 303


@bp.context_processor
def _outcome_words():
    """What the case page's outcome form, outcome row and answers table need."""
    zone = get_config().timezone
    tz_label = zone_words(zone)
    return {"OUTCOMES": outcomes.OUTCOMES, "OUTCOME_LABEL": outcomes.label, "PAID_ZH": answers.PAID_ZH,
            "RATING_ZH": answers.RATING_ZH, "worker_answers_of": lambda cid: answers.answers_for(get_db(), cid),
            "tz_label": tz_label, "format_local": format_local, "money_lines": money.figure_lines,
            "money_label": money.outcome_label}
