"""转送外县 in real Chromium at 390×844 with axe, told once and truly (issues 23, 24): the worker's status
page on county A before delivery (nothing said), after it (where it went, their number, the SMS with it,
how to follow it), B's desk with the photo as its own evidence, B's acknowledgement and partly-paid outcome
(with a note) recorded on B's desk in the browser, and both coming back to the worker's page on A (zh and
en) and A's desk card. Two real instances (gunicorn), as in tests/test_county_transfer.py; screenshots are
kept in the test's temporary directory (``status-before-delivery.png``, ``status-transferred.png``,
``b-desk-case.png``, ``status-closed-there-zh.png``/``-en.png``, ``desk-transfer-card.png``)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from formsvc.duties import evidence_fetch, remote_follow, scheduler, worker_sms
from formsvc.notify import worker
from formsvc.notify.notifiers import Discard, Open311Sender
from formsvc.storage import store
from tests.county_instances import desk_app, signed_in
from tests.test_county_transfer import A_DESK, B_OFFICER, MOBILE, _desk_post, _file_a_case, two_counties  # noqa: F401

from .e2e_support import PHONE, axe_violations, format_violations, make_context

pytestmark = pytest.mark.browser

B_NOTE = "包工头已付30000元，余款约定下月10日前付清。"
RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\bNone\b|Traceback|Error\b|HTTPConnectionPool")


def _status_text(browser, base: str, receipt: str, shot, lang: str = "zh") -> str:
    """The worker's status page on a phone (axe clean, no sideways scroll, nothing external), its text."""
    ctx = make_context(browser, **PHONE)
    try:
        page = ctx.page()
        page.goto(f"{base}/status?lang={lang}")
        page.fill("input[name=receipt]", receipt)
        page.fill("input[name=mobile]", MOBILE)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        text = page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        assert not RAW.findall(text), (RAW.findall(text), text)
        stamps = page.eval_on_selector_all("time[datetime]", "els => els.map(e => e.getAttribute('datetime'))")
        assert all(t.endswith("+08:00") for t in stamps if "T" in t), stamps  # the county's zone
        assert page.locator("footer a").first.get_attribute("href")  # the way back to the portal
        page.screenshot(path=str(shot), full_page=True)
        violations = axe_violations(page)
        assert violations == [], format_violations(page.url, violations)
    finally:
        ctx.context.close()
    ctx.assert_no_external()
    return text


def _worker_sms(db, case_id: int) -> list[str]:
    return [r[0] for r in db.conn.execute("SELECT body FROM notices WHERE complaint_id = ? AND channel = 'sms'"
                                          " AND recipient LIKE ? ORDER BY id", (case_id, f"%{MOBILE[-8:]}"))]


