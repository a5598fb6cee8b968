"""The worker's answer after an outcome: POST /status/answer from the status page.

The page was reached with the receipt and the mobile (the two keys of ``find_for_status``); the
answer form carries both again and they are checked again here, under the same rate limit as
the status check, so an answer can only come from someone who could open the page.
"""

from __future__ import annotations

from flask import render_template, request

from wagesafe.registry import rules

from formsvc.case import answers, complaints, receipts
from formsvc.storage import store
from formsvc.web import i18n
from formsvc.web.context import get_config, get_db, get_registry
from .blueprint import bp
from . import limits
from .forms import StatusForm, clean_text
from .views import _rate_limited, current_lang, render_case


@bp.route("/status/answer", methods=["POST"])
def status_answer():
    lang, db = current_lang(), get_db()
    form = StatusForm()
    form.validate()
    receipt = receipts.normalize(request.form.get("receipt", ""))
    # The same limits as the status check: a case this browser opened is never refused; a guesser
    # meets the polite refusal page (never a 500: issue 25), and the worker's words are not lost.
    refused = limits.lookup_refused(receipt)
    if refused:
        return _rate_limited(refused)
    typed = (request.form.get("mobile") or "").strip()
    mobile = rules.normalize_mobile(typed) if typed and rules.is_mobile(typed) else ""
    case = complaints.find_for_status(db, receipt, mobile) if receipt else None
    if case is None:
        limits.lookup_missed(receipt)
        return render_template("intake/status.html", form=form, case=None, not_found=True), 404
    limits.remember_receipt(receipt)
    try:
        answer = answers.record_answer(db, get_registry(), get_config(), case["id"], request.form.get("paid", ""),
                                       request.form.get("rating", ""),
                                       clean_text(request.form.get("comment", ""), multiline=True), store.utcnow())
    except answers.AnswerError as e:
        return render_case(db, form, case, mobile, lang, answer_error=i18n.t(e.key, lang)), 400
    case = complaints.find_for_status(db, receipt, mobile)
    return render_case(db, form, case, mobile, lang, answered=answer)
