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
           "min_wage": "本县月最低工资标准：{mw} 元（仲裁终局的上限是它的12倍：{limit} 元）"},
    "en": {"mode": "How is your pay counted", "by_month": "By month", "by_day": "By day",
           "units": "Months or days worked", "units_hint": "By month: the number of months (2.5 is fine); by day: the days",
           "rate": "Monthly or daily wage (yuan)", "rate_hint": "The agreed wage, for example 6000 a month or 300 a day",
           "paid": "Already paid (yuan)", "paid_hint": "Leave empty if nothing",
           "no_contract": "Months worked with no written contract", "no_contract_hint": "Leave empty if you signed one (double wages are estimated by month only)",
           "submit": "Work it out", "result": "Result",
           "min_wage": "County monthly minimum wage: {mw} yuan (the final-award limit is 12 times that: {limit} yuan)"},
}


def calculator_html(reg: Registry, lang: str) -> str:
    """The form (GET to the form service) with an empty live region the script fills."""
    t = TEXT[lang]
    mw = reg.county.minimum_wage.monthly_yuan
    root = "../../" if lang == "en" else "../"
    hidden_lang = '<input type="hidden" name="lang" value="en">' if lang == "en" else ""

    def field(name: str, label: str, hint: str, mode: str = "decimal") -> str:
        return (f'<p class="ws-field"><label for="ws-calc-{name}">{e(label)}</label>'
                f'<input id="ws-calc-{name}" name="{name}" inputmode="{mode}" autocomplete="off" '
                f'aria-describedby="ws-calc-{name}-hint"><small id="ws-calc-{name}-hint">{e(hint)}</small></p>')

    return (
        f'<form class="ws-calc" id="ws-calc" method="get" action="{root}tools/calculator" '
        f'data-min-wage="{mw}" data-lang="{lang}">{hidden_lang}'
        f'<fieldset><legend>{e(t["mode"])}</legend>'
        f'<label><input type="radio" name="mode" value="month" checked> {e(t["by_month"])}</label> '
        f'<label><input type="radio" name="mode" value="day"> {e(t["by_day"])}</label></fieldset>'
        + field("units", t["units"], t["units_hint"]) + field("rate", t["rate"], t["rate_hint"])
        + field("paid", t["paid"], t["paid_hint"]) + field("no_contract", t["no_contract"], t["no_contract_hint"], "numeric")
        + f'<p><button type="submit" class="md-button md-button--primary">{e(t["submit"])}</button></p>'
        f'<p><small>{e(t["min_wage"].format(mw=mw, limit=f"{12 * mw:,}"))}</small></p>'
        f'</form><section id="ws-calc-result" aria-live="polite" aria-label="{e(t["result"])}"></section>'
        f'<script src="{root}assets/js/calculator.js" defer></script>'
    )
