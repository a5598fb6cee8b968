"""A case's outcome: the closed list a worker understands, with the figures each one needs.

"已办结" alone tells a worker nothing: was I paid, how much, what is left, what now? Resolving a
case therefore needs one of these outcomes (seed 001 一次性告知: the worker is told the result
and where to turn in one go) with its figures, checked here before ``formsvc.case.cases`` stores
them. The amounts feed the daily report, the dashboard and the township ranking.

Recovered (``amount_recovered_yuan``) is money the worker actually got: paid in full, partly paid,
and the advance from the emergency wage fund (应急周转金先行垫付: 《保障农民工工资支付条例》第六十三条
lets the county government advance part of the wages when the employer cannot pay or has fled;
"may", so it is not guaranteed). Referring to the police is 《刑法》第二百七十六条之一 (拒不支付劳动报酬罪). A mediation agreement's amount is *promised*, not recovered,
until it is paid; it is stored apart (``outcome_promised_yuan``) with the date promised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MAX_YUAN = 10**10
MAX_TEXT = 300


@dataclass(frozen=True)
class OutcomeKind:
    code: str
    zh: str
    en: str
    needs: tuple[str, ...] = ()     # amount | left | promised_date | text
    status: str = "resolved"        # the case's status after it
    recovered: bool = False         # the amount is money the worker got
    text_zh: str = ""               # what the required text means, for the desk form and its error
    not_ours: bool = False          # "not this county's": a county that received the case by transfer gives it back


OUTCOMES: dict[str, OutcomeKind] = {k.code: k for k in (
    OutcomeKind("paid_in_full", "工资已全部支付", "Wages paid in full", ("amount",), recovered=True),
    OutcomeKind("partly_paid", "工资已部分支付", "Wages partly paid", ("amount", "left"), recovered=True),
    OutcomeKind("mediation", "达成调解协议", "Mediation agreement reached", ("amount", "promised_date")),
    OutcomeKind("arbitration", "已引导申请劳动仲裁", "Referred to labour arbitration"),
    OutcomeKind("inspection_case", "劳动监察已立案查处", "Labour inspection case opened"),
    OutcomeKind("police", "已移送公安机关（涉嫌拒不支付劳动报酬罪）", "Referred to the police (refusing to pay wages is a crime)"),
    OutcomeKind("advance_fund", "应急周转金先行垫付", "Advance paid from the county's emergency wage fund", ("amount",),
                recovered=True),
    OutcomeKind("not_substantiated", "经核查不属实", "Not substantiated after checking", ("text",),
                status="closed_unfounded", text_zh="给投诉人的说明（投诉人会看到，不要写他人姓名）"),
    OutcomeKind("not_this_county", "不属本县管辖，已转至有关单位", "Not this county's: passed on", ("text",),
                text_zh="转至哪里（投诉人会看到，例如：某市某区人社局监察大队）", not_ours=True),
)}

# Outcomes that say "this case is not ours": when the county that closed it so had received it from
# another county (转送外县), the sender takes it back (首问负责, ``formsvc.duties.remote_follow.settle``).
NOT_OURS: frozenset[str] = frozenset(code for code, k in OUTCOMES.items() if k.not_ours)


class OutcomeError(ValueError):
    """The outcome is not on the list, or a figure it needs is missing or impossible."""


@dataclass(frozen=True)
class Outcome:
    kind: str
    amount_yuan: int = 0        # paid / advanced / agreed (mediation)
    left_yuan: int = 0          # still owed after a partial payment
    promised_date: str = ""     # YYYY-MM-DD, mediation
    text: str = ""              # worker-facing (给投诉人的说明): any outcome's note, the reason, or where it went

    @property
    def spec(self) -> OutcomeKind:
        return OUTCOMES[self.kind]

    @property
    def recovered_yuan(self) -> int:
        return self.amount_yuan if self.spec.recovered else 0

    @property
    def promised_yuan(self) -> int:
        return self.amount_yuan if self.kind == "mediation" else 0


def _yuan(raw, what: str) -> int:
    text = re.sub(r"[\s,，元]", "", str(raw if raw is not None else ""))
    if not text:
        raise OutcomeError(f"请填写{what}（元）")
    if not re.fullmatch(r"\d{1,11}", text):
        raise OutcomeError(f"“{what}”需要填整数金额（元），例如 8000")
    value = int(text)
    if value > MAX_YUAN:
        raise OutcomeError(f"“{what}”太大了，请检查")
    return value


def check(kind: str, *, amount=None, left=None, promised_date=None, text=None, claimed_yuan: int = 0) -> Outcome:
    """Turn what the officer entered into an ``Outcome``, or raise ``OutcomeError`` in plain Chinese.

    ``left`` may be blank for a partial payment: it is then what was claimed minus what was paid.
    """
    spec = OUTCOMES.get(kind or "")
    if spec is None:
        raise OutcomeError("请选择办理结果（从列表中选一项）")
    amount_v = left_v = 0
    date_v = text_v = ""
    if "amount" in spec.needs:
        amount_v = _yuan(amount, "支付金额" if spec.recovered else "协议金额")
        if amount_v == 0 and kind != "mediation":
            raise OutcomeError("金额为 0：工资没有支付时，请选其他办理结果（例如已引导申请劳动仲裁）")
    if "left" in spec.needs:
        left_v = _yuan(left, "尚欠金额") if str(left or "").strip() else max(claimed_yuan - amount_v, 0)
        if left_v == 0:
            raise OutcomeError("部分支付需要填写尚欠金额；已全部支付请选“工资已全部支付”")
    if "promised_date" in spec.needs:
        date_v = str(promised_date or "").strip()
        try:
            date.fromisoformat(date_v)
        except ValueError:
            raise OutcomeError("请填写协议约定的支付日期（年-月-日，例如 2027-01-15）") from None
    # The officer's words to the worker (给投诉人的说明): required where the outcome needs a reason or
    # a place, and kept for every other outcome too (the form says the worker will see them).
    text_v = " ".join(str(text or "").split())
    if "text" in spec.needs and not text_v:
        raise OutcomeError(f"请填写{spec.text_zh.split('（')[0]}")
    if len(text_v) > MAX_TEXT:
        raise OutcomeError(f"说明请控制在 {MAX_TEXT} 字以内")
    return Outcome(kind, amount_v, left_v, date_v, text_v)


def label(kind: str, lang: str = "zh") -> str:
    spec = OUTCOMES.get(kind or "")
    if spec is None:
        return ""
    return spec.en if lang == "en" else spec.zh
