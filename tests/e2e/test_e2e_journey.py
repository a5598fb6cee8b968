"""The whole path, the way a worker and an officer meet it, in real headless Chromium.

Poster PDF → its QR code (rendered with pdfium, decoded with zbar) → the complaint form on a
phone (390×844, touch, WeChat's user agent) with a camera photo → receipt → the officer's email at
the demo's loopback SMTP server → its link → sign in → acknowledge → the worker's status page,
opened with the receipt and mobile, says in plain Chinese that an officer has taken the case →
the officer records "partly paid" (12,000 claimed, 8,000 paid, 4,000 left) with a note → the
status page in Chinese and English shows the note and the 4,000 → the worker answers → the
arbitration application prefilled from the case claims 4,000, says 8,000 was paid and lists the
photo (pdftotext) → the county desk's dashboard and ranking both count the 8,000 (issue 23's
"done when", read as one story: the same words and money on every surface, times in the county's
zone, no code, no "None", and the way back to the portal from every worker page).
"""

from __future__ import annotations

import re
import sqlite3
import subprocess

import pytest

from formsvc.commands.service import DEMO_PASSWORD
from wagesafe.registry import load_registry

from tests.camera_photo import camera_jpeg

from .e2e_support import decode_poster_qr, wait_for_mail

pytestmark = pytest.mark.browser

RECEIPT_SHOWN = "投诉已收到"
WAITING = "已收到，等待{}接手"      # the status page before an officer acts (formsvc.case.story names the township)
TAKEN = "{}已接手"                 # ... and after: "<township> has taken your case"


NOTE = "包工头已付8000元，余下的约定月底前付清；没收到请再联系我们。"   # the officer's words to the worker
RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\bNone\b|Traceback|Error\b|HTTPConnectionPool")  # codes, Python's words


def plain_words(text: str, where: str) -> None:
    """What a person reads: no snake_case code, no "None", no exception text."""
    found = RAW.findall(text)
    assert not found, f"{where} shows {found}: {text[:600]}"


def portal_way_back(page, where: str) -> None:
    """Every worker page leads back to the portal (the footer link), and the portal answers."""
    link = page.locator("footer a").first
    href = link.get_attribute("href")
    assert href and page.request.get(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + href
                                     if href.startswith("/") else href).status == 200, (where, href)


def zone_times(page, where: str) -> None:
    """Every <time> on the page is in the county's zone (Asia/Shanghai: +08:00)."""
    stamps = page.eval_on_selector_all("time[datetime]", "els => els.map(e => e.getAttribute('datetime'))")
    assert stamps and all(s.endswith("+08:00") for s in stamps if "T" in s), (where, stamps)


def recovered_on(page, township: str) -> int:
    """The township's 追回 figure on the dashboard or the ranking (its row: the table or, on a phone, the card)."""
    cell = page.locator("tr", has=page.locator("td.name", has_text=township)).locator("td[data-label^='追回']")
    return int(cell.inner_text().replace(",", "").strip() or 0)


def fill_complaint(page, *, name: str, mobile: str, photo=None, description: str, amount: str = "18600") -> None:
    page.fill("#name", name)
    page.fill("#mobile", mobile)
    page.check("input[name=owed_by_kind][value=team_leader]")
    page.fill("#owed_by_name", "包工头 王某")
    page.fill("#trade", "钢筋工")
    page.fill("#workers", "3")
    page.fill("#amount_yuan", amount)
    page.fill("#months_owed", "2")
    page.fill("#description", description)
    if photo is not None:
        page.set_input_files("#evidence", str(photo))
    page.check("#consent")


def check_status(page, base: str, receipt: str, mobile: str, lang: str = "") -> str:
    """Open the status page as the receipt page links to it, give the mobile, return the page text."""
    page.goto(f"{base}/status?receipt={receipt}" + (f"&lang={lang}" if lang else ""))
    assert page.input_value("#receipt") == receipt
    page.fill("#mobile", mobile)
    with page.expect_navigation():
        page.locator("form button[type=submit]").tap()
    return page.inner_text("main")


