"""The wage calculator's portal page: a form that works twice.

Without JavaScript it is an ordinary GET form answered by the form service (``/tools/calculator``,
``formsvc.web.tools``); with JavaScript, ``assets/js/calculator.js`` answers on the page as the
worker types, with the same rules as ``wagesafe.wagecalc`` (the tests hold both to the same cases).
The county's monthly minimum wage (for the art. 47 limit) is written into the form at build time.
"""

from __future__ import annotations

from wagesafe.registry import Registry

from .html import e

TEXT = {
    "zh": {"mode": "怎么算工资", "by_month": "按月", "by_day": "按天",
           "units": "干了几个月 / 几天", "units_hint": "按月填月数（可以是2.5），按天填天数",
           "rate": "每月 / 每天工资（元）", "rate_hint": "约定的工资，例如每月6000或每天300",
           "paid": "已经拿到多少（元）", "paid_hint": "没拿到就不填",
           "no_contract": "没签书面劳动合同，干了几个月", "no_contract_hint": "签了合同就不填（只在按月算时估算两倍工资）",
           "submit": "算一算", "result": "结果",
           "min_wage": "本县月最低工资标准：{mw} 元（仲裁终局的上限是它的12倍：{limit} 元，按裁决的每一项分开看）",
           "comp_legend": "因为欠薪离职的经济补偿（可以不填）",
           "start": "入职日期", "start_hint": "例如 2023-03-01",
           "left": "离职日期（最后上班那天）", "left_hint": "因为欠薪书面提出解除劳动合同、最后上班的那天",
           "comp_wage": "离职前12个月平均每月工资（元）", "comp_wage_hint": "按月算的不填就按上面的月工资；按天算的要填",
           "avg_wage": "{city}公布的上年度职工月平均工资：{avg} 元（{year}年度；来源：{source}）。月工资高于它的3倍（{cap} 元）的，"
                       "经济补偿每月按 {cap} 元算，最多算12年（《劳动合同法》第47条）。"},
    "en": {"mode": "How is your pay counted", "by_month": "By month", "by_day": "By day",
           "units": "Months or days worked", "units_hint": "By month: the number of months (2.5 is fine); by day: the days",
           "rate": "Monthly or daily wage (yuan)", "rate_hint": "The agreed wage, for example 6000 a month or 300 a day",
           "paid": "Already paid (yuan)", "paid_hint": "Leave empty if nothing",
           "no_contract": "Months worked with no written contract", "no_contract_hint": "Leave empty if you signed one (double wages are estimated by month only)",
           "submit": "Work it out", "result": "Result",
           "min_wage": "County monthly minimum wage: {mw} yuan (the final-award limit is 12 times that: {limit} yuan, for each item of an award)",
           "comp_legend": "Compensation if you leave because wages are unpaid (optional)",
           "start": "Start date", "start_hint": "For example 2023-03-01",
           "left": "Leaving date (your last day at work)", "left_hint": "The last day you worked, after ending the contract in writing because wages were unpaid",
           "comp_wage": "Average monthly wage over the last 12 months (yuan)", "comp_wage_hint": "By month, empty means the monthly wage above; by day, fill it in",
           "avg_wage": "Previous year's average monthly wage published by {city}: {avg} yuan ({year}; source: {source}). Above 3 × that "
                       "({cap} yuan), compensation counts {cap} yuan a month, for at most 12 years (Labour Contract Law art. 47)."},
}


def calculator_html(reg: Registry, lang: str) -> str:
    """The form (GET to the form service) with an empty live region the script fills."""
    t = TEXT[lang]
    mw = reg.county.minimum_wage.monthly_yuan
    avg = reg.county.average_wage
    root = "../../" if lang == "en" else "../"
    hidden_lang = '<input type="hidden" name="lang" value="en">' if lang == "en" else ""

    def field(name: str, label: str, hint: str, mode: str = "decimal", kind: str = "") -> str:
        kind_attr = f'type="{kind}" ' if kind else f'inputmode="{mode}" '
        return (f'<p class="ws-field"><label for="ws-calc-{name}">{e(label)}</label>'
                f'<input id="ws-calc-{name}" name="{name}" {kind_attr}autocomplete="off" '
                f'aria-describedby="ws-calc-{name}-hint"><small id="ws-calc-{name}-hint">{e(hint)}</small></p>')

    avg_note = (t["avg_wage"].format(city=reg.county.city_zh, avg=f"{avg.monthly_yuan:,}", year=avg.year,
                                     source=avg.source_zh, cap=f"{3 * avg.monthly_yuan:,}") if avg else "")
    comp_block = (
        f'<fieldset class="ws-calc-comp"><legend>{e(t["comp_legend"])}</legend>'
        + field("start", t["start"], t["start_hint"], kind="date") + field("left", t["left"], t["left_hint"], kind="date")
        + field("comp_wage", t["comp_wage"], t["comp_wage_hint"])
        + (f'<p><small>{e(avg_note)}</small></p>' if avg_note else "") + '</fieldset>')

    return (
        f'<form class="ws-calc" id="ws-calc" method="get" action="{root}tools/calculator" '
        f'data-min-wage="{mw}" data-avg-wage="{avg.monthly_yuan if avg else ""}" '
        f'data-avg-year="{avg.year if avg else ""}" data-city="{e(reg.county.city_zh)}" data-lang="{lang}">{hidden_lang}'
        f'<fieldset><legend>{e(t["mode"])}</legend>'
        f'<label><input type="radio" name="mode" value="month" checked> {e(t["by_month"])}</label> '
        f'<label><input type="radio" name="mode" value="day"> {e(t["by_day"])}</label></fieldset>'
        + field("units", t["units"], t["units_hint"]) + field("rate", t["rate"], t["rate_hint"])
        + field("paid", t["paid"], t["paid_hint"]) + field("no_contract", t["no_contract"], t["no_contract_hint"], "numeric")
        + comp_block
        + f'<p><button type="submit" class="md-button md-button--primary">{e(t["submit"])}</button></p>'
        f'<p><small>{e(t["min_wage"].format(mw=mw, limit=f"{12 * mw:,}"))}</small></p>'
        f'</form><section id="ws-calc-result" aria-live="polite" aria-label="{e(t["result"])}"></section>'
        f'<script src="{root}assets/js/calculator.js" defer></script>'
    )
