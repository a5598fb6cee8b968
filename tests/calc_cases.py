"""Wage-calculator cases worked by hand (county minimum wage 1,850 yuan/month → limit 22,200).

Each: inputs, then the expected owed, art. 85 range, double-wage months and extra, and whether
the claim is within the art. 47 final-award limit. Shared by the Python, HTTP and browser tests.
"""

CASES = [
    # 3 months × 6,000 = 18,000; nothing paid; 50 % = 9,000; within 22,200.
    dict(mode="month", units="3", rate="6000", paid="", nc="", owed="18,000", lo="9,000", hi="18,000",
         dm=0, dx="0", within=True),
    # 45 days × 300 = 13,500, less 2,000 paid = 11,500; 50 % = 5,750.
    dict(mode="day", units="45", rate="300", paid="2000", nc="", owed="11,500", lo="5,750", hi="11,500",
         dm=0, dx="0", within=True),
    # The art. 47 boundary: 3 × 7,400 = 22,200 exactly is "不超过" → within.
    dict(mode="month", units="3", rate="7400", paid="", nc="", owed="22,200", lo="11,100", hi="22,200",
         dm=0, dx="0", within=True),
    # One fen a month more: 3 × 7,400.01 = 22,200.03 → above the limit.
    dict(mode="month", units="3", rate="7400.01", paid="", nc="", owed="22,200.03", lo="11,100.02",
         hi="22,200.03", dm=0, dx="0", within=False),
    # No written contract for 5 months at 6,000: months 2–5 doubled → 4 × 6,000 = 24,000 more.
    dict(mode="month", units="5", rate="6000", paid="6000", nc="5", owed="24,000", lo="12,000", hi="24,000",
         dm=4, dx="24,000", within=False),
    # 14 months without a contract: capped at 11 months → 66,000 more.
    dict(mode="month", units="2.5", rate="4000", paid="", nc="14", owed="10,000", lo="5,000", hi="10,000",
         dm=11, dx="44,000", within=True),
]
