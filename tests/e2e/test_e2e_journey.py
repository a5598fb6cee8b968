"""The whole path, the way a worker and an officer meet it, in real headless Chromium.

Poster PDF → its QR code (rendered with pdfium, decoded with zbar) → the complaint form on a
phone (390×844, touch, WeChat's user agent) with a photo → receipt → the officer's email at the
demo's loopback SMTP server → its link → sign in → acknowledge → the worker's status page,
opened with the receipt and mobile, says in plain Chinese that an officer has taken the case.
"""

from __future__ import annotations

import re
import sqlite3

import pytest

from formsvc.commands.service import DEMO_PASSWORD
from wagesafe.registry import load_registry

from .e2e_support import decode_poster_qr, small_jpeg, wait_for_mail

pytestmark = pytest.mark.browser

RECEIPT_SHOWN = "投诉已收到"
WAITING = "已收到，等待{}接手"      # the status page before an officer acts (formsvc.case.story names the township)
TAKEN = "{}已接手"                 # ... and after: "<township> has taken your case"


def fill_complaint(page, *, name: str, mobile: str, photo=None, description: str) -> None:
    page.fill("#name", name)
    page.fill("#mobile", mobile)
    page.check("input[name=owed_by_kind][value=team_leader]")
    page.fill("#owed_by_name", "包工头 王某")
    page.fill("#trade", "钢筋工")
    page.fill("#workers", "3")
    page.fill("#amount_yuan", "18600")
    page.fill("#months_owed", "2")
    page.fill("#description", description)
    if photo is not None:
        page.set_input_files("#evidence", str(photo))
    page.check("#consent")


def check_status(page, base: str, receipt: str, mobile: str) -> str:
    """Open the status page as the receipt page links to it, give the mobile, return the page text."""
    page.goto(f"{base}/status?receipt={receipt}")
    assert page.input_value("#receipt") == receipt
    page.fill("#mobile", mobile)
    with page.expect_navigation():
        page.locator("form button[type=submit]").tap()
    return page.inner_text("main")


def test_poster_qr_to_acknowledged_status(system, phone, new_context, tmp_path):
    registry = load_registry(system.env["WAGESAFE_DATA_DIR"])
    code = next(c for c, p in registry.projects.items() if registry.townships[p.township].responsible.email)
    project = registry.project(code)
    officer = registry.townships[project.township].responsible
    township = registry.townships[project.township].name_zh

    # 1. The poster printed for the site: its QR code must lead to this project's form on this server.
    poster = system.site_dir / "posters" / code / "poster-a4.pdf"
    assert poster.is_file(), f"no poster for {code}: {sorted(p.name for p in poster.parent.parent.iterdir())[:5]}"
    urls = decode_poster_qr(poster)
    assert urls == [f"{system.base}/r/{code}"], f"QR codes decoded from {poster}: {urls}"

    # 2. The worker scans it with the phone and fills the form, attaching a photo.
    page = phone.page()
    response = page.goto(urls[0])
    assert response.status == 200
    assert project.name_zh in page.inner_text("main")  # the worker can see it is the right site
    mobile = "13912345678"
    marker = f"e2e-journey-{tmp_path.name}"
    fill_complaint(page, name="李建国", mobile=mobile, photo=small_jpeg(tmp_path / "wage-slip.jpg"),
                   description=f"老板拖欠两个月工资，一直说下个月给。{marker}")
    with page.expect_navigation():
        page.locator("form button[type=submit]").tap()
    assert RECEIPT_SHOWN in page.inner_text("h1"), page.inner_text("main")
    receipt = page.inner_text(".receipt").strip()
    assert re.fullmatch(r"[A-Z0-9-]{6,20}", receipt), f"receipt number looks wrong: {receipt!r}"

    db = sqlite3.connect(system.var_dir / "wagesafe.db")
    try:
        row = db.execute("SELECT id, project_code, mobile FROM complaints WHERE receipt = ?", (receipt,)).fetchone()
        assert row is not None and row[1] == code and row[2].endswith(mobile[-8:]), row
        case_id = row[0]
        n_files = db.execute("SELECT count(*) FROM evidence WHERE complaint_id = ?", (case_id,)).fetchone()[0]
        assert n_files == 1, "the attached photo was not stored"
    finally:
        db.close()

    # Before an officer acts, the worker sees that the complaint waits for one.
    assert WAITING.format(township) in check_status(page, system.base, receipt, mobile)

    # 3. The officer's email arrives at the loopback SMTP server, addressed to the responsible officer.
    msg, body = wait_for_mail(system.mail_dir, receipt)
    assert officer.email in msg["X-Envelope-To"], (msg["X-Envelope-To"], officer.email)
    assert marker not in body and "李建国" not in body and mobile not in body  # only behind the desk link
    assert receipt in body and project.name_zh in body
    links = re.findall(r"https?://\S+", body)
    case_link = next((u for u in links if "/desk/cases/" in u), None)
    assert case_link == f"{system.base}/desk/cases/{case_id}", f"links in the notice: {links}"

    # 4. The officer follows the link on their own phone, signs in, acknowledges in one tap.
    officer_phone = new_context(user_agent=None)
    desk = officer_phone.page()
    desk.goto(case_link)
    assert "/desk/login" in desk.url, f"an anonymous visitor reached {desk.url}"
    password_form = desk.locator("form", has=desk.locator("input[type=password]"))
    password_form.locator("input[name=email]").fill(officer.email)
    password_form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with desk.expect_navigation():
        password_form.locator("button[type=submit]").tap()
    assert desk.url == case_link, f"after sign-in the officer landed on {desk.url}, not the case"
    assert receipt in desk.inner_text("main")
    assert marker in desk.inner_text("main")  # the worker's own words reach the officer, behind sign-in
    with desk.expect_navigation():
        desk.get_by_role("button", name=re.compile("确认受理")).tap()
    assert desk.get_by_role("button", name=re.compile("确认受理")).count() == 0, "still offered to acknowledge"
    officer_phone.assert_no_external()

    # 5. The worker checks again with receipt and mobile: plain words say an officer has taken it.
    text = check_status(page, system.base, receipt, mobile)
    assert TAKEN.format(township) in text, text
    assert WAITING.format(township) not in text, text
    assert officer.name not in text and (officer.mobile or "-") not in text  # no officer's personal contact
    phone.assert_no_external()
