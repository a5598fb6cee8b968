"""The wage calculator's rules (``wagesafe.wagecalc``) and its no-JavaScript answer (``/tools/calculator``)
against cases worked by hand, including the art. 47 limit at the boundary."""

from __future__ import annotations

import html
import re

import pytest

from wagesafe.wagecalc import CalcError, calculate, yuan

from tests.calc_cases import AVERAGE, CASES, MW
from tests.test_intake import make_app

IDS = [c["note"] or f"{c['mode']}-{c['units']}x{c['rate']}-nc{c['nc']}-{c['start']}" for c in CASES]


def _calc(case):
    return calculate(case["mode"], case["units"], case["rate"], case["paid"], case["nc"], minimum_wage_monthly=MW,
                     start=case["start"], left=case["left"], comp_wage=case["cw"], average_wage_monthly=AVERAGE)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_calculate_matches_the_hand_worked_case(case):
    r = _calc(case)
    assert (yuan(r.owed), yuan(r.art85_low), yuan(r.art85_high)) == (case["owed"], case["lo"], case["hi"])
    assert (r.double_months, yuan(r.double_extra)) == (case["dm"], case["dx"])
    assert r.within_final_limit is case["within"] and yuan(r.final_limit) == "22,200"
    assert r.months_owed == case["months"]
    assert r.no_contract_capped is case["capped"]
    assert [(i.key, i.within) for i in r.items] == [tuple(i) for i in case["items"]]
    if case["comp"] is None:
        assert r.compensation is None
    else:
        c = r.compensation
        assert (yuan(c.amount), yuan(c.art87), c.half_months) == (case["comp"], case["art87"], case["half"])


def test_double_wages_never_count_months_not_worked():
    """Review row 111: 3 months worked, "8 months without a contract" gave 7 months, 42,000."""
    for nc in range(0, 121):
        r = calculate("month", "3", "6000", "", str(nc), minimum_wage_monthly=MW)
        assert r.double_months <= 2 and r.double_extra <= 12000


def test_months_owed_come_from_what_is_owed_never_the_months_worked():
    """Review row 112 / case H: 8 months worked at 6,000 with 30,000 paid is 3 months owed, not 8."""
    assert calculate("month", "8", "6000", "30000", minimum_wage_monthly=MW).months_owed == 3
    assert calculate("month", "8", "6000", "48000", minimum_wage_monthly=MW).months_owed is None  # nothing owed
    assert calculate("month", "8", "6000", "47999", minimum_wage_monthly=MW).months_owed == 1
    assert calculate("day", "60", "300", minimum_wage_monthly=MW).months_owed is None


@pytest.mark.parametrize("start,left,months,extra,half", [
    ("2024-01-01", "2024-06-30", 6, False, 2),     # six months exactly count as a year
    ("2024-01-01", "2024-06-29", 5, True, 1),      # a day short: half a month
    ("2024-01-01", "2024-01-01", 0, True, 1),      # one day
    ("2023-01-31", "2024-01-30", 12, False, 2),    # a year exactly
    ("2023-01-31", "2023-02-27", 0, True, 1),      # the end of a short month
    ("2020-02-29", "2025-02-27", 59, True, 10),    # leap day start: 4 years 11 months and some days → 5
])
def test_service_counts_six_months_as_a_year_and_less_as_half(start, left, months, extra, half):
    from wagesafe.wagecalc import compensation, parse_date, service_months

    s, lv = parse_date("start", start), parse_date("left", left)
    assert service_months(s, lv) == (months, extra)
    assert compensation(s, lv, 6000, AVERAGE).half_months == half


def test_the_wage_cap_is_three_times_the_average_inclusive():
    """At exactly 3 × the average the wage is not *above* it: no cap, all years count."""
    r = calculate("month", "1", "21000", start="2005-01-01", left="2024-12-31", minimum_wage_monthly=MW,
                  average_wage_monthly=AVERAGE)
    assert not r.compensation.wage_capped and r.compensation.half_months == 40
    r = calculate("month", "1", "21000.01", start="2005-01-01", left="2024-12-31", minimum_wage_monthly=MW,
                  average_wage_monthly=AVERAGE)
    assert r.compensation.wage_capped and r.compensation.years_capped and yuan(r.compensation.amount) == "252,000"


