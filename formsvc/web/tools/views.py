"""The tools' routes: thin, as in ``intake.views`` (the rules live in ``wagesafe.wagecalc`` and
``formsvc.web.tools.application``)."""

from __future__ import annotations

from math import ceil

from flask import render_template, request
from flask_wtf.csrf import CSRFError

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


CALC_FIELDS = ("mode", "units", "rate", "paid", "no_contract", "start", "left", "comp_wage")


def result_lines(r, county, lang: str) -> list[str]:
    """The answer's lines, in the order the page's script prints them: each claim with its own
    final-award test (解释（一） art. 19), the mixed-award rule (art. 20) when it applies, art. 85, the
    double wages, the compensation with its caps and art. 87 beside it."""
    lines = []
    for item in r.items:
        lines.append(w("fin_in" if item.within else "fin_out", lang, what=w(f"item_{item.key}", lang),
                       o=yuan(item.amount), l=yuan(r.final_limit)))
    if r.mixed_award:
        lines.append(w("fin_mixed", lang))
    if r.owed > 0:
        lines.append(w("a85", lang, lo=yuan(r.art85_low), hi=yuan(r.art85_high)))
    if r.no_contract_capped:
        lines.append(w("nc_capped", lang, nc=r.no_contract_entered, w=ceil(r.units)))
    if r.mode == "month" and r.double_months:
        lines.append(w("a82", lang, m=r.double_months, x=yuan(r.double_extra)))
    elif r.mode == "day" and r.no_contract_entered:
        lines.append(w("a82day", lang))
    c = r.compensation
    if c is not None:
        service = w("service" if c.full_months >= 12 else "service_months", lang, y=c.full_months // 12,
                    m=c.full_months % 12, more=w("service_more", lang) if c.extra_days else "")
        n = c.months_paid_for
        lines.append(w("comp", lang, service=service, n=f"{n:g}", b=yuan(c.base), c=yuan(c.amount)))
        if c.wage_capped:
            wage = county.average_wage
            lines.append(w("comp_cap", lang, w=yuan(c.wage), city=county.city_zh, year=wage.year if wage else "",
                           avg=yuan(c.average), b=yuan(c.base), cut=w("comp_cut", lang) if c.years_capped else ""))
        lines.append(w("comp_how", lang))
        lines.append(w("art87", lang, x=yuan(c.art87)))
    return lines


def average_wage_note(county, lang: str) -> str:
    wage = county.average_wage
    if wage is None:
        return ""
    return w("avg_wage", lang, city=county.city_zh, avg=f"{wage.monthly_yuan:,}", year=wage.year,
             source=wage.source_zh, cap=f"{3 * wage.monthly_yuan:,}")


@bp.route("/tools/calculator")
def calculator():
    """The calculator's answer when the page's script did not run (the portal form GETs here)."""
    lang = current_lang()
    args = request.args
    county = get_registry().county
    values = {k: (args.get(k) or "")[:40] for k in CALC_FIELDS}
    values["mode"] = values["mode"] if values["mode"] in ("month", "day") else "month"
    note = average_wage_note(county, lang)
    if not values["units"] and not values["rate"]:
        return render_template("tools/calculator.html", values=values, result=None, error=None, avg_note=note)
    try:
        r = calculate(values["mode"], values["units"], values["rate"], values["paid"], values["no_contract"],
                      minimum_wage_monthly=county.minimum_wage.monthly_yuan, start=values["start"],
                      left=values["left"], comp_wage=values["comp_wage"],
                      average_wage_monthly=county.average_wage.monthly_yuan if county.average_wage else None)
    except CalcError as err:
        return render_template("tools/calculator.html", values=values, result=None, avg_note=note,
                               error=(err.field, err.message(lang))), 400
    carry = {"amount_yuan": int(r.owed)}
    if r.months_owed:
        carry["months_owed"] = r.months_owed
    return render_template("tools/calculator.html", values=values, result=r, lines=result_lines(r, county, lang),
                           carry=carry, error=None, owed=yuan(r.owed), earned=yuan(r.earned), paid=yuan(r.paid),
                           avg_note=note)


