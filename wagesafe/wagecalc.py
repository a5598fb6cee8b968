"""What am I owed? The wage calculator's rules, in one place for the form service's answer (no
JavaScript) and the tests; ``docs/assets/js/calculator.js`` applies the same rules in the browser and
the tests hold both to the same hand-worked cases.

Every figure names its article, and what an authority *may* order is never added to what is owed:

- wages owed: what the work earned (months × monthly wage, or days × daily wage) less what was paid;
- 《劳动合同法》 art. 85: if the employer still does not pay when the labour authority orders it to,
  the authority may order it to add 50 %–100 % of the amount owed (a possibility, not a promise);
- art. 82 with 《劳动合同法实施条例》 art. 6–7: no written contract after the first month → a second
  wage for each further month, at most 11 months (from the day after the first month until the
  contract is signed; after a year the contract is deemed open-ended, so no more doubling). Only
  months actually worked count: the months without a contract are capped at the months worked
  (``min(nc, ceil(units)) − 1``), and the worker is told when that happened;
- 《劳动争议调解仲裁法》 art. 47 with 《劳动争议解释（一）》 arts. 19–20: an award is final for the
  employer item by item — each item (wages, double wages, compensation) of no more than 12 × the
  local monthly minimum wage ("不超过": the limit itself is inside); an item above it is not, and
  an award that mixes both is treated as non-final once a party sues;
- economic compensation (经济补偿) when the worker leaves under art. 38 because wages are unpaid
  (art. 46(1), art. 47): a month's wage per year of service, six months or more counting as a year
  and less as half a month; a monthly wage above 3 × the city's previous-year average monthly wage
  (a registry field) is counted at 3 × that average and for at most 12 years. An unlawful dismissal
  (art. 87) costs the employer twice that, shown as a separate item, not added;
- months owed (carried into the complaint and the arbitration application) are what is owed
  divided by the monthly wage, rounded up — never the months worked; by day, none are carried.

Money is computed in ``Decimal`` and shown to the fen; nothing is stored.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MODES = ("month", "day")
MAX_MONTHS = Decimal(120)
MAX_DAYS = Decimal(3660)
MAX_RATE = Decimal(1_000_000)
DOUBLE_WAGE_CAP_MONTHS = 11
AVERAGE_WAGE_MULTIPLE = 3       # art. 47(2): above 3 × the city's average, counted at 3 ×
HIGH_EARNER_MAX_YEARS = 12      # art. 47(2): and for at most 12 years
EARLIEST_DATE = date(1970, 1, 1)
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
    "start": ("入职日期请按“年-月-日”填，例如：2023-03-01。", "Enter the start date as year-month-day, for example 2023-03-01."),
    "left": ("离职日期（最后上班那天）请按“年-月-日”填，不能早于入职日期。例如：2025-10-31",
             "Enter the leaving date (your last day at work) as year-month-day, not before the start date. For example 2025-10-31"),
    "comp_wage": ("离职前12个月平均每月工资请填大于0的数（元）。按天算工资的要填这一项。例如：6000",
                  "Enter your average monthly wage over the 12 months before leaving, more than 0 (needed when paid by the day). For example 6000"),
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
class Compensation:
    """经济补偿 for leaving under art. 38 because wages were unpaid (art. 46(1), art. 47)."""

    start: date
    left: date                 # the last day at work (service counts it)
    full_months: int           # whole months of service
    extra_days: bool           # and some days more
    half_months: int           # months of wages owed, in halves (2 a year; 2 for ≥ 6 months, 1 for less)
    wage: Decimal              # the monthly wage entered (average of the last 12 months)
    base: Decimal              # the monthly amount used: the wage, or 3 × the city's average above it
    wage_capped: bool          # the wage was above 3 × the average (art. 47(2))
    years_capped: bool         # and the service above 12 years was not counted
    amount: Decimal            # base × half_months / 2
    art87: Decimal             # an unlawful dismissal: twice the amount (art. 87), instead of it
    average: Decimal | None    # the city's previous-year average monthly wage used for the cap

    @property
    def months_paid_for(self) -> Decimal:
        return Decimal(self.half_months) / 2


@dataclass(frozen=True)
class Item:
    """One claim an award would decide, with whether it is within the art. 47 limit on its own."""

    key: str                   # "owed", "double", "compensation"
    amount: Decimal
    within: bool


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
    no_contract_entered: int = 0   # months without a contract as typed
    no_contract_capped: bool = False  # more than the months worked: counted as the months worked
    months_owed: int | None = None    # ceil(owed / monthly wage), month mode, something owed
    compensation: Compensation | None = None
    items: tuple[Item, ...] = field(default=())  # each claim with its own final-award test

    @property
    def mixed_award(self) -> bool:
        """Some items within the limit and some above (解释（一） art. 20)."""
        return len({i.within for i in self.items}) == 2


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


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date(field_name: str, text) -> date | None:
    """"2023-03-01", "2023/3/1", "2023.3.1", "2023年3月1日" → a date; None when empty.

    :raises CalcError: not a real date, or before 1970.
    """
    if isinstance(text, date):
        return text
    raw = (text or "").strip().translate({ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９－／．"})
    if not raw:
        return None
    m = _DATE_RE.match(raw)
    try:
        value = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    except ValueError:
        value = None
    if value is None or value < EARLIEST_DATE or value.year > 2100:
        raise CalcError(field_name, field_name)
    return value


def service_months(start: date, left: date) -> tuple[int, bool]:
    """Whole months from the start date to the day after the last day at work, and whether days remain.

    The page's script counts the same way: months by calendar (the day of the month compared), the
    rest is "some days more". 2023-03-01 to 2025-02-28 is 24 months exactly.
    """
    end = left + timedelta(days=1)
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months, end.day != start.day


def compensation(start: date, left: date, wage: Decimal, average_monthly) -> Compensation:
    """Art. 47: a month per year, ≥ 6 months a year, < 6 months half a month; high earners capped."""
    months, extra = service_months(start, left)
    years, rest = divmod(months, 12)
    half = 2 * years + (2 if rest >= 6 else (1 if rest or extra else 0))
    average = _money(Decimal(average_monthly)) if average_monthly else None
    cap = average * AVERAGE_WAGE_MULTIPLE if average is not None else None
    wage_capped = cap is not None and wage > cap
    base = cap if wage_capped else wage
    years_capped = wage_capped and half > 2 * HIGH_EARNER_MAX_YEARS
    if years_capped:
        half = 2 * HIGH_EARNER_MAX_YEARS
    amount = _money(base * half / 2)
    return Compensation(start=start, left=left, full_months=months, extra_days=extra, half_months=half, wage=wage,
                        base=base, wage_capped=wage_capped, years_capped=years_capped, amount=amount,
                        art87=amount * 2, average=average)


def calculate(mode: str, units, rate, paid=None, no_contract_months=None, *, minimum_wage_monthly,
              start=None, left=None, comp_wage=None, average_wage_monthly=None) -> Result:
    """The figures for one worker.

    :param mode: "month" (units = months, rate = monthly wage) or "day" (days, daily wage).
    :param no_contract_months: months worked with no written contract (month mode only); more than
        the months worked counts as the months worked.
    :param start, left: the start date and the last day at work: both given, economic compensation is
        computed (either alone is an error).
    :param comp_wage: the average monthly wage of the 12 months before leaving; by month, empty means
        the monthly wage; by day it is required for compensation.
    :param average_wage_monthly: the city's previous-year average monthly wage (registry), for the caps.
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
    worked_months = math.ceil(units) if mode == "month" else 0
    nc_counted = min(nc, worked_months)
    double_months = min(max(nc_counted - 1, 0), DOUBLE_WAGE_CAP_MONTHS) if mode == "month" else 0
    limit = _money(Decimal(12) * Decimal(minimum_wage_monthly))
    rate = _money(rate)
    double_extra = _money(rate * double_months)
    comp = _compensation_of(mode, rate, start, left, comp_wage, average_wage_monthly)
    items = [Item(key, amount, amount <= limit) for key, amount in
             (("owed", owed), ("double", double_extra), ("compensation", comp.amount if comp else Decimal(0)))
             if amount > 0]
    return Result(mode=mode, units=units, rate=rate, paid=paid_value, earned=earned, owed=owed,
                  art85_low=_money(owed / 2), art85_high=owed, double_months=double_months,
                  double_extra=double_extra, final_limit=limit, within_final_limit=owed <= limit,
                  no_contract_entered=nc, no_contract_capped=mode == "month" and nc > worked_months,
                  months_owed=math.ceil(owed / rate) if mode == "month" and owed > 0 else None,
                  compensation=comp, items=tuple(items))


def _compensation_of(mode: str, rate: Decimal, start, left, comp_wage, average) -> Compensation | None:
    start_d, left_d = parse_date("start", start), parse_date("left", left)
    if start_d is None and left_d is None:
        return None
    if start_d is None:
        raise CalcError("start", "start")
    if left_d is None or left_d < start_d:
        raise CalcError("left", "left")
    wage = _number("comp_wage", comp_wage, "comp_wage", Decimal(0), MAX_RATE, allow_zero=True)
    if wage == 0:
        if mode != "month":
            raise CalcError("comp_wage", "comp_wage")
        wage = rate
    return compensation(start_d, left_d, _money(wage), average)


def yuan(value: Decimal) -> str:
    """22200 → "22,200"; 11500.5 → "11,500.50": how the page prints money."""
    q = _money(value)
    return f"{q:,.0f}" if q == q.to_integral() else f"{q:,.2f}"
