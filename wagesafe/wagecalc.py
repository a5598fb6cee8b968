"""What am I owed? The wage calculator's rules, in one place for the form service's answer (no
JavaScript) and the tests; ``docs/assets/js/calculator.js`` applies the same rules in the browser and
the tests hold both to the same hand-worked cases.

Every figure names its article, and what an authority *may* order is never added to what is owed:

- wages owed: what the work earned (months × monthly wage, or days × daily wage) less what was paid;
- 《劳动合同法》 art. 85: if the employer still does not pay when the labour authority orders it to,
  the authority may order it to add 50 %–100 % of the amount owed (a possibility, not a promise);
- art. 82 with 《劳动合同法实施条例》 art. 6–7: no written contract after the first month → a second
  wage for each further month, at most 11 months (from the day after the first month until the
  contract is signed; after a year the contract is deemed open-ended, so no more doubling);
- 《劳动争议调解仲裁法》 art. 47: a claim for pay of no more than 12 × the local monthly minimum wage
  gets an award that is final for the employer ("不超过": the limit itself is inside).

Money is computed in ``Decimal`` and shown to the fen; nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MODES = ("month", "day")
MAX_MONTHS = Decimal(120)
MAX_DAYS = Decimal(3660)
MAX_RATE = Decimal(1_000_000)
DOUBLE_WAGE_CAP_MONTHS = 11
FEN = Decimal("0.01")

MESSAGES = {
    "mode": ("请选择按月还是按天算。", "Choose by month or by day."),
    "units_month": ("请填干了几个月，大于0，不超过120。例如：3 或 2.5", "Enter the months worked: more than 0, at most 120. For example 3 or 2.5"),
    "units_day": ("请填干了几天，大于0，不超过3660。例如：45", "Enter the days worked: more than 0, at most 3660. For example 45"),
    "rate_month": ("请填每月工资（元），大于0。例如：6000", "Enter the monthly wage in yuan, more than 0. For example 6000"),
    "rate_day": ("请填每天工资（元），大于0。例如：300", "Enter the daily wage in yuan, more than 0. For example 300"),
    "paid": ("已经拿到的钱请填0或正数（元）。", "Enter what you were already paid: 0 or more, in yuan."),
    "paid_too_much": ("已经拿到的钱比应得的还多，请再核对一下。", "What you were paid is more than you earned: please check."),
    "no_contract": ("没签合同的月数请填0到120之间的整数。", "Months without a written contract: a whole number from 0 to 120."),
}


class CalcError(ValueError):
    """Bad input: ``field`` names the input, ``key`` the message in ``MESSAGES``."""

    def __init__(self, field: str, key: str):
        super().__init__(key)
        self.field, self.key = field, key

    def message(self, lang: str) -> str:
        zh, en = MESSAGES[self.key]
        return en if lang == "en" else zh


@dataclass(frozen=True)
class Result:
    mode: str
    units: Decimal
    rate: Decimal
    paid: Decimal
    earned: Decimal            # units × rate
    owed: Decimal              # earned − paid
    art85_low: Decimal         # 50 % of owed (may be ordered, art. 85)
    art85_high: Decimal        # 100 % of owed
    double_months: int         # months of double wages (art. 82, at most 11); month mode only
    double_extra: Decimal      # the second wage for those months
    final_limit: Decimal       # 12 × monthly minimum wage (art. 47)
    within_final_limit: bool   # owed ≤ final_limit


def _money(value) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def parse_amount(text: str | None) -> Decimal | None:
    """A number as a worker types it: "6000", "6,000", "６０００", "6000元", " 2.5 "; None when empty.

    :raises ValueError: not a finite number.
    """
    raw = (text or "").strip()
    if not raw:
        return None
    raw = raw.translate({ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９．"})
    raw = raw.replace(",", "").replace("，", "").replace("元", "").replace(" ", "")
    if len(raw) > 20:
        raise ValueError(text)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value.as_tuple().exponent < -2:  # at most fen (the page's script agrees)
        raise ValueError(text)
    return value


def _number(field: str, text, key: str, lo: Decimal, hi: Decimal, *, allow_zero: bool = False,
            whole: bool = False) -> Decimal:
    try:
        value = parse_amount(text) if not isinstance(text, (int, float, Decimal)) else Decimal(str(text))
    except ValueError:
        raise CalcError(field, key) from None
    if value is None:
        if allow_zero:
            return Decimal(0)
        raise CalcError(field, key)
    if value < lo or value > hi or (value == 0 and not allow_zero) or (whole and value != value.to_integral()):
        raise CalcError(field, key)
    return value


def calculate(mode: str, units, rate, paid=None, no_contract_months=None, *, minimum_wage_monthly) -> Result:
    """The figures for one worker.

    :param mode: "month" (units = months, rate = monthly wage) or "day" (days, daily wage).
    :param no_contract_months: months worked with no written contract (month mode only).
    :raises CalcError: an input is missing or out of range (its message says how to fix it).
    """
    if mode not in MODES:
        raise CalcError("mode", "mode")
    units = _number("units", units, f"units_{mode}", Decimal(0), MAX_MONTHS if mode == "month" else MAX_DAYS)
    rate = _number("rate", rate, f"rate_{mode}", Decimal(0), MAX_RATE)
    earned = _money(units * rate)
    paid_value = _money(_number("paid", paid, "paid", Decimal(0), MAX_RATE * MAX_DAYS, allow_zero=True))
    if paid_value > earned:
        raise CalcError("paid", "paid_too_much")
    nc = int(_number("no_contract", no_contract_months, "no_contract", Decimal(0), MAX_MONTHS, allow_zero=True,
                     whole=True))
    owed = earned - paid_value
    double_months = min(max(nc - 1, 0), DOUBLE_WAGE_CAP_MONTHS) if mode == "month" else 0
    limit = _money(Decimal(12) * Decimal(minimum_wage_monthly))
    return Result(mode=mode, units=units, rate=_money(rate), paid=paid_value, earned=earned, owed=owed,
                  art85_low=_money(owed / 2), art85_high=owed, double_months=double_months,
                  double_extra=_money(rate * double_months), final_limit=limit, within_final_limit=owed <= limit)


def yuan(value: Decimal) -> str:
    """22200 → "22,200"; 11500.5 → "11,500.50": how the page prints money."""
    q = _money(value)
    return f"{q:,.0f}" if q == q.to_integral() else f"{q:,.2f}"
