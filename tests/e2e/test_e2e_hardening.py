"""Issue 15's new pages on a 390×844 phone in real Chromium, with axe: the honest refusal page (when
to retry, whom to phone) and the desk's "where I am signed in" page with "sign out everywhere"."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone

import pytest

from formsvc.commands.service import DEMO_PASSWORD
from wagesafe.registry import load_registry

from .e2e_support import axe_violations, format_violations

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("WAGESAFE_SCREENSHOTS", "")


def shot(page, tmp_path, name: str) -> None:
    page.screenshot(path=str((SHOTS and __import__("pathlib").Path(SHOTS)) or tmp_path) + f"/{name}.png",
                    full_page=True)


def test_refusal_page_says_when_to_retry_and_whom_to_phone(system, phone, tmp_path):
    """The misses bucket of this address is filled by hand (then emptied again, so the other browser
    tests of the session are not refused): what a receipt guesser rotating devices would meet."""
    from formsvc.case.ratelimit import MISSES_PER_ADDRESS

    db = sqlite3.connect(system.var_dir / "wagesafe.db")
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    try:
        db.executemany("INSERT INTO rate_events (key, at, nonce) VALUES ('miss-ip:127.0.0.1', ?, ?)",
                       [(now, n) for n in range(MISSES_PER_ADDRESS)])
        db.commit()
        page = phone.page()
        response = page.goto(system.base + "/receipt/ABCD-EFGH")
        assert response.status == 429 and int(response.headers["retry-after"]) > 500
        text = page.inner_text("main")
        desk = load_registry(system.env["WAGESAFE_DATA_DIR"]).county.desk
        assert "查询太频繁了" in text and "没有查询" in text and "分钟" in text and desk.phone in text and "12333" in text
        found = axe_violations(page)
        assert not found, format_violations(page.url, found)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the refusal page scrolls sideways: {width} px"
        shot(page, tmp_path, "refusal")
    finally:
        db.execute("DELETE FROM rate_events WHERE key = 'miss-ip:127.0.0.1'")
        db.commit()
        db.close()


def test_desk_sessions_page_on_a_phone(system, phone, tmp_path):
    page = phone.page()
    page.goto(system.base + "/desk/login")
    form = page.locator("form", has=page.locator("input[type=password]"))
    form.locator("input[name=email]").fill("admin@wagesafe.localhost")
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").tap()
    page.goto(system.base + "/desk/sessions")
    assert "我的登录设备" in page.inner_text("main") and "全部退出" in page.inner_text("main")
    found = axe_violations(page)
    assert not found, format_violations(page.url, found)
    shot(page, tmp_path, "desk-sessions")
    with page.expect_navigation():
        page.locator("form[action$='/desk/sessions/end-others'] button").tap()
    assert "已退出其他" in page.inner_text("main")


def test_slowed_password_sign_in_says_how_long_and_offers_the_link(system, phone, tmp_path):
    """Issue 25: guesses from many addresses slow one account's password sign-in; the officer on a
    new phone reads how long to wait and that the email link works now. The failures are written by
    hand (then removed, so the other browser tests of the session can sign in)."""
    from formsvc.officers.auth import SLOW_AFTER

    email = next(t.officer.email for t in load_registry(system.env["WAGESAFE_DATA_DIR"]).townships.values()
                 if t.officer)
    key = f"desk-login-fail-account:{email}"
    db = sqlite3.connect(system.var_dir / "wagesafe.db")
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    try:
        db.executemany("INSERT INTO rate_events (key, at, nonce) VALUES (?, ?, ?)",
                       [(key, now, n) for n in range(SLOW_AFTER + 8)])
        db.commit()
        page = phone.page()
        page.goto(system.base + "/desk/login")
        form = page.locator("form", has=page.locator("input[type=password]"))
        form.locator("input[name=email]").fill(email)
        form.locator("input[name=password]").fill(DEMO_PASSWORD)
        with page.expect_navigation():
            form.locator("button[type=submit]").tap()
        text = page.inner_text("main")
        assert "密码登录要等" in text and "分钟" in text and "发送登录链接" in text
        found = axe_violations(page)
        assert not found, format_violations(page.url, found)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the sign-in page scrolls sideways: {width} px"
        shot(page, tmp_path, "desk-login-slowed")
    finally:
        db.execute("DELETE FROM rate_events WHERE key = ?", (key,))
        db.commit()
        db.close()