@pytest.mark.parametrize("args,field", [
    (("month", "", "6000"), "units"), (("month", "0", "6000"), "units"), (("month", "121", "6000"), "units"),
    (("day", "3661", "300"), "units"), (("month", "3", "abc"), "rate"), (("month", "3", "-5"), "rate"),
    (("month", "3", "6000", "99999"), "paid"), (("month", "3", "6000", "", "1.5"), "no_contract"),
    (("month", "3", "1e400"), "rate"), (("month", "3", "6000.001"), "rate"), (("year", "3", "6000"), "mode"),
])
def test_calculate_refuses_bad_input_with_the_field_named(args, field):
    with pytest.raises(CalcError) as err:
        calculate(*args, minimum_wage_monthly=MW)
    assert err.value.field == field
    assert err.value.message("zh") and err.value.message("en")


@pytest.mark.parametrize("kw,field", [
    (dict(start="2024-01-01"), "left"), (dict(left="2024-01-01"), "start"),
    (dict(start="2024-02-30", left="2024-05-01"), "start"), (dict(start="2024-05-01", left="2024-04-30"), "left"),
    (dict(start="yesterday", left="2024-04-30"), "start"), (dict(start="1960-01-01", left="2024-04-30"), "start"),
    (dict(start="2024-01-01", left="2024-04-30", comp_wage="abc"), "comp_wage"),
    (dict(mode="day", start="2024-01-01", left="2024-04-30"), "comp_wage"),
])
def test_compensation_refuses_bad_dates_and_wages_with_the_field_named(kw, field):
    mode = kw.pop("mode", "month")
    with pytest.raises(CalcError) as err:
        calculate(mode, "3", "300" if mode == "day" else "6000", minimum_wage_monthly=MW, **kw)
    assert err.value.field == field
    assert err.value.message("zh") and err.value.message("en")


def test_calculate_reads_numbers_as_workers_type_them():
    r = calculate("month", "３", "６,０００元", minimum_wage_monthly=MW, start="2023年3月1日", left="２０２５/２/２８")
    assert yuan(r.owed) == "18,000" and yuan(r.compensation.amount) == "12,000"


@pytest.fixture
def client(tmp_path, data_dir):
    return make_app(tmp_path, data_dir).test_client()


def _text(page: bytes) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.decode()))


def assert_answer_text(text: str, case: dict) -> None:
    """What both answers (the service's and the page's script) must say for a hand-worked case."""
    assert f"欠你的工资：{case['owed']}元" in text, (case, text)
    if case["owed"] != "0":
        assert f"{case['lo']}元到{case['hi']}元" in text and "第85条" in text and "不是自动就有" in text
    names = {"owed": "欠的工资", "double": "两倍工资", "compensation": "经济补偿"}
    amounts = {"owed": case["owed"], "double": case["dx"], "compensation": case["comp"]}
    for key, within in case["items"]:
        head = f"{names[key]}{amounts[key]}元"
        line = next((ln for ln in text.split("\n") if ln.startswith(head) or f"\n{head}" in ln), None)
        line = line or text[text.index(head):].split("。")[0]
        if within:
            assert "不超过本县月最低工资的12倍（22,200元）" in line and "终局" in line, (head, line)
        else:
            assert "超过了本县月最低工资的12倍（22,200元）" in line and "终局" not in line, (head, line)
    assert ("整份裁决按非终局处理" in text) is (len({w for _, w in case["items"]}) == 2), text
    assert ("第82条" in text) is (case["dm"] > 0)
    if case["dm"]:
        assert f"{case['dm']}个月的两倍工资，另外{case['dx']}元" in text and "解释（二）第7条" in text
    assert ("只按干了活的" in text) is case["capped"]
    if case["comp"]:
        assert f"共{case['comp']}元（《劳动合同法》第46条、第47条" in text
        assert f"赔偿金是经济补偿的两倍，{case['art87']}元（《劳动合同法》第87条）" in text
        assert "书面提出解除劳动合同" in text and "第38条" in text
        assert ("所以每月按3倍" in text) is (case["rate"] == "30000")
    else:
        assert "经济补偿（因为单位欠薪" not in text


