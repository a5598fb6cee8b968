"""One public page per registry project, and the project index grouped by township.

A project page shows what the site notice (维权信息告示牌) must show by law (《保障农民工工资支付条例》
art. 34), the township officer who takes the complaint first, the complaint link ``/r/<code>``,
its QR code and the printable posters. Pages are HTML fragments inserted into the theme by the
mkdocs hooks; links are relative so the same fragment works under ``/`` and ``/en/``.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache

from wagesafe.registry import PROJECT_STATUS_ZH, Project, Registry, project_path

from .html import e, root_of, tel, zh

STATUS_EN = {"planned": "Planned", "active": "Under construction", "suspended": "Suspended",
             "completed": "Completed"}

TEXT = {
    "zh": {
        "complain": "投诉这个工地欠薪", "check_status": "已投诉？查进度", "general_form": "不是这个工地？用通用投诉表",
        "complain_note": "点按钮，或用手机扫下面的二维码，填表投诉。不用登录。",
        "qr_alt": "投诉二维码：扫码打开本工地的投诉表",
        "poster": "打印告示牌", "a4": "A4 版（PDF）", "a3": "A3 版（PDF）",
        "help": "投诉和求助", "parties": "各方单位", "wages": "工资", "project": "项目信息",
        "officer": "农民工服务专员（首问负责）", "deputy_acting": "专员不在岗期间，由副专员负责",
        "builder": "建设单位", "gc": "施工总承包单位", "gc_dept": "总包项目部", "pm": "项目经理",
        "subs": "分包单位", "sub_none": "无（本项目未分包）",
        "sub_unknown": "未登记（可向总包项目部或劳资专管员询问）", "team_leader": "班组长",
        "defaulter": "已列入拖欠农民工工资失信联合惩戒对象名单", "defaulter_link": "查看名单",
        "authority": "行业主管部门", "authority_phone": "行业主管部门投诉电话",
        "labour_manager": "劳资专管员",
        "min_wage": "当地最低工资标准", "per_month": "元/月", "per_hour": "元/小时", "since": "（{d}起执行）",
        "pay_day": "工资支付日", "pay_day_value": "每月{d}日", "bank": "工资专用账户开户银行",
        "inspection": "劳动保障监察投诉电话", "arbitration": "劳动争议仲裁", "mediation": "劳动争议调解",
        "legal_aid": "法律援助", "legal_aid_map": "找最近的法律援助点",
        "hotlines": "服务热线", "address": "工地地址", "township": "所属镇街", "status": "状态",
        "period": "工期", "code": "项目编号", "open_end": "未定",
        "law": "依据《保障农民工工资支付条例》第三十四条公示。",
        "by_township": "按镇街分组", "count": "共 {n} 个项目",
        "filter": "按名称、编号或地址筛选", "filter_hint": "输入几个字，只显示相关项目。",
        "no_projects": "还没有登记的工地：看本镇街的服务专员和投诉电话",
        "no_projects_here": "本镇街还没有登记的工地项目。你的工地不在名单上，也照样可以投诉：打上面的电话。",
        "town_how": "在本镇街干活被欠薪：扫工地告示牌上的二维码投诉，或直接打电话给本镇街的农民工服务专员。",
    },
    "en": {
        "complain": "Complain about unpaid wages on this site",
        "check_status": "Complained already? Check progress", "general_form": "Another site? Use the general form",
        "complain_note": "Tap the button, or scan the QR code below with your phone, and fill in the form. No sign-in.",
        "qr_alt": "Complaint QR code: scan it to open this site's complaint form",
        "poster": "Print the site notice", "a4": "A4 (PDF)", "a3": "A3 (PDF)",
        "help": "Complaints and help", "parties": "Who is responsible", "wages": "Wages", "project": "Project",
        "officer": "Migrant-worker service officer (takes your complaint first)",
        "deputy_acting": "the deputy, while the officer is away",
        "builder": "Project owner (建设单位)", "gc": "General contractor (施工总承包单位)",
        "gc_dept": "Contractor's project department", "pm": "Project manager",
        "subs": "Subcontractors", "sub_none": "None (nothing on this project is subcontracted)",
        "sub_unknown": "Not registered (ask the general contractor's project office or the labour manager)",
        "team_leader": "team boss (班组长)",
        "defaulter": "On the list of employers in default on migrant workers' wages", "defaulter_link": "see the list",
        "authority": "Industry authority", "authority_phone": "Industry authority complaint phone",
        "labour_manager": "Labour manager (劳资专管员)",
        "min_wage": "Local minimum wage", "per_month": "yuan a month", "per_hour": "yuan an hour",
        "since": " (since {d})",
        "pay_day": "Wage payment day", "pay_day_value": "day {d} of every month",
        "bank": "Bank of the wage special account",
        "inspection": "Labour inspection complaint phone", "arbitration": "Labour dispute arbitration",
        "mediation": "Labour dispute mediation",
        "legal_aid": "Legal aid", "legal_aid_map": "Find the nearest legal-aid place",
        "hotlines": "Hotlines", "address": "Site address", "township": "Township", "status": "Status",
        "period": "Period", "code": "Project code", "open_end": "not set",
        "law": "Published as required by art. 34 of the Regulations on Ensuring Payment of Wages to Migrant Workers.",
        "by_township": "By township", "count": "{n} projects",
        "filter": "Filter by name, code or address", "filter_hint": "Type a few characters to show matching projects only.",
        "no_projects": "No registered site yet: see the township's officer and complaint phones",
        "no_projects_here": "No construction project of this township is registered yet. Your site is not listed? "
                            "You can still complain: call a number above.",
        "town_how": "Owed wages for work in this township? Scan the QR code on the site notice board, or call the "
                    "township's migrant-worker service officer directly.",
    },
}


def project_title(p: Project, lang: str) -> str:
    """The page title: the English name when there is one on the English site."""
    return (p.name_en or p.name_zh) if lang == "en" else p.name_zh


def _lang_prefix(lang: str) -> str:
    return "en/" if lang == "en" else ""


def project_url(code: str, lang: str) -> str:
    """The page's URL relative to the site root: ``projects/<code>/`` or ``en/projects/<code>/``."""
    return f"{_lang_prefix(lang)}projects/{code}/"


