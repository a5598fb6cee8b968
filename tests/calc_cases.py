"""Wage-calculator cases worked by hand (county minimum wage 1,850 yuan/month → limit 22,200; the
city's previous-year average monthly wage 7,000 → compensation cap 21,000), including the second
legal review's cases A–H (law-review.md §4). Shared by the Python, HTTP and browser tests, so the
form service's answer (wagesafe/wagecalc.py) and the page's script (calculator.js) must agree.

Each: inputs (mode, units, rate, paid, nc = months without a written contract, start / left = start
date and last day at work, cw = the monthly wage for compensation), then the expected owed, art. 85
range, double-wage months and extra, whether the wages owed are within the art. 47 limit, the months
owed carried to the complaint (None: nothing carried), whether the no-contract months were capped at
the months worked, each award item's (key, within the limit), and the compensation and art. 87 figures.
"""

MW = 1850
AVERAGE = 7000


def _case(mode, units, rate, paid="", nc="", *, owed, lo, hi, dm=0, dx="0", within=True, months=None,
          capped=False, items=(), start="", left="", cw="", comp=None, art87=None, half=None, note=""):
    return dict(mode=mode, units=units, rate=rate, paid=paid, nc=nc, start=start, left=left, cw=cw, owed=owed,
                lo=lo, hi=hi, dm=dm, dx=dx, within=within, months=months, capped=capped, items=list(items),
                comp=comp, art87=art87, half=half, note=note)


CASES = [
    # A. 3 months × 6,000 = 18,000; nothing paid; 50 % = 9,000; within 22,200; 3 months owed.
    _case("month", "3", "6000", owed="18,000", lo="9,000", hi="18,000", months=3, items=[("owed", True)],
          note="A"),
    # A′. By day: 60 × 300 = 18,000; no months carried (by day there is no monthly wage).
    _case("day", "60", "300", owed="18,000", lo="9,000", hi="18,000", items=[("owed", True)], note="A2"),
    # 45 days × 300 = 13,500, less 2,000 paid = 11,500; 50 % = 5,750.
    _case("day", "45", "300", "2000", owed="11,500", lo="5,750", hi="11,500", items=[("owed", True)]),
    # C. The art. 47 boundary: 3 × 7,400 = 22,200 exactly is "不超过" → within.
    _case("month", "3", "7400", owed="22,200", lo="11,100", hi="22,200", months=3, items=[("owed", True)],
          note="C"),
    # C′. One fen a month more: 3 × 7,400.01 = 22,200.03 → above the limit.
    _case("month", "3", "7400.01", owed="22,200.03", lo="11,100.02", hi="22,200.03", within=False, months=3,
          items=[("owed", False)], note="C2"),
    # B / G / H. 8 months at 6,000, 30,000 paid, 8 without a contract: owed 18,000 = 3 months (not 8);
    # double wages for months 2–8 = 42,000, an item above the limit beside a wage item within it.
    _case("month", "8", "6000", "30000", "8", owed="18,000", lo="9,000", hi="18,000", dm=7, dx="42,000",
          months=3, items=[("owed", True), ("double", False)], note="B"),
    # B″. 3 months worked, "8 without a contract": only the 3 worked count → months 2–3, 12,000 (not 42,000).
    _case("month", "3", "6000", "", "8", owed="18,000", lo="9,000", hi="18,000", dm=2, dx="12,000", months=3,
          capped=True, items=[("owed", True), ("double", True)], note="B3"),
    # 5 months at 6,000, one month paid, 5 without a contract: months 2–5 doubled → 24,000 more.
    _case("month", "5", "6000", "6000", "5", owed="24,000", lo="12,000", hi="24,000", dm=4, dx="24,000",
          within=False, months=4, items=[("owed", False), ("double", False)]),
    # 2.5 months at 4,000 and "14 without a contract": capped at the 3 (begun) months → 2 months, 8,000;
    # 10,000 owed is 2.5 months' wages → 3 carried.
    _case("month", "2.5", "4000", "", "14", owed="10,000", lo="5,000", hi="10,000", dm=2, dx="8,000", months=3,
          capped=True, items=[("owed", True), ("double", True)]),
    # 14 months worked without a contract: at most 11 months (实施条例 art. 7) → 44,000 more.
    _case("month", "14", "4000", "46000", "14", owed="10,000", lo="5,000", hi="10,000", dm=11, dx="44,000",
          months=3, items=[("owed", True), ("double", False)]),
    # E. Leaves under art. 38 after exactly 2 years at 6,000 (3 months unpaid): 2 × 6,000 = 12,000;
    # an unlawful dismissal would be 24,000 (art. 87).
    _case("month", "3", "6000", start="2023-03-01", left="2025-02-28", owed="18,000", lo="9,000", hi="18,000",
          months=3, items=[("owed", True), ("compensation", True)], comp="12,000", art87="24,000", half=4,
          note="E"),
    # E′. 2 years 7 months → 3 months' wages = 18,000.
    _case("month", "3", "6000", start="2022-06-01", left="2024-12-31", owed="18,000", lo="9,000", hi="18,000",
          months=3, items=[("owed", True), ("compensation", True)], comp="18,000", art87="36,000", half=6,
          note="E2"),
    # E″. 2 years 3 months → 2.5 months' wages = 15,000.
    _case("month", "3", "6000", start="2022-10-01", left="2024-12-31", owed="18,000", lo="9,000", hi="18,000",
          months=3, items=[("owed", True), ("compensation", True)], comp="15,000", art87="30,000", half=5,
          note="E3"),
    # F. 30,000 a month, above 3 × 7,000: 2 years at 21,000 = 42,000 (not 60,000).
    _case("month", "2", "30000", start="2023-01-01", left="2024-12-31", owed="60,000", lo="30,000",
          hi="60,000", within=False, months=2, items=[("owed", False), ("compensation", False)], comp="42,000",
          art87="84,000", half=4, note="F"),
    # F′. The same high earner after 15 years: 12 × 21,000 = 252,000 (the 12-year cap is for high earners).
    _case("month", "1", "30000", start="2010-01-01", left="2024-12-31", owed="30,000", lo="15,000",
          hi="30,000", within=False, months=1, items=[("owed", False), ("compensation", False)],
          comp="252,000", art87="504,000", half=24, note="F2"),
    # Not a high earner: 15 years at 6,000 are all counted → 90,000.
    _case("month", "1", "6000", start="2010-01-01", left="2024-12-31", owed="6,000", lo="3,000", hi="6,000",
          months=1, items=[("owed", True), ("compensation", False)], comp="90,000", art87="180,000", half=30),
    # Paid by the day, the compensation wage entered; 4 months and some days → half a month: 3,000.
    _case("day", "100", "300", "30000", start="2024-05-06", left="2024-09-20", cw="6000", owed="0", lo="0",
          hi="0", items=[("compensation", True)], comp="3,000", art87="6,000", half=1),
]
