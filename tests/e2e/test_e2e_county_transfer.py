"""转送外县 in real Chromium at 390×844 with axe: the worker's status page on county A after the case
went to county B (where it went, their number, their status, how to follow it), and A's desk card.
Two real instances (gunicorn), as in tests/test_county_transfer.py; screenshots are kept in the
test's temporary directory (``status-transferred.png``, ``desk-transfer-card.png``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from formsvc.duties import remote_follow
from formsvc.notify import worker
from formsvc.notify.notifiers import Discard, Open311Sender
from formsvc.storage import store
from tests.county_instances import desk_app, signed_in
from tests.test_county_transfer import A_DESK, MOBILE, _desk_post, _file_a_case, two_counties  # noqa: F401

from .e2e_support import PHONE, axe_violations, format_violations, make_context

pytestmark = pytest.mark.browser


def test_transferred_case_on_the_status_page_and_the_desk(two_counties, browser, tmp_path):  # noqa: F811
    a, b, keys = two_counties
    app_a, db_a = desk_app(a)
    config = a.config()
    case_id, receipt = _file_a_case(a, db_a, config)
    desk = signed_in(app_a, db_a, A_DESK)
    _desk_post(desk, f"/desk/cases/{case_id}/transfer-county",
               {"county": "baishui", "reason": "欠薪发生地在白水县", "address": "白水县石塘镇工业大道12号"})
    senders = {"email": Discard(), "sms": Discard(), "open311": Open311Sender(config, environ=keys)}
    t0 = store.utcnow()
    assert worker.run_once(db_a, senders, t0).sent >= 1
    from wagesafe.registry import load_registry

    from formsvc.duties import scheduler

    scheduler.every_round(db_a, load_registry(config.data_dir), config, t0)  # delivered: told now
    remote_follow.follow(db_a, config, t0 + timedelta(minutes=1), environ=keys)
    remote_id = db_a.conn.execute("SELECT remote_id FROM county_transfers").fetchone()[0]

    ctx = make_context(browser, **PHONE)
    try:
        page = ctx.page()
        page.goto(f"{a.base}/status")
        page.fill("input[name=receipt]", receipt)
        page.fill("input[name=mobile]", MOBILE)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        text = page.inner_text("body")
        b_receipt = db_a.conn.execute("SELECT remote_receipt FROM county_transfers").fetchone()[0]
        assert b_receipt and "已转交白水县" in text and b_receipt in text and "到对方查询" in text
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        page.screenshot(path=str(tmp_path / "status-transferred.png"), full_page=True)
        violations = axe_violations(page)
        assert violations == [], format_violations(page.url, violations)
    finally:
        ctx.context.close()
    ctx.assert_no_external()

    ctx = make_context(browser, **{**PHONE, "bypass_csp": True})
    try:
        page = ctx.page()
        page.goto(f"{a.base}/desk/login")
        form = page.locator("form:has(input[name=password])")
        form.locator("input[name=email]").fill(A_DESK)
        form.locator("input[name=password]").fill("correct horse battery")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        page.goto(f"{a.base}/desk/cases/{case_id}")
        card = page.locator("#county-transfer-1")
        assert f"对方编号：{remote_id}" in card.inner_text()
        card.screenshot(path=str(tmp_path / "desk-transfer-card.png"))
        page.screenshot(path=str(tmp_path / "desk-case.png"), full_page=True)
        violations = axe_violations(page)
        assert violations == [], format_violations(page.url, violations)
    finally:
        ctx.context.close()
    ctx.assert_no_external()


def _desk_page(browser, base: str, email: str):
    ctx = make_context(browser, **{**PHONE, "bypass_csp": True})
    page = ctx.page()
    page.goto(f"{base}/desk/login")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill("correct horse battery")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    return ctx, page


def test_a_refused_transfer_and_a_broken_partner_file_in_the_browser(two_counties, browser, tmp_path):  # noqa: F811
    """Issue 24 at 390×844 with axe: the desk card of a refused transfer (why, in words; resend; withdraw),
    the worker's status page after it (this county keeps the case, no "已转交"), and the county desk's banner
    when partners.yaml is broken (the case page still opens). Screenshots: desk-refused-card.png,
    status-refused.png, desk-partners-broken.png."""
    from wagesafe.registry import load_registry

    from formsvc.duties import scheduler

    a, b, keys = two_counties
    app_a, db_a = desk_app(a)
    config = a.config()
    case_id, receipt = _file_a_case(a, db_a, config)
    desk = signed_in(app_a, db_a, A_DESK)
    _desk_post(desk, f"/desk/cases/{case_id}/transfer-county", {"county": "baishui", "reason": "以为属白水县"})
    with store.write_transaction(db_a):  # a service B does not offer: B answers 404, a refusal
        body = db_a.conn.execute("SELECT body FROM notices WHERE channel = 'open311'").fetchone()[0]
        db_a.conn.execute("UPDATE notices SET body = ? WHERE channel = 'open311'",
                          (body.replace('"wage_other"', '"wage_nothing"'),))
    senders = {"email": Discard(), "sms": Discard(), "open311": Open311Sender(config, environ=keys)}
    t0 = store.utcnow()
    assert worker.run_once(db_a, senders, t0).dead == 1
    scheduler.tick(db_a, load_registry(config.data_dir), config, t0)

    ctx, page = _desk_page(browser, a.base, A_DESK)
    try:
        page.goto(f"{a.base}/desk/cases/{case_id}")
        card = page.locator("#county-transfer-1")
        text = card.inner_text()
        assert "对方拒收" in text and "没有这个 service_code" in text and "HTTP" not in text
        assert card.locator("button", has_text="重新发送").is_visible()
        assert card.locator("button", has_text="撤回转送").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        card.screenshot(path=str(tmp_path / "desk-refused-card.png"))
        violations = axe_violations(page)
        assert violations == [], format_violations(page.url, violations)

        (a.data_dir / "partners.yaml").write_text("partner_counties:\n  - code: Bai Shui\n", encoding="utf-8")
        page.goto(f"{a.base}/desk/cases/{case_id}")
        banner = page.locator("#partners-broken")
        assert "转送外县暂停" in banner.inner_text() and "缺少 open311_url" in banner.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        page.screenshot(path=str(tmp_path / "desk-partners-broken.png"))
        violations = axe_violations(page)
        assert violations == [], format_violations(page.url, violations)
    finally:
        ctx.context.close()
    ctx.assert_no_external()

    ctx = make_context(browser, **PHONE)
    try:
        page = ctx.page()
        page.goto(f"{a.base}/status")
        page.fill("input[name=receipt]", receipt)
        page.fill("input[name=mobile]", MOBILE)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        text = page.inner_text("body")
        assert "仍由本县处理" in text and "已转交" not in text and "已转送" not in text
        page.screenshot(path=str(tmp_path / "status-refused.png"), full_page=True)
        violations = axe_violations(page)
        assert violations == [], format_violations(page.url, violations)
    finally:
        ctx.context.close()
    ctx.assert_no_external()
    assert a.server_errors() == []


def test_a_case_given_back_on_the_desk_and_the_status_page(two_counties, browser, tmp_path):  # noqa: F811
    """白水县 closes the case as 不属本县管辖: at 390×844 with axe, A's desk card says in words that B gave
    it back, with B's note, and that A handles it again; the worker's page says it was given back, then A's
    state (never 白水县已办结 beside it). Screenshots: desk-returned-card.png, desk-returned.png,
    status-returned.png."""
    from wagesafe.registry import load_registry

    from formsvc.duties import scheduler

    a, b, keys = two_counties
    app_a, db_a = desk_app(a)
    config = a.config()
    registry = load_registry(config.data_dir)
    case_id, receipt = _file_a_case(a, db_a, config)
    desk = signed_in(app_a, db_a, A_DESK)
    _desk_post(desk, f"/desk/cases/{case_id}/transfer-county",
               {"county": "baishui", "reason": "欠薪发生地在白水县", "address": "白水县石塘镇工业大道12号"})
    senders = {"email": Discard(), "sms": Discard(), "open311": Open311Sender(config, environ=keys)}
    t0 = store.utcnow()
    worker.run_once(db_a, senders, t0)
    scheduler.every_round(db_a, registry, config, t0)
    b_id = db_a.conn.execute("SELECT remote_id FROM county_transfers").fetchone()[0]
    app_b, db_b = desk_app(b)
    officer = signed_in(app_b, db_b, "shitang.officer@baishui.example.gov.cn")
    note = "用工单位和工地都在青禾县河西街道，应由青禾县办理"
    assert _desk_post(officer, f"/desk/cases/{b_id}/acknowledge", {}).status_code == 303
    assert _desk_post(officer, f"/desk/cases/{b_id}/outcome", {"outcome": "not_this_county", "text": note}
                      ).status_code == 303
    remote_follow.follow(db_a, config, t0 + timedelta(minutes=6), environ=keys)
    scheduler.every_round(db_a, registry, config, t0 + timedelta(minutes=6))

    ctx, page = _desk_page(browser, a.base, A_DESK)
    try:
        page.goto(f"{a.base}/desk/cases/{case_id}")
        card = page.locator("#county-transfer-1")
        text = card.inner_text()
        assert "白水县退回了此案" in text and note in text and "此案由本县继续办理" in text and "已办结" not in text
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        card.screenshot(path=str(tmp_path / "desk-returned-card.png"))
        page.screenshot(path=str(tmp_path / "desk-returned.png"), full_page=True)
        violations = axe_violations(page)
        assert violations == [], format_violations(page.url, violations)
    finally:
        ctx.context.close()
    ctx.assert_no_external()

    ctx = make_context(browser, **PHONE)
    try:
        page = ctx.page()
        page.goto(f"{a.base}/status")
        page.fill("input[name=receipt]", receipt)
        page.fill("input[name=mobile]", MOBILE)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        text = page.inner_text("body")
        assert "白水县已退回本县" in text and note in text and "白水县已办结" not in text and "对方已办结" not in text
        assert text.index("白水县已退回本县") < text.index("当前状态")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        page.screenshot(path=str(tmp_path / "status-returned.png"), full_page=True)
        violations = axe_violations(page)
        assert violations == [], format_violations(page.url, violations)
    finally:
        ctx.context.close()
    ctx.assert_no_external()
    assert a.server_errors() == [] and b.server_errors() == []