def _row(label: str, value_html: str) -> str:
    return f"<tr><th scope=\"row\">{e(label)}</th><td>{value_html}</td></tr>"


def _date(d: date | None, t: dict) -> str:
    return d.isoformat() if d else t["open_end"]


@lru_cache(maxsize=4)
def _provincial_svg(url: str) -> str:
    """The province's unified QR (PROVINCIAL_QR_URL) as inline SVG: the same code for every page."""
    import segno

    return segno.make_qr(url, error="q").svg_inline(scale=3, border=4, omitsize=False)


def provincial_qr_html(url: str, label: str, lang: str) -> str:
    """Beside the local QR, smaller (seed 002: "全省统一的欠薪维权二维码及本地投诉举报二维码"); "" without a URL."""
    if not url:
        return ""
    note = "Province-wide complaint code" if lang == "en" else "全省统一欠薪维权二维码"
    title = label or note
    return (f'<p class="ws-qr ws-qr-province"><strong>{e(title)}</strong><br>'
            f'<span role="img" aria-label="{e(note)}: {e(url)}">{_provincial_svg(url)}</span>'
            f'<br><a href="{e(url)}">{e(url)}</a></p>')


def project_page_html(reg: Registry, p: Project, lang: str, provincial_url: str = "",
                      provincial_label: str = "") -> str:
    """The body of a project's page (below its title), as an HTML fragment."""
    t = TEXT[lang]
    root = root_of(project_url(p.code, lang))
    county = reg.county
    town = reg.township_of(p)
    dept = reg.industry_authority(p)
    person = town.responsible
    mw = county.minimum_wage
    posters = f"{root}posters/{p.code}/"
    form = root + project_path(p.code).lstrip("/") + ("?lang=en" if lang == "en" else "")
    lang_q = "?lang=en" if lang == "en" else ""
    out: list[str] = []

    out.append('<div class="ws-complain">')
    out.append(f'<p><a class="md-button md-button--primary ws-big" href="{e(form)}">{e(t["complain"])}</a></p>')
    out.append(f'<p>{e(t["complain_note"])}</p>')
    out.append(f'<p><a href="{e(root)}status{lang_q}">{e(t["check_status"])}</a> · '
               f'<a href="{e(root)}complain{lang_q}">{e(t["general_form"])}</a></p>')
    out.append(f'<p class="ws-qr"><img src="{e(posters)}qr.svg" alt="{e(t["qr_alt"])}" width="180" height="180">'
               f'<br><code>{e(project_path(p.code))}</code></p>')
    out.append(provincial_qr_html(provincial_url, provincial_label, lang))
    out.append(f'<p>{e(t["poster"])}: <a href="{e(posters)}poster-a4.pdf">{e(t["a4"])}</a> · '
               f'<a href="{e(posters)}poster-a3.pdf">{e(t["a3"])}</a></p>')
    out.append("</div>")

    # Complaints and help first: it is what a worker on this page came for.
    out.append(f'<h2 id="help">{e(t["help"])}</h2><table class="ws-facts"><tbody>')
    if person is not None:
        acting = f' <small>({e(t["deputy_acting"])})</small>' if town.officer_away and town.deputy is person else ""
        who = f"{zh(person.name, lang)}{acting}"
        if person.mobile:
            who += " " + tel(person.mobile)
        out.append(_row(t["officer"], who))
    desk = county.desk
    out.append(_row(t["inspection"], f"{zh(desk.name_zh, lang)} {tel(desk.phone)}"))
    if dept.complaint_phone:
        out.append(_row(t["authority_phone"], f"{zh(dept.name_zh, lang)} {tel(dept.complaint_phone)}"))
    mediation = reg.mediation_for(p.township)
    if mediation is not None:  # the same channel as the poster's (条例 art. 34(3))
        left, right = (" (", ")") if lang == "en" else ("（", "）")
        out.append(_row(t["mediation"], f"{zh(mediation.name_zh, lang)}{left}{zh(mediation.place_zh, lang)}{right} "
                                        f"{tel(mediation.phone)}"))
    if county.arbitration_zh or county.arbitration_phone:
        arb = zh(county.arbitration_zh, lang) + (" " + tel(county.arbitration_phone) if county.arbitration_phone else "")
        out.append(_row(t["arbitration"], arb))
    legal_aid_link = f'{root}{_lang_prefix(lang)}legal-aid/'
    out.append(_row(t["legal_aid"], f'{tel(county.legal_aid_phone)} · <a href="{e(legal_aid_link)}">'
                                    f'{e(t["legal_aid_map"])}</a>'))
    lines = []
    for number in ("12333", "12348"):
        h = reg.hotline(number)
        name = (h.name_en or h.name_zh) if (h and lang == "en") else (h.name_zh if h else "")
        lines.append(f"{tel(number)} {e(name)}")
    out.append(_row(t["hotlines"], "<br>".join(lines)))
    out.append("</tbody></table>")

    out.append(f'<h2 id="wages">{e(t["wages"])}</h2><table class="ws-facts"><tbody>')
    since = e(t["since"].format(d=mw.effective_from.isoformat())) if mw.effective_from else ""
    out.append(_row(t["min_wage"], f"{mw.monthly_yuan} {e(t['per_month'])} · {mw.hourly_yuan:g} "
                                   f"{e(t['per_hour'])}{since}"))
    out.append(_row(t["pay_day"], e(t["pay_day_value"].format(d=p.wage_payment_day))))
    out.append(_row(t["bank"], zh(p.wage_account_bank, lang)))
    out.append("</tbody></table>")

    out.append(f'<h2 id="parties">{e(t["parties"])}</h2><table class="ws-facts"><tbody>')
    listed = defaulter_names(reg)
    flag = lambda name: _defaulter_flag(name, listed, t, root, lang)  # noqa: E731
    out.append(_row(t["builder"], zh(p.builder, lang) + flag(p.builder)))
    out.append(_row(t["gc"], zh(p.general_contractor, lang) + flag(p.general_contractor)))
    out.append(_row(t["gc_dept"], zh(p.gc_project_department, lang)))
    out.append(_row(t["pm"], zh(p.gc_project_manager, lang)))
    if p.subcontractors:
        subs = "<ul>" + "".join(
            f"<li>{zh(s.name, lang)}{flag(s.name)}" + (f" · {zh(s.scope, lang)}" if s.scope else "")
            + (f" · {e(t['team_leader'])} {zh(s.team_leader, lang)}" if s.team_leader else "") + "</li>"
            for s in p.subcontractors) + "</ul>"
    elif p.says_no_subcontractor:
        subs = e(t["sub_none"])
    else:
        subs = e(t["sub_unknown"])
    out.append(_row(t["subs"], subs))
    auth_name = dept.name_en if (lang == "en" and dept.name_en) else dept.name_zh
    out.append(_row(t["authority"], e(auth_name)))
    lm = zh(p.labour_manager, lang) + (" " + tel(p.labour_manager_phone) if p.labour_manager_phone else "")
    out.append(_row(t["labour_manager"], lm))
    out.append("</tbody></table>")

    out.append(f'<h2 id="project">{e(t["project"])}</h2><table class="ws-facts"><tbody>')
    out.append(_row(t["code"], f"<code>{e(p.code)}</code>"))
    out.append(_row(t["address"], zh(p.address_zh, lang)))
    town_name = (town.name_en or town.name_zh) if lang == "en" else town.name_zh
    out.append(_row(t["township"], e(town_name)))
    status = STATUS_EN.get(p.status, p.status) if lang == "en" else PROJECT_STATUS_ZH.get(p.status, p.status)
    out.append(_row(t["status"], e(status)))
    out.append(_row(t["period"], f"{_date(p.start_date, t)} – {_date(p.end_date, t)}"))
    out.append("</tbody></table>")
    out.append(f'<p class="ws-law"><small>{e(t["law"])}</small></p>')
    return "\n".join(out)


