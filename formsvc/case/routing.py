"""Who must act on a new complaint, and why: plain functions, no Flask.

The rules, in order (首问负责制: the first body to receive a case stays responsible for it):

1. the worker came from a project's QR code → the project's township → that township's
   responsible person: the stand-in of the duty roster at the complaint's time
   (``formsvc.officers.roster``), else the deputy while the registry marks the officer away;
2. no project, but the worker chose a township → that township;
3. nothing matches → the county labour-inspection desk.

Independently, a complaint for many workers or a large amount is *urgent*: the county desk is
told as well. Every decision carries its reason in plain Chinese, because officers and the
worker's case page show it, and a routing nobody can explain is a routing nobody trusts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wagesafe.localtime import format_local
from wagesafe.registry import Person, Registry

RULE_PROJECT = "project"
RULE_TOWNSHIP = "township"
RULE_COUNTY = "county"
RULE_URGENT = "urgent"


@dataclass(frozen=True)
class Thresholds:
    """When a complaint is urgent (from ``Config.urgent_workers`` and ``Config.urgent_amount_yuan``)."""

    workers: int
    amount_yuan: int

    @classmethod
    def from_config(cls, config) -> "Thresholds":
        return cls(workers=config.urgent_workers, amount_yuan=config.urgent_amount_yuan)


@dataclass(frozen=True)
class RoutingDecision:
    """Where one complaint goes.

    ``target_kind`` is ``township`` or ``county``; ``target_code`` the township code (empty for
    the county desk). ``recipient`` is the person to notify now. ``urgent_reason`` is empty
    unless the case is urgent, in which case the county desk is notified too.
    """

    rule: str
    target_kind: str
    target_code: str
    recipient: Person
    reason: str
    urgent: bool = False
    urgent_reason: str = ""
    deputy: bool = False  # the officer is away and the deputy takes the case

    def rows(self) -> list[dict]:
        """The decision as rows of the ``case_routing`` view (without complaint id and time): the
        rule, and for an urgent case a second row telling the county desk. ``complaints.submit``
        stores them as the complaint's ``route_*`` and ``urgent_reason`` columns."""
        rows = [dict(rule=self.rule, target_kind=self.target_kind, target_code=self.target_code,
                     recipient_name=self.recipient.name, reason=self.reason)]
        if self.urgent:
            rows.append(dict(rule=RULE_URGENT, target_kind="county", target_code="",
                             recipient_name="", reason=self.urgent_reason))
        return rows


def desk_person(registry: Registry) -> Person:
    """The county desk as a recipient: its email, and its contact's mobile for SMS."""
    desk = registry.county.desk
    contact = desk.contact
    return Person(name=desk.name_zh, mobile=contact.mobile if contact else "", email=desk.email, phone=desk.phone)


def urgency(workers: int, amount_yuan: int, thresholds: Thresholds) -> str:
    """The reason the case is urgent, or ``""`` if it is not."""
    reasons = []
    if workers >= thresholds.workers:
        reasons.append(f"涉及 {workers} 名工人（达到 {thresholds.workers} 人的群体性欠薪标准）")
    if amount_yuan >= thresholds.amount_yuan:
        reasons.append(f"欠薪金额 {amount_yuan} 元（达到 {thresholds.amount_yuan} 元的大额标准）")
    if not reasons:
        return ""
    return "紧急案件：" + "，".join(reasons) + "，同时通知县劳动保障监察大队。"


def _township_decision(registry: Registry, code: str, rule: str, lead: str,
                       stand_in: Callable[[str], object] | None = None) -> RoutingDecision | None:
    township = registry.townships.get(code)
    if township is None or township.responsible is None:
        return None
    person = township.responsible
    away = township.officer_away and township.deputy is not None and person == township.deputy
    where = f"{lead}{township.name_zh}"
    entry = stand_in(code) if stand_in else None
    if entry is not None:  # the duty roster (formsvc.officers.roster) overrides the registry's flag
        officer = township.officer.name if township.officer else "农民工服务专员"
        until = format_local(entry.ends_at)
        why = f"（{entry.reason}）" if entry.reason else ""
        reason = (f"{where}；按值班表，{until} 前由{entry.person.name}代{officer}受理{why}"
                  f"（首问负责制）")
        return RoutingDecision(rule=rule, target_kind="township", target_code=code, recipient=entry.person,
                               reason=reason, deputy=True)
    if away:
        officer = township.officer.name if township.officer else "农民工服务专员"
        reason = (f"{where}；该{township.kind_zh}农民工服务专员{officer}不在岗，"
                  f"由代岗的 B 角{person.name}负责（首问负责制）")
    else:
        reason = f"{where}，由该{township.kind_zh}农民工服务专员{person.name}负责（首问负责制）"
    return RoutingDecision(rule=rule, target_kind="township", target_code=code, recipient=person,
                           reason=reason, deputy=away)


# Who named the township (the routing reason must say who decided, not always "the worker"):
# the worker on the web form, the officer who entered a lead, the county or system that sent it.
CHOSEN_BY = {"web": "工人选择了", "qr": "工人选择了", "partner": "转来的请求指明欠薪发生在"}
CHOSEN_BY_DESK = "录入线索时选定"


def chosen_by(source: str) -> str:
    return CHOSEN_BY.get(source or "web", CHOSEN_BY_DESK)


def route(registry: Registry, thresholds: Thresholds, *, project_code: str | None = None,
          township_code: str | None = None, workers: int = 1, amount_yuan: int = 0,
          stand_in: Callable[[str], object] | None = None, source: str = "web") -> RoutingDecision:
    """Decide who takes a new complaint.

    :param project_code: the project the worker came from (from the QR code or typed), if any.
    :param township_code: the township chosen on the general form (or by the officer or partner system,
        after ``source``: ``chosen_by``), if any.
    :param stand_in: the duty roster at the complaint's time: township code → a
        ``formsvc.officers.roster.StandIn`` (``person``, ``ends_at``, ``reason``) or ``None``.
    :returns: a decision that always has a recipient (the county desk at worst).
    """
    decision = None
    project = registry.project(project_code) if project_code else None
    if project is not None:
        decision = _township_decision(registry, project.township, RULE_PROJECT,
                                      f"项目 {project.code}（{project.name_zh}）位于", stand_in)
    if decision is None and township_code:
        decision = _township_decision(registry, township_code, RULE_TOWNSHIP, chosen_by(source), stand_in)
    if decision is None:
        decision = RoutingDecision(
            rule=RULE_COUNTY, target_kind="county", target_code="", recipient=desk_person(registry),
            reason="未指明项目或镇街，由县劳动保障监察大队受理并负责分办（首问负责制）")
    why_urgent = urgency(workers, amount_yuan, thresholds)
    if why_urgent:
        decision = RoutingDecision(**{**decision.__dict__, "urgent": True, "urgent_reason": why_urgent})
    return decision
