"""The wage calculator's rules (``wagesafe.wagecalc``) and its no-JavaScript answer (``/tools/calculator``)
against cases worked by hand, including the art. 47 limit at the boundary."""

from __future__ import annotations

import html
import re

import pytest

from wagesafe.wagecalc import CalcError, calculate, yuan

from tests.calc_cases import CASES
from tests.test_intake import make_app

MW = 1850


@pytest.mark.parametrize("case", CASES, ids=[f"{c['mode']}-{c['units']}x{c['rate']}" for c in CASES])
def test_calculate_matches_the_hand_worked_case(case):
    r = calculate(case["mode"], case["units"], case["rate"], case["paid"], case["nc"], minimum_wage_monthly=MW)
    assert (yuan(r.owed), yuan(r.art85_low), yuan(r.art85_high)) == (case["owed"], case["lo"], case["hi"])
    assert (r.double_months, yuan(r.double_extra)) == (case["dm"], case["dx"])
    assert r.within_final_limit is case["within"] and yuan(r.final_limit) == "22,200"


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


def test_calculate_reads_numbers_as_workers_type_them():
    r = calculate("month", "３", "６,０００元", minimum_wage_monthly=MW)
    assert yuan(r.owed) == "18,000"


@pytest.fixture
def client(tmp_path, data_dir):
    return make_app(tmp_path, data_dir).test_client()


def _text(page: bytes) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.decode()))


@pytest.mark.parametrize("case", CASES, ids=[f"{c['mode']}-{c['units']}x{c['rate']}" for c in CASES])
def test_no_js_answer_shows_the_hand_worked_figures_with_articles(client, case):
    resp = client.get("/tools/calculator", query_string=dict(mode=case["mode"], units=case["units"],
                                                             rate=case["rate"], paid=case["paid"],
                                                             no_contract=case["nc"]))
    assert resp.status_code == 200
    text = _text(resp.data)
    assert f"欠你的工资：{case['owed']}元" in text
    assert f"{case['lo']}元到{case['hi']}元" in text and "第85条" in text and "不是自动就有" in text
    assert ("不超过本县月最低工资的12倍（22,200元）" in text) is case["within"]
    assert ("超过了本县月最低工资的12倍" in text) is (not case["within"])
    assert ("第82条" in text) is (case["dm"] > 0)
    assert resp.headers["Cache-Control"] == "no-store"
    # The result is carried into the complaint form.
    assert f"/complain?amount_yuan={int(float(case['owed'].replace(',', '')))}" in resp.data.decode()


def test_no_js_answer_in_english_and_errors_politely(client):
    resp = client.get("/tools/calculator?lang=en&mode=month&units=3&rate=7400")
    assert resp.status_code == 200 and "Wages owed: 22,200 yuan" in _text(resp.data)
    bad = client.get("/tools/calculator?mode=month&units=3&rate=%3Cscript%3E")
    assert bad.status_code == 400
    assert "请填每月工资（元），大于0" in _text(bad.data) and "<script>" not in bad.data.decode()


def test_complaint_form_takes_the_carried_amount(client):
    page = client.get("/complain?amount_yuan=22200&months_owed=3").data.decode()
    assert re.search(r'name="amount_yuan"[^>]*value="22200"', page) or re.search(
        r'value="22200"[^>]*name="amount_yuan"', page)
    junk = client.get("/complain?amount_yuan=%3Cb%3E").data.decode()
    assert not re.search(r'name="amount_yuan"[^>]*value="[^"]+"', junk)  # not a whole number: not carried