def _query(case: dict) -> dict:
    return dict(mode=case["mode"], units=case["units"], rate=case["rate"], paid=case["paid"], no_contract=case["nc"],
                start=case["start"], left=case["left"], comp_wage=case["cw"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_no_js_answer_shows_the_hand_worked_figures_with_articles(client, case):
    resp = client.get("/tools/calculator", query_string=_query(case))
    assert resp.status_code == 200
    page = resp.data.decode()
    text = "\n".join(html.unescape(re.sub(r"<[^>]+>", "", ln)).strip() for ln in re.split(r"<li>|</li>|<p", page))
    assert_answer_text(text, case)
    assert resp.headers["Cache-Control"] == "no-store"
    # The result is carried into the complaint form, with the months *owed*, never the months worked.
    carried = f"/complain?amount_yuan={int(float(case['owed'].replace(',', '')))}"
    if case["months"]:
        carried += f"&amp;months_owed={case['months']}"
    assert carried in page
    assert ("months_owed=" in page) is (case["months"] is not None)


def test_no_js_form_shows_the_city_average_wage_with_year_and_source(client):
    text = _text(client.get("/tools/calculator").data)
    assert "禾川市公布的上年度职工月平均工资：7,000元（2025年度；来源：禾川市人民政府" in text
    assert "21,000元" in text


def test_no_js_answer_case_h_carries_three_months_into_the_application(client):
    """8 months worked at 6,000 with 30,000 paid: the application's facts say 3 months, not 8."""
    page = client.get("/tools/calculator", query_string=dict(mode="month", units="8", rate="6000", paid="30000",
                                                             no_contract="8")).data.decode()
    assert "months_owed=3" in page and "months_owed=8" not in page


def test_no_js_answer_in_english_and_errors_politely(client):
    resp = client.get("/tools/calculator?lang=en&mode=month&units=8&rate=6000&paid=30000&no_contract=8"
                      "&start=2023-01-01&left=2024-12-31")
    text = _text(resp.data)
    assert resp.status_code == 200 and "Wages owed: 18,000 yuan" in text
    assert "The double wages, 42,000 yuan: more than 12" in text and "Interpretation (I)" in text
    assert "12,000 yuan in all" in text and "24,000 yuan (Labour Contract Law art. 87)" in text
    assert not re.search(r"[\u4e00-\u9fff]", text.split("Work it out")[0].split("Wages owed")[1][:3000].replace(
        "禾川市", "")), "Chinese left in the English answer"
    bad = client.get("/tools/calculator?mode=month&units=3&rate=%3Cscript%3E")
    assert bad.status_code == 400
    assert "请填每月工资（元），大于0" in _text(bad.data) and "<script>" not in bad.data.decode()


def test_complaint_form_takes_the_carried_amount(client):
    page = client.get("/complain?amount_yuan=22200&months_owed=3").data.decode()
    assert re.search(r'name="amount_yuan"[^>]*value="22200"', page) or re.search(
        r'value="22200"[^>]*name="amount_yuan"', page)
    junk = client.get("/complain?amount_yuan=%3Cb%3E").data.decode()
    assert not re.search(r'name="amount_yuan"[^>]*value="[^"]+"', junk)  # not a whole number: not carried


def test_the_page_script_says_the_same_words_as_the_service():
    """calculator.js mirrors formsvc/web/tools/words.py and wagecalc.MESSAGES word for word (zh and en), so
    a worker with or without JavaScript reads the same sentence."""
    import json
    from pathlib import Path

    from formsvc.web.tools.words import WORDS
    from wagesafe.wagecalc import MESSAGES

    script = (Path(__file__).parent.parent / "docs/assets/js/calculator.js").read_text(encoding="utf-8")
    keys = ["fin_in", "fin_out", "fin_mixed", "item_owed", "item_double", "item_compensation", "a85", "a82",
            "a82day", "nc_capped", "comp", "comp_cap", "comp_cut", "comp_how", "art87", "service", "service_months", "service_more",
            "carry", "apply", "note"]
    for key in keys:
        for text in WORDS[key]:
            assert f"{key}: {json.dumps(text, ensure_ascii=False)}" in script, key
    for key, pair in MESSAGES.items():
        if key != "mode":
            for text in pair:
                assert f"{key}: {json.dumps(text, ensure_ascii=False)}" in script, key
