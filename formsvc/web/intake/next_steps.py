"""What the status page tells a worker to do next, for each state and outcome (一次性告知, seed 001).

One function, ``for_worker``, turns a case into: the outcome with its figures, what happens now,
by when (in the county's zone, ``TIMEZONE``), where to turn if not satisfied (tappable ``tel:``
links: 12333, 12348, the county's arbitration committee and the labour inspectors from the
registry) and the portal guide that fits. No Flask request in here, so it is tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wagesafe.localtime import format_local

from formsvc.case import answers, cases, money, outcomes
from formsvc.duties.escalation import resolve_deadline
from formsvc.web.i18n import MESSAGES, t

# The portal guide for each state/outcome (docs/guides/<slug>.md, built to /guides/<slug>/).
GUIDES = {"new": "what-to-do", "open": "evidence", "paid_in_full": "your-rights", "partly_paid": "free-legal-aid",
          "mediation": "deadlines", "arbitration": "free-legal-aid", "inspection_case": "evidence",
          "police": "refusal-to-pay-crime", "advance_fund": "boss-disappeared", "not_substantiated": "free-legal-aid",
          "not_this_county": "what-to-do"}
GUIDE_TITLES = {"what-to-do": ("被欠薪了怎么办", "What to do when wages are unpaid"),
                "evidence": ("怎样留证据", "Keeping evidence"),
                "your-rights": ("您的权利", "Your rights"),
                "free-legal-aid": ("免费法律援助", "Free legal aid"),
                "deadlines": ("时效和期限", "Time limits"),
                "refusal-to-pay-crime": ("拒不支付劳动报酬罪", "Refusing to pay wages is a crime"),
                "boss-disappeared": ("老板跑了怎么办", "When the boss has disappeared")}


@dataclass
class Phone:
    label: str
    number: str

    @property
    def tel(self) -> str:
        """The ``tel:`` address: digits and + only (0799-0601001 dials as 07990601001)."""
        return "tel:" + "".join(ch for ch in self.number if ch.isdigit() or ch == "+")


@dataclass
class NextSteps:
    outcome: str = ""                      # the outcome's label
    figures: list[str] = field(default_factory=list)
    now: str = ""                          # what happens now
    by: str = ""                           # by when, in the county's zone
    by_since: str = ""                     # from when ``by`` counts, when not from the filing (reopen, given back)
    phones: list[Phone] = field(default_factory=list)
    guide_url: str = ""
    guide_title: str = ""
    can_answer: bool = False
    answer_until: str = ""
    answers: list[dict] = field(default_factory=list)
    reopen_days: int = 30
    left: int = 0                          # still owed, once an outcome stated figures (money.Money.left)
    claimed: int = 0
    earlier: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (outcome, when, figures) before now
    arbitration_where: str = ""            # a case with another county: where to apply (同法第二十一条)


def phones(registry, lang: str) -> list[Phone]:
    county = registry.county
    out = [Phone(t("turn_12333", lang), "12333"), Phone(t("turn_12348", lang), county.legal_aid_phone or "12348")]
    if county.arbitration_phone:
        name = county.arbitration_zh if lang != "en" and county.arbitration_zh else t("turn_arbitration", lang)
        out.append(Phone(name, county.arbitration_phone))
    desk = county.desk
    if desk.phone:
        out.append(Phone(desk.name_en if lang == "en" else desk.name_zh, desk.phone))
    return out


def for_worker(db, registry, config, case: dict, place: str, lang: str, places=None) -> NextSteps:
    """The next steps for ``case`` (``complaints.find_for_status``'s dict: id, status, created_at ...).
    Every amount comes from the case's money (``formsvc.case.money``), also those of an outcome a
    reopen replaced (``earlier``)."""
    row = cases.get_case(db, case["id"])
    zone = config.timezone
    steps = NextSteps(phones=phones(registry, lang), reopen_days=config.reopen_days)
    m = money.of_case(db, row)
    steps.left = m.left if m.history else 0
    steps.claimed = m.claimed
    steps.earlier = [(money.outcome_label(f, lang, places), format_local(f.at, zone, lang=lang),
                      money.figure_lines(f, lang)) for f in m.earlier]
    status = case["status"]
    kind = row["outcome"] if status in ("resolved", "closed_unfounded") else ""
    if status == "closed_unfounded" and not kind:
        kind = "not_substantiated"
    if kind:
        steps.outcome = outcomes.label(kind, lang)
        steps.figures = money.figure_lines(m.current, lang) if m.current is not None else []
        steps.now = t(f"next_{kind}", lang, days=config.reopen_days, date=row["outcome_due_date"])
        guide = GUIDES.get(kind, "what-to-do")
        given = answers.answers_for(db, case["id"])
        steps.answers = given
        full = {"status": status, "resolved_at": row["resolved_at"]}
        steps.can_answer = bool(row["resolved_at"]) and answers.answerable(full, given)
        if given and not steps.can_answer and f"next_{kind}_answered" in MESSAGES:  # answered: no "tell us below"
            steps.now = t(f"next_{kind}_answered", lang, days=config.reopen_days, date=row["outcome_due_date"])
        if row["resolved_at"]:
            until = datetime.fromisoformat(row["resolved_at"]) + timedelta(days=config.reopen_days)
            steps.answer_until = format_local(until, zone, lang=lang)
            if kind == "mediation":
                steps.by = row["outcome_due_date"]
    elif status == "transferred_out":  # another county has it: what it says, never "we are checking" here
        closed_there = m.current is not None and m.current.where
        if closed_there:
            steps.outcome = money.outcome_label(m.current, lang, places)
            steps.figures = money.figure_lines(m.current, lang)
        steps.now = t("next_closed_elsewhere" if closed_there else "next_elsewhere", lang, place=place)
        if closed_there:  # the worker answers here too (answers.record_answer: recorded, the desk told, no reopen)
            steps.answers = answers.answers_for(db, case["id"])
            steps.can_answer = bool(row["resolved_at"]) and answers.answerable(
                {"status": status, "resolved_at": row["resolved_at"]}, steps.answers)
            if steps.answers and not steps.can_answer:
                steps.now = t("next_closed_elsewhere_answered", lang, place=place)
        # sent there as the place of work: its committee has jurisdiction, not only the one listed here
        steps.arbitration_where = t("next_arbitration_where", lang, place=place)
        guide = GUIDES["open"]
    elif status in ("new", "transferred"):
        # who must take it now: the first receiver, or the one it was passed to (its clock started then)
        waiting_for = places.unit(row["assignee_kind"], row["assignee_code"]).name(lang) if places else place
        steps.now = t("next_new", lang, place=waiting_for)
        assigned = row.get("assigned_at") or case["created_at"]
        due = datetime.fromisoformat(assigned) + timedelta(hours=config.ack_hours)
        steps.by = format_local(due, zone, with_zone=True, lang=lang)
        if cases.deadlines_restart(row) == "returned" and assigned == row.get("deadlines_from"):
            steps.by_since = t("next_by_since_returned", lang)
        guide = GUIDES["new"]
    else:
        steps.now = t("next_reopened" if row["reopened_at"] else "next_working", lang, place=place)
        # from the reopen, or from when another county gave it back, else from when it was filed: the
        # clock of the reminder and the escalation (``deadlines_from``), and the page says which
        start = max(v for v in (row["reopened_at"], row.get("deadlines_from"), case["created_at"]) if v)
        due = resolve_deadline({"created_at": start}, config.resolve_days)
        steps.by = format_local(due, zone, with_zone=True, lang=lang)
        restart = cases.deadlines_restart({**row, "deadlines_from": start if start != case["created_at"] else None})
        if restart:
            steps.by_since = t(f"next_by_since_{restart}", lang, days=f"{config.resolve_days:g}")
        guide = GUIDES["open"]
    steps.guide_url = ("/en" if lang == "en" else "") + f"/guides/{guide}/"
    zh, en = GUIDE_TITLES[guide]
    steps.guide_title = en if lang == "en" else zh
    return steps