@bp.before_request
def refuse_junk_floods():
    """The worker's tools take the intake's junk limit (issue 25): a device that sent too many
    expired or forged forms is refused before its post is read any further."""
    if request.method == "POST":
        from formsvc.web.intake.views import refuse_junk_floods as intake_gate

        return intake_gate()
    return None


@bp.errorhandler(CSRFError)
def csrf_failed(e):
    """An expired or forged token on a tool's form: the intake's polite page (was werkzeug's English
    "Bad Request"), counted as junk like there."""
    from formsvc.web.intake.views import csrf_failed as intake_csrf_failed

    return intake_csrf_failed(e)


@bp.after_request
def give_device_cookie(response):
    """The worker's tools are worker pages too: their posts count per device (``intake.limits``)."""
    if request.method in ("GET", "HEAD") and response.status_code == 200 and response.mimetype == "text/html":
        from formsvc.web.intake import limits

        limits.give_device_cookie(response)
    return response


# --- the arbitration application -------------------------------------------------------------

def _handled_by(db, case_id: int, m) -> str:
    """The unit that handled the case (not the county's name for what 龙潭镇 did): the other county for
    its outcome, else who held the case (``story.holder``: the township or department that took it)."""
    from formsvc.case import cases, story
    from formsvc.web.context import get_partners

    if m.current is not None and m.current.where:
        return m.current.where
    return story.holder(cases.get_case(db, case_id), story.Places(get_registry(), get_partners()))[0].zh


def _case_prefill(receipt_typed: str, mobile_typed: str):
    """The worker's own case as application fields, or None (receipt and mobile must both match,
    as on the status page, and the same hourly limit applies)."""
    from wagesafe.registry import rules

    from formsvc.case import complaints, evidence, money, receipts
    from formsvc.web.context import get_config, get_db
    from formsvc.web.intake import limits
    from formsvc.web.tools.application import LIMITS, MAX_EVIDENCE

    db = get_db()
    receipt = receipts.normalize(receipt_typed)
    refused = limits.lookup_refused(receipt)
    if refused:
        raise refused
    mobile = rules.normalize_mobile(mobile_typed) if mobile_typed and rules.is_mobile(mobile_typed) else ""
    case = complaints.find_for_status(db, receipt, mobile) if receipt_typed else None
    if case is None:
        limits.lookup_missed(receipt)
        return None
    limits.remember_receipt(receipt)
    if case["anonymous"]:
        return None
    row = db.conn.execute("SELECT name, mobile, owed_by_name, trade, amount_yuan, months_owed, description, "
                          "project_code, site_address FROM complaints WHERE id = ?", (case["id"],)).fetchone()
    name, mob, owed_by, trade, amount, months, description, project_code, site_address = row
    # What is still owed (formsvc.case.money), not what was first claimed: after 8,000 of 12,000 was
    # paid, the application claims 4,000; the worker's uploaded files are its evidence list.
    m = money.of_case(db, {"id": case["id"]})
    values = {"name": name, "mobile": mob, "facts": description, "r1_name": owed_by,
              "claim1": "请求裁决被申请人支付拖欠的工资" if not m.recovered else "请求裁决被申请人支付尚欠的工资",
              "amount1": str(m.left or "")}
    for i, ev in enumerate(evidence.listing(db, case["id"], get_config().timezone)[:MAX_EVIDENCE], 1):
        values[f"evidence{i}"] = f"{ev['kind']}：{ev['name']}"[:LIMITS["evidence"]]
        values[f"source{i}"] = f"申请人提供，{ev['date']}上传至薪安通（回执号 {case['receipt']}）"[:LIMITS["source"]]
    paid_words = (f"经{_handled_by(db, case['id'], m)}处理，已支付{m.recovered:,}元，尚欠{m.left:,}元。"
                  if m.recovered else "")
    project = get_registry().project(project_code or "")
    if months:  # the months owed the worker gave (the calculator carries what is owed, not months worked)
        values["months_unpaid"] = str(months)
    if trade:
        values["occupation"] = trade
    if project is not None:
        values["workplace"] = project.name_zh
        values["r2_name"] = project.general_contractor
        values["facts"] = (f"申请人在{project.name_zh}（{project.address_zh}）做{trade or '工'}"
                           f"{f'，被拖欠{months}个月工资' if months else ''}。{description}").strip()
    elif site_address:
        values["facts"] = f"申请人在{site_address}做{trade or '工'}。{description}".strip()
    if m.recovered:  # the 要素 "已支付" says what the facts say was paid (was left blank: "已支付：0元")
        values["paid_amount"] = str(m.recovered)
    if paid_words:
        values["facts"] = f"{values['facts'] or ''}{paid_words}"
    return values


