"""The page's script and the form service answer alike: docs/assets/js/calculator.js, run unchanged in
Node (tests/js/calc_shim.js gives it the little DOM it touches), against wagesafe.wagecalc and the
service's lines (formsvc.web.tools.views.result_lines) over a few hundred generated inputs — typed the
way workers type them, with the boundaries (6 months of service, 3 × the average wage, 12 years, the
months worked) dense among them. The browser tests hold both to the hand-worked cases; this one finds
where they part."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from formsvc.web.tools.views import result_lines
from wagesafe.registry import load_registry
from wagesafe.wagecalc import CalcError, calculate, yuan

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node") or shutil.which("nodejs")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def _inputs(n: int, seed: int = 27) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        mode = rnd.choice(["month", "month", "month", "day"])
        units = (str(rnd.choice([1, 2, 3, 5, 8, 12, 14, 24])) if rnd.random() < 0.6
                 else f"{rnd.randint(1, 60)}.{rnd.choice(['5', '25', '75'])}") if mode == "month" \
            else str(rnd.randint(1, 400))
        rate = (rnd.choice(["6000", "7400", "7400.01", "21000", "21000.01", "30000", "4,500", "６０００"])
                if mode == "month" else rnd.choice(["300", "250.5", "180"]))
        paid = rnd.choice(["", "0", "1000", "30000", "6000元", "abc"]) if rnd.random() < 0.7 else ""
        nc = rnd.choice(["", "", "1", "2", "3", "8", "12", "13", "30", "1.5"])
        start = left = cw = ""
        if rnd.random() < 0.6:
            s = date(2008, 1, 1) + timedelta(days=rnd.randint(0, 6000))
            months = rnd.choice([0, 5, 6, 11, 12, 18, 24, 31, 143, 144, 145, 180, 240])
            end = date(s.year + (s.month - 1 + months) // 12, (s.month - 1 + months) % 12 + 1, 1)
            end = end.replace(day=min(s.day, 28)) + timedelta(days=rnd.choice([-1, 0, 0, 3]))
            left_d = max(end - timedelta(days=1), s)
            start, left = s.isoformat(), left_d.strftime(rnd.choice(["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]))
            cw = rnd.choice(["", "", "8000", "25000", "0"]) if mode == "month" else rnd.choice(["", "6000"])
            if rnd.random() < 0.05:
                left = "2007-01-01"  # before the start: an error on both sides
        out.append(dict(mode=mode, units=units, rate=rate, paid=paid, no_contract=nc, start=start, left=left,
                        comp_wage=cw))
    return out


def _python(v: dict, county, lang: str) -> dict:
    try:
        r = calculate(v["mode"], v["units"], v["rate"], v["paid"], v["no_contract"],
                      minimum_wage_monthly=county.minimum_wage.monthly_yuan, start=v["start"], left=v["left"],
                      comp_wage=v["comp_wage"], average_wage_monthly=county.average_wage.monthly_yuan)
    except CalcError as err:
        return {"error": err.message(lang)}
    en = lang == "en"
    href = (("../../" if en else "../") + f"complain?amount_yuan={int(r.owed)}"
            + (f"&months_owed={r.months_owed}" if r.months_owed else "") + ("&lang=en" if en else ""))
    owed = (f"Wages owed: {yuan(r.owed)} yuan (earned {yuan(r.earned)}, already paid {yuan(r.paid)})" if en else
            f"欠你的工资：{yuan(r.owed)}元（应得{yuan(r.earned)}元，已拿到{yuan(r.paid)}元）")
    return {"owed": owed, "items": result_lines(r, county, lang), "href": href}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_script_and_the_service_give_the_same_answer(lang):
    county = load_registry(ROOT / "data").county
    inputs = _inputs(400)
    attrs = {"data-lang": lang, "data-min-wage": str(county.minimum_wage.monthly_yuan),
             "data-avg-wage": str(county.average_wage.monthly_yuan), "data-avg-year": str(county.average_wage.year),
             "data-city": county.city_zh}
    run = subprocess.run([NODE, str(ROOT / "tests/js/calc_shim.js"), json.dumps(attrs)], input=json.dumps(inputs),
                         capture_output=True, text=True, timeout=60, check=True)
    js = json.loads(run.stdout)
    differ = [(v, j, p) for v, j, p in zip(inputs, js, (_python(v, county, lang) for v in inputs)) if j != p]
    assert differ == [], differ[:3]
    # The generator reaches what it is for: answers with compensation, caps, cut months and errors.
    texts = "".join("".join(j.get("items") or []) for j in js)
    if lang == "zh":
        assert "所以每月按3倍" in texts and "超过12年的部分不算" in texts and "只按干了活的" in texts
    assert sum(1 for j in js if j.get("error")) >= 10