def test_transferred_case_on_the_status_page_and_the_desk(two_counties, browser, tmp_path):  # noqa: F811
    from wagesafe.registry import load_registry

    a, b, keys = two_counties
    app_a, db_a = desk_app(a)
    config = a.config()
    registry_a = load_registry(config.data_dir)
    case_id, receipt = _file_a_case(a, db_a, config)
    desk = signed_in(app_a, db_a, A_DESK)
    _desk_post(desk, f"/desk/cases/{case_id}/transfer-county",
               {"county": "baishui", "reason": "欠薪发生地在白水县", "address": "白水县石塘镇工业大道12号"})
    t0 = store.utcnow()
    scheduler.every_round(db_a, registry_a, config, t0)
    worker_sms.queue_due(db_a, registry_a, config, t0)

    # 1. Asked, not delivered: the worker's page and SMS say nothing of a transfer yet.
    text = _status_text(browser, a.base, receipt, tmp_path / "status-before-delivery.png")
    assert "转交" not in text and "转送" not in text and "白水县" not in text, text
    assert not [m for m in _worker_sms(db_a, case_id) if "转" in m]

    # 2. Delivered: now the SMS and the page say 已转送白水县 (转送: another county; 转交 is for a township), with
    #    B's receipt, once; B sends the worker no second "已收到" of its own.
    senders = {"email": Discard(), "sms": Discard(), "open311": Open311Sender(config, environ=keys)}
    assert worker.run_once(db_a, senders, t0).sent >= 1
    scheduler.every_round(db_a, registry_a, config, t0)  # delivered: told now
    worker_sms.queue_due(db_a, registry_a, config, t0)
    remote_follow.follow(db_a, config, t0 + timedelta(minutes=1), environ=keys)
    remote_id, b_receipt = db_a.conn.execute("SELECT remote_id, remote_receipt FROM county_transfers").fetchone()
    told = [m for m in _worker_sms(db_a, case_id) if "转" in m]
    assert len(told) == 1 and f"已转送白水县（对方回执号{b_receipt}）" in told[0], told
    text = _status_text(browser, a.base, receipt, tmp_path / "status-transferred.png")
    assert b_receipt and "已转送白水县" in text and b_receipt in text and "到对方查询" in text
    assert "转交" not in text, text
    _, db_b_early = desk_app(b)
    assert db_b_early.conn.execute("SELECT COUNT(*) FROM notices WHERE kind = 'worker_receipt'").fetchone()[0] == 0

    # 3. B's desk: the photo is B's own evidence once B's worker fetched it; B acknowledges and records
    #    partly paid (30,000 of 54,000, 24,000 left) with a note, on a phone.
    config_b = b.config()
    _, db_b = desk_app(b)
    evidence_fetch.fetch_due(db_b, config_b, store.utcnow())
    ctx, page = _desk_page(browser, b.base, B_OFFICER)
    try:
        page.goto(f"{b.base}/desk/cases/{remote_id}")
        main = page.inner_text("main")
        assert "工资条照片.jpg" in main and "没有上传材料" not in main and "由青禾县转来" in main, main
        assert "工人提交投诉" not in main, main
        page.get_by_role("button", name=re.compile("确认受理")).click()
        page.wait_for_load_state("networkidle")
        form = page.locator("form[action$='/outcome']")
        form.locator("input[name=outcome][value=partly_paid]").check()
        form.locator("input[name=amount]").fill("30000")
        form.locator("input[name=left]").fill("24000")
        form.locator("textarea[name=text]").fill(B_NOTE)
        form.get_by_role("button", name="办结", exact=True).click()
        page.wait_for_load_state("networkidle")
        assert "尚欠 24,000 元" in page.inner_text("main")
        page.screenshot(path=str(tmp_path / "b-desk-case.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    finally:
        ctx.context.close()
    ctx.assert_no_external()

    # 4. B's outcome comes back to A: the worker's page (zh, en) and SMS, and A's desk card; never "being handled"
    #    beside "closed there".
    remote_follow.follow(db_a, config, t0 + timedelta(minutes=10), environ=keys)
    scheduler.every_round(db_a, registry_a, config, t0 + timedelta(minutes=10))
    worker_sms.queue_due(db_a, registry_a, config, t0 + timedelta(minutes=10))
    text = _status_text(browser, a.base, receipt, tmp_path / "status-closed-there-zh.png")
    for words in ("白水县已办结", "工资已部分支付", "已支付：30,000 元", "尚欠：24,000 元", B_NOTE, b_receipt):
        assert words in text, (words, text)
    assert "正在" not in text and "等待" not in text, text
    en = _status_text(browser, a.base, receipt, tmp_path / "status-closed-there-en.png", lang="en")
    for words in ("Baishui County has closed your case", "Baishui County: Wages partly paid", "Paid: 30,000 yuan",
                  "Still owed: 24,000 yuan", B_NOTE):
        assert words in en, (words, en)
    outcome_sms = [m for m in _worker_sms(db_a, case_id) if "办结" in m]
    assert len(outcome_sms) == 1 and "已由白水县办结：工资已部分支付" in outcome_sms[0], outcome_sms
    assert "告诉我们是否拿到工资" in outcome_sms[0]  # answered on our page (recorded; the desk takes it up there)
    assert "可以向白水县的劳动人事争议仲裁委员会申请" in text and "第二十一条" in text, text

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
        assert "工资已部分支付" in card.inner_text() and "30,000" in card.inner_text()
        acting = page.locator("tr", has=page.locator("th", has_text="承办单位")).inner_text()
        assert "白水县（已转送外县，本县无须办理）" in acting, acting  # not "this county must act"
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

    text = _status_text(browser, a.base, receipt, tmp_path / "status-refused.png")
    assert "仍由本县处理" in text and "已转交" not in text and "已转送" not in text
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

    text = _status_text(browser, a.base, receipt, tmp_path / "status-returned.png")
    assert "白水县已退回本县" in text and note in text and "白水县已办结" not in text and "对方已办结" not in text
    assert text.index("白水县已退回本县") < text.index("当前状态")
    assert a.server_errors() == [] and b.server_errors() == []
