"""The public defaulters' list (拖欠农民工工资失信联合惩戒对象名单), from the optional ``data/defaulters.csv``.

The list republishes decisions the labour authority has published (《保障农民工工资支付条例》
art. 48; 人社部令第45号: listed normally for 3 years). An entry is shown from its listing date up to
and including its end date, judged on the build day in China (UTC+8): an entry whose end date has
passed is simply absent from the next build — a worker must never read a name that is no longer
listed. The list works without JavaScript; ``project-filter.js`` adds the search box
(``ws_filter: true`` on the page). Sample entries say so on every row.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from wagesafe.registry import Registry

from .html import e, zh

CHINA = timezone(timedelta(hours=8))


def build_day(reg: Registry | None = None) -> date:
    """Today in China: the day the build judges which entries are still in force."""
    return datetime.now(CHINA).date()


TEXT = {
    "zh": {"count": "共 {n} 家单位（{d} 在名单内的）", "none": "目前本县没有在名单内的单位。",
           "filter": "按单位名称、统一社会信用代码或文号查找", "filter_hint": "输入几个字，只显示相关单位。",
           "code": "统一社会信用代码", "authority": "决定机关", "decision": "决定文号",
           "listed": "列入日期", "ends": "移出日期", "fictional": "示例数据，单位为虚构"},
    "en": {"count": "{n} units listed on {d}", "none": "No unit of the county is on the list now.",
           "filter": "Search by unit name, credit code or decision number",
           "filter_hint": "Type a few characters to show matching units only.",
           "code": "Unified social credit code", "authority": "Decided by", "decision": "Decision no.",
           "listed": "Listed on", "ends": "Ends on", "fictional": "Sample data: a fictional unit"},
}


def defaulters_html(reg: Registry, lang: str, today: date | None = None) -> str:
    """The list as an HTML fragment: one item per entry in force, newest listing first."""
    t = TEXT[lang]
    day = today or build_day(reg)
    entries = sorted(reg.defaulters_in_force(day), key=lambda d: (d.listed_on, d.unit_name), reverse=True)
    out = [f'<p class="ws-count">{e(t["count"].format(n=len(entries), d=day.isoformat()))}</p>']
    if not entries:
        out.append(f"<p>{e(t['none'])}</p>")
        return "\n".join(out)
    out.append(f'<div class="ws-filter" hidden><label for="ws-filter-input">{e(t["filter"])}</label>'
               f'<input id="ws-filter-input" type="search" autocomplete="off" aria-describedby="ws-filter-hint">'
               f'<small id="ws-filter-hint">{e(t["filter_hint"])}</small></div>')
    out.append('<div class="ws-project-index ws-defaulters"><section class="ws-town"><ul class="ws-projects">')
    for d in entries:
        text = f"{d.unit_name} {d.credit_code} {d.decision_no} {d.authority}".lower()
        sample = f' <small class="ws-sample">（{e(t["fictional"])}）</small>' if d.fictional else ""
        out.append(
            f'<li data-ws-text="{e(text)}"><strong>{zh(d.unit_name, lang)}</strong>{sample}<br>'
            f'<small>{e(t["code"])}: <code>{e(d.credit_code)}</code> · {e(t["authority"])}: {zh(d.authority, lang)}'
            f' · {e(t["decision"])}: {zh(d.decision_no, lang)} · {e(t["listed"])}: {d.listed_on.isoformat()}'
            f' · {e(t["ends"])}: {d.ends_on.isoformat()}</small></li>')
    out.append("</ul></section></div>")
    return "\n".join(out)