def _norm(name: str) -> str:
    return "".join((name or "").split())


def defaulter_names(reg: Registry, today: date | None = None) -> set[str]:
    """Names (spaces removed) of the units on the defaulters' list today: a project page flags them."""
    from .defaulters import build_day

    return {_norm(d.unit_name) for d in reg.defaulters_in_force(today or build_day(reg))}


def _defaulter_flag(name: str, listed: set[str], t: dict, root: str, lang: str) -> str:
    if not name or _norm(name) not in listed:
        return ""
    link = f'{root}{_lang_prefix(lang)}defaulters/'
    return (f' <strong class="ws-defaulter">⚠ {e(t["defaulter"])}</strong> '
            f'<a href="{e(link)}">{e(t["defaulter_link"])}</a>')


def project_page_markdown(reg: Registry, p: Project, lang: str) -> str:
    """The virtual Markdown source of a project page: front matter, title and a marker.

    The body is inserted as HTML as the page is written (see ``hooks.on_post_page``); the page is
    kept out of the site-wide search index (thousands of near-identical pages would drown the
    guides) and out of the nav.
    """
    title = project_title(p, lang)
    desc = ("Site notice, complaint link and contacts for " if lang == "en" else "维权信息公示、投诉入口和联系人：") + title
    attr = " { lang=zh-Hans }" if lang == "en" and title == p.name_zh else ""
    # JSON strings are valid YAML double-quoted scalars: quotes and backslashes in names stay safe.
    return (f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n"
            f"description: {json.dumps(desc, ensure_ascii=False)}\nsearch:\n  exclude: true\n"
            f"ws_project: {p.code}\nhide: [toc]\n---\n\n# {e(title)}{attr}\n\n<!-- ws:project -->\n")


