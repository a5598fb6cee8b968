"""The notices a new complaint causes: composed here, queued by ``complaints.submit``.

Composition is kept apart from queuing so the wording can be tested alone. Two rules:

- the email goes to an officer's mailbox — forwarded, printed, kept forever, out of reach of
  the retention period — so it carries only what the officer needs to decide to open the case:
  case number, township, project, urgency, counts and the desk link. Not the worker's name,
  mobile, the other party's name or the worker's own words: those are behind the link, where
  sign-in is required and every view is logged (PIPL art. 6: the minimum necessary). A county
  may set ``OFFICER_NOTICE_PERSONAL=1`` to put them back in (issue 15);
- an SMS travels through a provider and sits on a phone's lock screen: it carries ONLY a
  short text and the link, never the worker's name, mobile or the amount.

These notices carry no ``dedupe_key``: they are queued in the complaint's own transaction,
and the complaint's UNIQUE submission token already makes a retried submission store nothing
(see ``formsvc.notify.outbox``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from wagesafe.registry import Project, Registry

from formsvc.case.routing import RoutingDecision, desk_person
from formsvc.case.words import OWED_BY_ZH


@dataclass(frozen=True)
class Notice:
    kind: str
    channel: str
    recipient: str
    subject: str
    body: str


def case_link(public_base_url: str, complaint_id: int) -> str:
    """The desk page of a case: the link every officer notice carries."""
    return f"{public_base_url.rstrip('/')}/desk/cases/{complaint_id}"


def _township_name(c: dict, project: Project | None, registry: Registry | None) -> str:
    code = project.township if project else c.get("chosen_township")
    if registry is not None and code and code in registry.townships:
        return registry.townships[code].name_zh
    return "未确定（县监察大队分派）"


def _evidence_line(c: dict) -> str:
    """The files: uploaded here, and those the sending county's request named (fetched seconds later)."""
    here, coming = c.get("evidence_count", 0), c.get("incoming_files", 0)
    if not coming:
        return f"证据文件：{here} 个"
    return f"证据文件：对方的证据材料 {coming} 个，正在取回" + (f"；另有本县收到的 {here} 个" if here else "")


def _summary(c: dict, project: Project | None, decision: RoutingDecision, registry: Registry | None = None,
             personal: bool = False) -> list[str]:
    where = f"{project.name_zh}（{project.code}），{project.address_zh}" if project else (c["site_address"] or "未填写")
    owed = OWED_BY_ZH.get(c["owed_by_kind"], "不清楚")
    lines = [
        f"案件编号：{c['id']}（回执号 {c['receipt']}）",
        f"镇街：{_township_name(c, project, registry)}",
        f"工地：{where}",
        f"紧急程度：{'紧急' if decision.urgent else '一般'}",
        f"欠薪方：{owed}",  # the kind only (company, team leader); the name is behind the link
        f"人数：{c['workers']} 人；金额：" + (f"{c['amount_yuan']:,} 元" if c["amount_yuan"] else "未填")
        + (f"；拖欠 {c['months_owed']} 个月" if c["months_owed"] else ""),
        _evidence_line(c),
        f"分派理由：{decision.reason}",
    ]
    if c.get("sent_by"):  # another county sent it: the officer must know it is not a new complaint here
        lines.insert(1, f"来源：由{c['sent_by']}转来（欠薪发生地在本县）")
    if decision.urgent:
        lines.append(decision.urgent_reason)
    if not personal:
        lines.append("投诉人姓名、手机号、欠薪方名称和情况说明请登录办案台查看（邮件不含个人信息）。")
        return lines
    who = "匿名举报" if c["anonymous"] else f"{c['name']}，手机 {c['mobile']}"
    lines[4] += f"：{c['owed_by_name']}" if c["owed_by_name"] else ""
    lines[3:3] = [f"投诉人：{who}", f"工种：{c['trade'] or '未填写'}"]
    if c["description"]:
        lines += ["", "情况说明：", c["description"]]
    return lines


def new_case_notices(c: dict, decision: RoutingDecision, registry: Registry, public_base_url: str,
                     personal: bool = False) -> list[Notice]:
    """Email and SMS to the person who must act, and for urgent cases an email to the county desk.

    :param c: the complaint row as stored (with ``id`` and ``receipt``) plus ``evidence_count``.
    :param personal: ``OFFICER_NOTICE_PERSONAL``: also the worker's name, mobile and words (off by default).
    """
    cid, receipt = c["id"], c["receipt"]
    project = registry.project(c["project_code"]) if c.get("project_code") else None
    link = case_link(public_base_url, cid)
    title = project.name_zh if project else (c["site_address"][:30] or "未指明工地")
    urgent_tag = "【紧急】" if decision.urgent else ""
    # The title may come from what the worker typed: no line breaks in a mail header.
    title = " ".join(title.split())
    subject = f"[薪安通] 新欠薪投诉 {receipt} {title}" + (" 【紧急】" if decision.urgent else "")
    body = "\n".join([
        f"{decision.recipient.name}：您好！",
        "",
        "薪安通收到一件新的欠薪投诉，按首问负责制请您在 24 小时内登录处理台接收（签收）。",
        "",
        *_summary(c, project, decision, registry, personal),
        "",
        f"处理台链接（需登录）：{link}",
    ])
    sms = f"【薪安通】{urgent_tag}您有一件新的欠薪投诉（{receipt}）待接收，请登录处理：{link}"
    notices = []
    person = decision.recipient
    if person.email:
        notices.append(Notice("new_case", "email", person.email, subject, body))
    if person.mobile:
        notices.append(Notice("new_case", "sms", person.mobile, "", sms))
    desk = desk_person(registry)
    if decision.urgent and decision.target_kind != "county" and desk.email:
        desk_body = "\n".join([
            f"{registry.county.desk.name_zh}：",
            "",
            f"一件紧急欠薪投诉已分派给{person.name}（{decision.reason}）。请督办。",
            "",
            *_summary(c, project, decision, registry, personal),
            "",
            f"处理台链接（需登录）：{link}",
        ])
        notices.append(Notice("urgent", "email", desk.email, f"[薪安通] 【紧急】欠薪投诉 {receipt} {title}", desk_body))
    return notices


