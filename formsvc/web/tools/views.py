"""The tools' routes: thin, as in ``intake.views`` (the rules live in ``wagesafe.wagecalc`` and
``formsvc.web.tools.application``)."""

from __future__ import annotations

from math import ceil

from flask import render_template, request

from wagesafe.wagecalc import CalcError, calculate, yuan

from formsvc.web import i18n
from formsvc.web.context import get_registry
from formsvc.web.intake.views import current_lang
from .blueprint import bp
from .words import w


@bp.context_processor
def words():
    lang = current_lang()
    return dict(t=lambda key, **kw: i18n.t(key, lang, **kw), w=lambda key, **kw: w(key, lang, **kw), lang=lang,
                county=get_registry().county, switch_url=None)


@bp.after_request
def no_store(response):
    # What a worker typed (wages, names, a case) must not stay in a shared phone's or proxy's cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tools/calculator")
def calculator():
    """The calculator's answer when the page's script did not run (the portal form GETs here)."""
    lang = current_lang()
    args = request.args
    values = {k: (args.get(k) or "")[:40] for k in ("mode", "units", "rate", "paid", "no_contract")}
    values["mode"] = values["mode"] if values["mode"] in ("month", "day") else "month"
    if not values["units"] and not values["rate"]:
        return render_template("tools/calculator.html", values=values, result=None, error=None)
    mw = get_registry().county.minimum_wage.monthly_yuan
    try:
        r = calculate(values["mode"], values["units"], values["rate"], values["paid"], values["no_contract"],
                      minimum_wage_monthly=mw)
    except CalcError as err:
        return render_template("tools/calculator.html", values=values, result=None,
                               error=(err.field, err.message(lang))), 400
    lines = [w("in47" if r.within_final_limit else "out47", lang, o=yuan(r.owed), l=yuan(r.final_limit)),
             w("a85", lang, lo=yuan(r.art85_low), hi=yuan(r.art85_high))]
    nc = int(values["no_contract"] or 0) if values["no_contract"].strip().isdigit() else 0
    if r.mode == "month" and r.double_months:
        lines.append(w("a82", lang, m=r.double_months, x=yuan(r.double_extra)))
    elif r.mode == "day" and nc:
        lines.append(w("a82day", lang))
    carry = {"amount_yuan": int(r.owed)}
    if r.mode == "month":
        carry["months_owed"] = ceil(r.units)
    return render_template("tools/calculator.html", values=values, result=r, lines=lines, carry=carry, error=None,
                           owed=yuan(r.owed), earned=yuan(r.earned), paid=yuan(r.paid))