# Above this many projects the index lists townships only and each township gets its own page:
# at 20,000 projects a single list is ~5 MB of HTML (~0.5 MB gzipped), too much for a phone.
INLINE_LIMIT = 1000


def township_url(code: str, lang: str) -> str:
    """A township's project list: ``townships/<code>/`` (not under projects/: a project code
    could be any word)."""
    return f"{_lang_prefix(lang)}townships/{code}/"


def _filter_box(t: dict) -> str:
    return (f'<div class="ws-filter" hidden><label for="ws-filter-input">{e(t["filter"])}</label>'
            f'<input id="ws-filter-input" type="search" autocomplete="off" aria-describedby="ws-filter-hint">'
            f'<small id="ws-filter-hint">{e(t["filter_hint"])}</small></div>')


def _project_items(projects: list[Project], lang: str, prefix: str) -> str:
    out = ['<ul class="ws-projects">']
    for p in sorted(projects, key=lambda p: p.code):
        title = project_title(p, lang)
        text = f"{p.code} {p.name_zh} {p.name_en} {p.address_zh}".lower()
        out.append(f'<li data-ws-text="{e(text)}"><a href="{prefix}{e(p.code)}/"><code>{e(p.code)}</code> '
                   f'{zh(title, lang) if title == p.name_zh else e(title)}</a>'
                   f'<br><small>{zh(p.address_zh, lang)}</small></li>')
    out.append("</ul>")
    return "".join(out)


