"""The worker's half of the case, end to end in real headless Chromium at 390×844 (issue 14).

Consent on the form → the receipt SMS in ``var/sms/`` (the demo's file provider) with the receipt
and no name → the officer acknowledges on a phone → a second SMS → the officer resolves with
"partly paid, 8,000 of 12,000" → a third SMS, and the status page shows the outcome, the amounts,
the next step and a tappable 12333 → the worker answers "not paid" → the case is open again on the
responsible township's list and the county desk got an email.

The demo's notice worker delivers every SMS; the timeline duty that queues the later ones runs in
its loop once a minute, so the test runs that same duty (``worker_sms.queue_due``) on the demo's
database at once instead of waiting for the minute.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from formsvc.commands.service import DEMO_PASSWORD
from formsvc.duties import worker_sms
from formsvc.storage import store
from wagesafe.config import Config
from wagesafe.registry import load_registry

from .e2e_support import axe_violations, format_violations, wait_for_mail

pytestmark = pytest.mark.browser

NAME, MOBILE, BOSS = "赵铁柱", "13766554433", "包工头 孙某"


def wait_for_sms(sms_dir: Path, kind: str, number: str = MOBILE, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        for f in sorted(sms_dir.glob("notice-*.json")) if sms_dir.is_dir() else []:
            record = json.loads(f.read_text("utf-8"))
            if record["to"] == number and record["kind"] == kind:
                return record
        if time.monotonic() > deadline:
            seen = [json.loads(f.read_text("utf-8"))["kind"] for f in sms_dir.glob("notice-*.json")]
            raise AssertionError(f"no {kind} SMS to {number} after {timeout:.0f} s; SMS there: {seen}")
        time.sleep(0.2)


def run_sms_duty(system) -> None:
    config = Config.from_env(system.env)
    db = store.open_db(config.database)
    try:
        worker_sms.queue_due(db, load_registry(config.data_dir), config, store.utcnow())
    finally:
        db.conn.close()


def test_worker_is_told_answers_not_paid_and_the_case_reopens(system, phone, new_context, tmp_path):
    registry = load_registry(system.env["WAGESAFE_DATA_DIR"])
    code = next(c for c, p in registry.projects.items()
                if registry.townships[p.township].responsible.email and c != "qh001")
    project = registry.project(code)
    township = registry.townships[project.township]
    officer = township.responsible
    sms_dir = system.var_dir / "sms"

    # 1. The worker fills the form on the phone and ticks "text me when my case moves".
    page = phone.page()
    assert page.goto(f"{system.base}/r/{code}").status == 200
    page.fill("#name", NAME)
    page.fill("#mobile", MOBILE)
    page.check("input[name=owed_by_kind][value=team_leader]")
    page.fill("#owed_by_name", BOSS)
    page.fill("#workers", "1")
    page.fill("#amount_yuan", "12000")
    page.fill("#description", f"e2e worker half {tmp_path.name}")
    assert not page.is_checked("#sms_updates")  # the county did not set SMS_CONSENT_DEFAULT
    page.check("#sms_updates")
    page.check("#consent")
    with page.expect_navigation():
        page.locator("form button[type=submit]").tap()
    receipt = page.inner_text(".receipt").strip()
    first = wait_for_sms(sms_dir, "worker_receipt")
    assert receipt in first["body"] and NAME not in first["body"]

    # 2. The officer signs in on a phone and acknowledges: a second SMS.
    officer_phone = new_context(user_agent=None, bypass_csp=True)  # the desk runs no script: axe needs the bypass
    desk = officer_phone.page()
    db = sqlite3.connect(system.var_dir / "wagesafe.db")
    case_id = db.execute("SELECT id FROM complaints WHERE receipt = ?", (receipt,)).fetchone()[0]
    desk.goto(f"{system.base}/desk/cases/{case_id}")
    form = desk.locator("form", has=desk.locator("input[type=password]"))
    form.locator("input[name=email]").fill(officer.email)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with desk.expect_navigation():
        form.locator("button[type=submit]").tap()
    with desk.expect_navigation():
        desk.get_by_role("button", name=re.compile("确认受理")).tap()
    run_sms_duty(system)
    second = wait_for_sms(sms_dir, "worker_acknowledged")
    assert township.name_zh in second["body"]

    # 3. The officer resolves: partly paid, 8,000 of 12,000.
    desk.locator("input[name=outcome][value=partly_paid]").check()
    desk.fill("input[name=amount]", "8000")
    desk.fill("input[name=left]", "4000")
    with desk.expect_navigation():
        desk.get_by_role("button", name="办结", exact=True).tap()
    assert "已办结" in desk.inner_text("main") and "尚欠 4,000 元" in desk.inner_text("main")
    desk.screenshot(path=str(tmp_path / "desk-outcome.png"), full_page=True)
    violations = axe_violations(desk)
    assert not violations, format_violations(desk.url, violations)
    run_sms_duty(system)
    third = wait_for_sms(sms_dir, "worker_outcome")
    for sms in (first, second, third):
        words = re.sub(r"https?://\S+", "", sms["body"])
        for secret in (NAME, BOSS, "12000", "12,000", "8000", "8,000", project.general_contractor):
            assert secret not in words, (sms["kind"], secret)

    # 4. The worker opens the status page from the SMS link and gives the mobile.
    link = re.search(r"https?://\S+", third["body"]).group(0)
    page.goto(link)
    page.fill("#mobile", MOBILE)
    with page.expect_navigation():
        page.locator("form button[type=submit]").tap()
    main = page.inner_text("main")
    assert "工资已部分支付" in main and "已支付：8,000 元" in main and "尚欠：4,000 元" in main
    assert "劳动仲裁" in main
    tel = page.locator('a[href="tel:12333"]').first
    assert tel.is_visible()
    box = tel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # on screen at 390 px, tappable
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    page.screenshot(path=str(tmp_path / "status-outcome.png"), full_page=True)

    # 5. "Not paid": the case is open again with the responsible township, and the county desk is told.
    page.locator("input[name=paid][value=no]").check()
    page.locator("input[name=rating][value=partly]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="提交回复").tap()
    main = page.inner_text("main")
    assert "案件已重新打开" in main
    # the earlier outcome's figures stay (formsvc.case.money); "not paid" leaves the whole 12,000 owed
    assert "此前的办理结果" in main and "已支付：8,000 元" in main and "您回复没有拿到这笔钱" in main, main
    assert "尚欠您：12,000 元" in main and "已办结" not in main.split("办理记录")[0], main
    assert "自重新办理之日起 30 天" in main, main  # its deadline counts from the reopen, and says so
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    page.screenshot(path=str(tmp_path / "status-reopened.png"), full_page=True)
    status, kind, code_now = db.execute("SELECT status, assignee_kind, assignee_code FROM complaints WHERE id = ?",
                                        (case_id,)).fetchone()
    db.close()
    assert (status, kind, code_now) == ("in_progress", "township", township.code)
    wait_for_mail(system.mail_dir, f"（回执 {receipt}）已重新打开")
    def to_desk() -> bool:
        for f in system.mail_dir.glob("*.eml"):
            msg = BytesParser(policy=policy.default).parsebytes(f.read_bytes())
            if registry.county.desk.email in str(msg["X-Envelope-To"]) and receipt in str(msg["Subject"]):
                return True
        return False

    deadline = time.monotonic() + 20
    while not to_desk():
        assert time.monotonic() < deadline, "the county desk got no email about the reopened case"
        time.sleep(0.2)
    desk.goto(f"{system.base}/desk/cases")
    assert f"/desk/cases/{case_id}" in desk.content()  # back on the township's list
    desk.goto(f"{system.base}/desk/cases/{case_id}")
    assert "投诉人回访评价" in desk.inner_text("main") and "没有拿到" in desk.inner_text("main")
    assert "自重新办理之日起 30 天" in desk.inner_text("main")  # the 办结期限 row: the worker's clock
    desk.screenshot(path=str(tmp_path / "desk-reopened.png"), full_page=True)
    desk.goto(f"{system.base}/desk/ranking?sort=reopened")
    assert township.name_zh in desk.inner_text("main")
    violations = axe_violations(desk)
    assert not violations, format_violations(desk.url, violations)
    desk.screenshot(path=str(tmp_path / "desk-ranking.png"), full_page=True)
    phone.assert_no_external()
    officer_phone.assert_no_external()