# --- The worker's own SMS (issue 14) --------------------------------------------------------
# Only with the worker's yes on the form (``complaints.sms_consent``: never for an anonymous tip or
# without a mobile). An SMS sits on a lock screen and passes through a provider: it carries the
# receipt number, a unit's name (a township or a department, never a person), the outcome's kind
# and the status page's address. Never the worker's name, an amount, or the company (tested over
# every kind). ``subject`` holds the template's variables as JSON for Aliyun, which sends only
# registered wordings (one template per kind: ``wagesafe.config.SMS_TEMPLATE_SETTINGS``).

WORKER_SMS_KINDS = ("worker_receipt", "worker_acknowledged", "worker_transferred", "worker_sent_to_county",
                    "worker_outcome", "worker_outcome_elsewhere")

_WORKER_SMS_TEXT = {
    "worker_receipt": ("【薪安通】您的欠薪投诉已收到，回执号{receipt}。凭回执号和本机号码查进度：{link} 急事请拨12333。",
                       "[WageSafe] Your unpaid-wages complaint was received. Receipt {receipt}. Check progress "
                       "with the receipt and this number: {link} Urgent: call 12333."),
    "worker_acknowledged": ("【薪安通】您的投诉（回执号{receipt}）已由{place}受理，工作人员会尽快联系您。进度：{link}",
                            "[WageSafe] Your complaint {receipt} was taken on by {place}; an officer will contact "
                            "you soon. Progress: {link}"),
    "worker_transferred": ("【薪安通】您的投诉（回执号{receipt}）已转交{place}，对方接手后会联系您。进度：{link}",
                           "[WageSafe] Your complaint {receipt} was passed to {place}; they will contact you once "
                           "they take it on. Progress: {link}"),
    # delivered to another county (转送, never 转交: that is a township's or department's word)
    "worker_sent_to_county": ("【薪安通】您的投诉（回执号{receipt}）已转送{place}办理（欠薪发生地），对方接手后会联系您。进度：{link}",
                              "[WageSafe] Your complaint {receipt} was sent to {place}, where the wages are owed; they "
                              "will contact you once they take it on. Progress: {link}"),
    "worker_outcome": ("【薪安通】您的投诉（回执号{receipt}）有了办理结果：{outcome}。请查看下一步，并告诉我们是否拿到工资：{link}",
                       "[WageSafe] Your complaint {receipt} has an outcome: {outcome}. See what to do next and "
                       "tell us if you were paid: {link}"),
    # the other county the case was sent to closed it: named as the closer; the worker answers on our page
    # (recorded, the desk takes it up with that county: answers.record_answer), which cannot reopen it
    "worker_outcome_elsewhere": ("【薪安通】您的投诉（回执号{receipt}）已由{place}办结：{outcome}。请查看下一步，并告诉我们是否拿到工资：{link}",
                                 "[WageSafe] Your complaint {receipt} was closed by {place}: {outcome}. See what to do "
                                 "next and tell us if you were paid: {link}"),
}


def status_link(public_base_url: str, receipt: str) -> str:
    """The status page with the receipt filled in: the worker adds the mobile (the second key)."""
    return f"{public_base_url.rstrip('/')}/status?receipt={receipt}"


def worker_sms(kind: str, case: dict, public_base_url: str, *, place: str = "", outcome: str = "") -> Notice | None:
    """The SMS of ``kind`` (``WORKER_SMS_KINDS``) for the worker of ``case`` (a complaint row),
    or ``None`` when the worker did not agree to SMS, is anonymous or left no mobile."""
    if not case.get("sms_consent") or case.get("anonymous") or not case.get("mobile"):
        return None
    lang = 1 if case.get("lang") == "en" else 0
    values = {"receipt": case["receipt"], "place": place, "outcome": outcome,
              "link": status_link(public_base_url, case["receipt"])}
    body = _WORKER_SMS_TEXT[kind][lang].format(**values)
    params = {k: v for k, v in values.items() if v and k != "link"}
    return Notice(kind, "sms", case["mobile"], json.dumps(params, ensure_ascii=False, sort_keys=True), body)