def _town_name(reg: Registry, code: str, lang: str) -> str:
    town = reg.townships[code]
    return (town.name_en or town.name_zh) if lang == "en" else town.name_zh


def project_index_html(reg: Registry, lang: str) -> str:
    """The project index (``projects/``): grouped by township and usable without JavaScript,
    with a text filter that ``project-filter.js`` shows and wires up.

    Up to ``INLINE_LIMIT`` projects every project is listed here; above it, the townships with
    their counts, each linking to its own list (``township_page_html``).
    """
    t = TEXT[lang]
    grouped = reg.projects_by_township()  # every township, also one with no project yet
    inline = len(reg.projects) <= INLINE_LIMIT
    out = [f'<p class="ws-count">{e(t["count"].format(n=len(reg.projects)))}</p>', _filter_box(t),
           '<div class="ws-project-index" data-search-exclude>']
    for code, projects in grouped.items():
        name = e(_town_name(reg, code, lang))
        link = f'<a href="../townships/{e(code)}/">{name}</a>'
        if not projects:
            text = f'{code} {_town_name(reg, code, "zh")} {_town_name(reg, code, "en")}'.lower()
            items = (f'<ul class="ws-projects"><li data-ws-text="{e(text)}"><a href="../townships/{e(code)}/">'
                     f'{e(t["no_projects"])}</a></li></ul>')
        elif inline:
            items = _project_items(projects, lang, "")
        else:
            text = f'{code} {_town_name(reg, code, "zh")} {_town_name(reg, code, "en")}'.lower()
            items = f'<ul class="ws-projects"><li data-ws-text="{e(text)}">{link}</li></ul>'
        out.append(f'<section class="ws-town" id="town-{e(code)}"><h2>{link} <small>({len(projects)})</small></h2>'
                   f'{items}</section>')
    out.append("</div>")
    return "\n".join(out)


def township_page_markdown(reg: Registry, code: str, lang: str) -> str:
    """The virtual source of one township's project list (out of nav and search, like project pages)."""
    name = _town_name(reg, code, lang)
    title = f"Construction projects in {name}" if lang == "en" else f"{name}的工地项目"
    return (f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\nsearch:\n  exclude: true\nws_filter: true\n"
            f"ws_township: {code}\n"
            f"hide: [toc]\n---\n\n# {e(title)}\n\n<!-- ws:township -->\n")


def township_page_html(reg: Registry, code: str, lang: str) -> str:
    """Every project of one township, with the filter box; links go up to ``projects/<code>/``."""
    t = TEXT[lang]
    projects = reg.projects_by_township().get(code, [])
    back = "All townships" if lang == "en" else "全部镇街"
    head = (f'<p><a href="../../projects/">{e(back)}</a> · {e(t["count"].format(n=len(projects)))}</p>'
            + _township_help(reg, code, lang))
    if not projects:
        return head + f'<p>{e(t["no_projects_here"])}</p>'
    return (head + _filter_box(t) + '<div class="ws-project-index" data-search-exclude><section class="ws-town">'
            + _project_items(projects, lang, "../../projects/") + "</section></div>")


def _township_help(reg: Registry, code: str, lang: str) -> str:
    """Who takes this township's complaints and how to reach them: on every township page, with or
    without projects (a worker from a site not yet registered still has an officer)."""
    t = TEXT[lang]
    town = reg.townships[code]
    person = town.responsible
    rows = []
    if person is not None:
        acting = f' <small>({e(t["deputy_acting"])})</small>' if town.officer_away and town.deputy is person else ""
        who = f"{zh(person.name, lang)}{acting}" + (" " + tel(person.mobile) if person.mobile else "")
        rows.append(_row(t["officer"], who))
    desk = reg.county.desk
    rows.append(_row(t["inspection"], f"{zh(desk.name_zh, lang)} {tel(desk.phone)}"))
    rows.append(_row(t["hotlines"], f"{tel('12333')} · {tel('12348')}"))
    return (f'<h2 id="help">{e(t["help"])}</h2><p>{e(t["town_how"])}</p>'
            f'<table class="ws-facts"><tbody>{"".join(rows)}</tbody></table>')