def _application_page(values: dict, errors: dict | None = None, prefill_failed: bool = False, status: int = 200):
    from formsvc.web.tools.application import (LABELS, LEAVE_MANNERS, LIMITS, MAX_CLAIMS, MAX_EVIDENCE,
                                               MAX_WITNESSES, PAY_UNITS, SEXES)

    registry = get_registry()
    county = registry.county
    return render_template("tools/application.html", values=values, errors=errors or {}, limits=LIMITS,
                           labels=LABELS, n_claims=MAX_CLAIMS, n_evidence=MAX_EVIDENCE, n_witnesses=MAX_WITNESSES,
                           sexes=[(s, (s, {"男": "Male", "女": "Female"}[s])) for s in SEXES],
                           pay_units=list(PAY_UNITS.items()),
                           leave_manners=list(LEAVE_MANNERS.items()),
                           prefill_failed=prefill_failed, arbitration=county.arbitration_zh,
                           arbitration_phone=county.arbitration_phone), status


@bp.route("/tools/application", methods=["GET", "POST"])
def application():
    """GET: the form (an amount carried from the calculator, a receipt from the status page).
    POST ``action=prefill``: the worker's case (receipt + mobile) fills the form. POST: the PDF."""
    from datetime import datetime, timedelta, timezone

    from formsvc.case import ratelimit
    from formsvc.web.tools.application import application_pdf, committee_name, parse

    lang = current_lang()
    if request.method == "GET":
        values = {"receipt": (request.args.get("receipt") or "")[:20]}
        amount = (request.args.get("amount_yuan") or "")[:12]
        if amount.isdigit():
            values.update(claim1="请求裁决被申请人支付拖欠的工资", amount1=amount)
        months = (request.args.get("months_owed") or "")[:3]
        if months.isdigit() and 0 < int(months) <= 120:  # the calculator's months owed, never months worked
            values.update(months_unpaid=months, pay_unit="month")
        return _application_page(values)
    form = request.form
    if form.get("action") == "prefill":
        try:
            values = _case_prefill((form.get("receipt") or "")[:20], (form.get("prefill_mobile") or "")[:20])
        except ratelimit.RateLimited as refused:
            from formsvc.web.intake.views import _rate_limited

            return _rate_limited(refused)
        if values is None:
            return _application_page({"receipt": (form.get("receipt") or "")[:20]}, prefill_failed=True, status=404)
        return _application_page(values)
    app_data, errors = parse(form, lang)
    if errors:
        values = {k: (form.get(k) or "")[:10_000] for k in form.keys() if k != "csrf_token"}
        return _application_page(values, errors, status=400)
    registry = get_registry()
    county = registry.county
    today = datetime.now(timezone(timedelta(hours=8))).date()
    office = county.arbitration_zh or committee_name(county.name_zh, "")
    pdf = application_pdf(app_data, committee=committee_name(county.name_zh, county.arbitration_zh),
                          arbitration_office=office, arbitration_phone=county.arbitration_phone, today=today,
                          fictional=county.fictional)
    return pdf, 200, {"Content-Type": "application/pdf",
                      "Content-Disposition": "inline; filename=\"arbitration-application.pdf\""}