def test_poster_qr_to_partly_paid_one_story(system, phone, new_context, tmp_path):
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
    photo = camera_jpeg(tmp_path / "wage-slip.jpg", size=(1600, 1200))
    fill_complaint(page, name="李建国", mobile=mobile, photo=photo, amount="12000",
                   description=f"老板拖欠两个月工资，一直说下个月给。{marker}")
    portal_way_back(page, "the form")
    with page.expect_navigation():
        page.locator("form button[type=submit]").tap()
    assert RECEIPT_SHOWN in page.inner_text("h1"), page.inner_text("main")
    receipt = page.inner_text(".receipt").strip()
    plain_words(page.inner_text("main"), "the receipt page")
    portal_way_back(page, "the receipt page")
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
    assert "金额：12,000 元" in body, body  # as the desk and the status page write money
    plain_words(body.replace(officer.email, ""), "the officer's email")
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

    # 6. The county desk's dashboard and ranking before the outcome (other tests' cases may count too).
    county_phone = new_context(user_agent=None, bypass_csp=True)
    county = county_phone.page()
    sign_in(county, f"{system.base}/desk/dashboard", registry.county.desk.email)
    before = recovered_on(county, township)
    county.goto(f"{system.base}/desk/ranking")
    assert recovered_on(county, township) == before, "the dashboard and the ranking disagree before the outcome"

    # 7. The officer records the outcome: partly paid, 8,000 of 12,000, 4,000 left, a note to the worker.
    outcome = desk.locator("form[action$='/outcome']")
    outcome.locator("input[name=outcome][value=partly_paid]").check()
    assert "12,000 元" in outcome.inner_text()  # the hint names the claim as every surface writes it
    outcome.locator("input[name=amount]").fill("8000")
    outcome.locator("input[name=left]").fill("4000")
    outcome.locator("textarea[name=text]").fill(NOTE)
    with desk.expect_navigation():
        outcome.get_by_role("button", name="办结", exact=True).tap()
    main = desk.inner_text("main")
    assert "投诉 12,000 元 · 已追回 8,000 元 · 尚欠 4,000 元" in main and NOTE in main, main
    plain_words(main.replace(officer.email, ""), "the desk's case page")
    assert "北京时间" in main and "UTC" not in main and "+00:00" not in main  # the desk says its zone in words
    desk.screenshot(path=str(tmp_path / "desk-partly-paid.png"), full_page=True)

    # 8. The worker's status page, in Chinese and in English: the outcome, the money, the note, the way on.
    text = check_status(page, system.base, receipt, mobile)
    for words in ("已办结", "工资已部分支付", "已支付：8,000 元", "尚欠：4,000 元", NOTE, "北京时间", "劳动仲裁"):
        assert words in text, (words, text)
    assert "正在处理" not in text and "等待" not in text  # nothing said that is no longer true
    plain_words(text, "the status page (zh)")
    zone_times(page, "the status page (zh)")
    portal_way_back(page, "the status page (zh)")
    page.screenshot(path=str(tmp_path / "status-partly-paid-zh.png"), full_page=True)
    text = check_status(page, system.base, receipt, mobile, lang="en")
    for words in ("Wages partly paid", "Paid: 8,000 yuan", "Still owed: 4,000 yuan", NOTE, "Beijing time"):
        assert words in text, (words, text)
    assert "北京时间" not in text
    plain_words(text, "the status page (en)")
    portal_way_back(page, "the status page (en)")
    page.screenshot(path=str(tmp_path / "status-partly-paid-en.png"), full_page=True)

    # 9. The worker answers (part of it paid, partly satisfied): thanked, the case stays closed, the 4,000 stays.
    check_status(page, system.base, receipt, mobile, lang="zh")  # back to Chinese (the language is remembered)
    page.locator("input[name=paid][value=partly]").check()
    page.locator("input[name=rating][value=partly]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="提交回复").tap()
    text = page.inner_text("main")
    assert "您的回复已收到" in text and "尚欠：4,000 元" in text, text
    plain_words(text, "the status page after the answer")

    # 10. The arbitration application prefilled from the case: it claims the 4,000 left, says 8,000 was paid,
    #     lists the photo; printed to PDF and read back with pdftotext.
    page.goto(f"{system.base}/tools/application?receipt={receipt}")
    page.fill("#p-mobile", mobile)
    with page.expect_navigation():
        page.locator("form:has(input[name=action][value=prefill]) button[type=submit]").tap()
    assert page.input_value("#a-amount1") == "4000" and page.input_value("#a-paid_amount") == "8000"
    # what the case cannot know, the worker types (art. 28: sex, age, address; the elements: start, pay, leaving)
    page.select_option("#a-sex", "男")
    page.fill("#a-age", "45")
    page.fill("#a-address", "青禾县龙潭镇新村12号")
    page.fill("#a-r1_address", "青禾县龙潭镇")
    page.fill("#a-start_date", "2026-09")
    page.fill("#a-pay_amount", "6000")
    page.select_option("#a-pay_unit", "month")
    page.select_option("#a-leave_manner", "working")
    portal_way_back(page, "the application form")
    form = page.locator("form", has=page.locator("#a-amount1"))
    data = form.evaluate("f => Object.fromEntries(new FormData(f))")
    pdf = page.request.post(f"{system.base}/tools/application", form=data)  # what the button sends, as a file
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf", (pdf.status, pdf.text()[:800])
    (tmp_path / "application.pdf").write_bytes(pdf.body())
    paper = subprocess.run(["pdftotext", "-layout", str(tmp_path / "application.pdf"), "-"], capture_output=True,
                           text=True, check=True).stdout
    for words in ("支付尚欠的工资：4,000元", "已支付：8,000元", "已支付8,000元，尚欠4,000元", "wage-slip.jpg", receipt):
        assert words in paper, (words, paper)
    assert "12,000元" not in paper and "12000元" not in paper
    plain_words(paper.replace("wage-slip.jpg", ""), "the application PDF")

    # 11. The dashboard and the ranking both count the 8,000, no more, no less.
    county.goto(f"{system.base}/desk/dashboard")
    assert recovered_on(county, township) == before + 8000
    county.goto(f"{system.base}/desk/ranking")
    assert recovered_on(county, township) == before + 8000
    county.screenshot(path=str(tmp_path / "desk-ranking.png"), full_page=True)
    phone.assert_no_external()
    county_phone.assert_no_external()
    officer_phone.assert_no_external()


def sign_in(page, url: str, email: str) -> None:
    """Open a desk page, meet the sign-in form, sign in with the demo password, land on the page."""
    page.goto(url)
    form = page.locator("form", has=page.locator("input[type=password]"))
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").tap()
    assert page.url == url, page.url
