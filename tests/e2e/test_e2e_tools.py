"""The wage calculator in a phone's browser: with JavaScript it answers on the page; without, the
form service answers. Both against the same hand-worked cases (tests/calc_cases.py), with axe."""

from __future__ import annotations

import pytest

from tests.calc_cases import CASES
from tests.test_tools_calculator import assert_answer_text

from .e2e_support import axe_violations

pytestmark = pytest.mark.browser


def _assert_accessible(page) -> None:
    found = axe_violations(page)
    assert found == [], [(v["id"], [(n["target"], n["summary"]) for n in v["nodes"]]) for v in found]


def _fill(page, case):
    page.check(f'input[name="mode"][value="{case["mode"]}"]')
    for name, key in (("units", "units"), ("rate", "rate"), ("paid", "paid"), ("no_contract", "nc"),
                      ("start", "start"), ("left", "left"), ("comp_wage", "cw")):
        page.fill(f'#ws-calc-{name}', case[key])


def test_calculator_answers_on_the_page_with_javascript(system, phone, tmp_path_factory):
    """Every hand-worked case (review §4 A–H among them) gives on the page what the service gives:
    months owed carried (not months worked), the final-award test per item, the compensation block."""
    page = phone.page()
    page.goto(f"{system.base}/calculator/")
    assert "禾川市公布的上年度职工月平均工资：7,000 元（2025年度" in page.inner_text("#ws-calc")
    shots = tmp_path_factory.mktemp("shots")
    for case in CASES:
        _fill(page, case)
        page.wait_for_function("document.querySelector('#ws-calc-result .ws-calc-owed') !== null")
        page.wait_for_timeout(250)
        text = page.inner_text("#ws-calc-result")
        assert_answer_text(text, case)
        href = page.get_attribute("#ws-calc-result a", "href")
        assert href.startswith("../complain?amount_yuan=")
        assert (f"months_owed={case['months']}" in href) if case["months"] else ("months_owed" not in href), href
        if case["note"] == "B":  # 8 months worked, 30,000 of 48,000 paid: 3 months owed
            page.screenshot(path=str(shots / "calculator-js-case-b.png"), full_page=True)
        if case["note"] == "E2":
            _assert_accessible(page)
    shot = shots / "calculator-js-compensation.png"
    page.screenshot(path=str(shot), full_page=True)
    print("screenshots:", shots)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _assert_accessible(page)
    # Bad input: a polite error, no figures.
    page.fill("#ws-calc-rate", "abc")
    page.wait_for_timeout(300)
    assert "请填每月工资" in page.inner_text("#ws-calc-result") or "请填每天工资" in page.inner_text("#ws-calc-result")


def test_calculator_works_without_javascript(system, phone_nojs):
    page = phone_nojs.page()
    for case in [c for c in CASES if c["note"] in ("A", "C", "B", "F")]:
        page.goto(f"{system.base}/calculator/")
        page.check(f'input[name="mode"][value="{case["mode"]}"]')
        for name, key in (("units", "units"), ("rate", "rate"), ("paid", "paid"), ("no_contract", "nc"),
                          ("start", "start"), ("left", "left"), ("comp_wage", "cw")):
            page.fill(f'#ws-calc-{name}', case[key])
        page.click("#ws-calc button[type=submit]")
        page.wait_for_load_state()
        assert page.url.startswith(f"{system.base}/tools/calculator?")
        assert_answer_text(page.inner_text("main"), case)
    page.goto(f"{system.base}/tools/calculator?mode=month&units=8&rate=6000&paid=30000&no_contract=8")
    page.click("text=用这个金额去投诉")
    assert page.input_value('[name="amount_yuan"]') == "18000"
    assert page.input_value('[name="months_owed"]') == "3"  # owed, not the 8 worked


def test_application_page_on_a_phone(system, phone, tmp_path_factory):
    """The application form carries the calculator's amount, passes axe at 390×844, and its
    errors are polite and tied to their fields."""
    page = phone.page()
    page.goto(f"{system.base}/tools/application?amount_yuan=18000&months_owed=3")
    assert page.input_value("#a-amount1") == "18000"
    assert page.input_value("#a-months_unpaid") == "3"  # months owed from the calculator, not months worked
    assert "不会保存" in page.inner_text("main") and "口头申请" in page.inner_text("main")
    shot = tmp_path_factory.mktemp("shots") / "application.png"
    page.screenshot(path=str(shot), full_page=False)
    print("screenshot:", shot)
    _assert_accessible(page)
    page.fill("#a-name", "王小明")
    page.evaluate("document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))")
    page.click("form >> nth=1 >> button[type=submit]")
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "请填写被申请人（用人单位）名称。" in text and "请填写职业（工种）。" in text
    assert "请选择怎么离开的。" in text and "请填写性别（《劳动争议调解仲裁法》第28条要求写明）" in text
    assert page.input_value("#a-name") == "王小明"  # what was typed is kept
    _assert_accessible(page)


def test_legal_aid_page_links_the_card_the_demo_built(system, phone):
    """`wagesafe posters` (as `make run` runs it) wrote the card; the legal-aid page's links open it."""
    page = phone.page()
    page.goto(f"{system.base}/legal-aid/")
    for name in ("card.pdf", "card-a4.pdf"):
        href = page.get_attribute(f'a[href$="_legal-aid-card/{name}"]', "href")
        response = page.request.get(f"{system.base}/legal-aid/{href}")
        assert response.status == 200 and response.body()[:5] == b"%PDF-", name
