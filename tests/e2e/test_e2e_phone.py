"""The complaint form on a worker's phone and a bad network, in real headless Chromium (390×844).

- A 12-megapixel camera photo (EXIF orientation 6, GPS) is shrunk in the browser: the stored
  file is a JPEG with the long edge at most 1,600 px, shown the right way up, without GPS; a
  PDF sent with it arrives byte for byte.
- The connection drops while the complaint is on its way (the server stored it, the answer was
  lost): the page says so, the phone comes back online, the form sends itself again with the
  same submission token, and there is exactly one complaint and the worker's receipt.
- A reload, or a closed tab, finds the half-filled form again; "clear" deletes it; the receipt
  deletes the draft.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time

import pytest

from tests.camera_photo import camera_jpeg, has_gps, mark_corner

from .e2e_support import axe_violations, format_violations
from .test_e2e_journey import RECEIPT_SHOWN, fill_complaint

pytestmark = pytest.mark.browser

OFFLINE_SAYS = "网络断了"
SHRUNK_SAYS = "照片已压缩"
RESTORED_SAYS = "已恢复"


def db_rows(system, sql: str, *args):
    db = sqlite3.connect(system.var_dir / "wagesafe.db")
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def draft_keys(page) -> list[str]:
    return page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('wagesafe-draft:'))")


def test_e2e_phone_camera_photo_shrunk_and_pdf_byte_for_byte(system, phone, tmp_path):
    from PIL import Image

    photo = camera_jpeg(tmp_path / "IMG_20261201_081500.jpg")
    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    page = phone.page()
    page.goto(f"{system.base}/complain")
    marker = f"e2e-phone-photo-{tmp_path.name}"
    page.fill("#site_address", "城关镇 迎宾大道 工地")
    fill_complaint(page, name="王小明", mobile="13912340001", description=f"拖欠三个月工资。{marker}")
    page.set_input_files("#evidence", [str(photo), str(pdf)])
    page.wait_for_selector(f"#ws-send-status:has-text('{SHRUNK_SAYS}')", timeout=30_000)
    with page.expect_navigation(url=re.compile(r"/receipt/"), timeout=60_000):
        page.locator("form button[type=submit]").tap()
    assert RECEIPT_SHOWN in page.inner_text("h1")

    rows = db_rows(system, "SELECT e.original_name, e.stored_name, e.mime, e.size, e.sha256 FROM evidence e "
                           "JOIN complaints c ON c.id = e.complaint_id WHERE c.description LIKE ? "
                           "ORDER BY e.original_name", f"%{marker}%")
    assert [r[0] for r in rows] == ["IMG_20261201_081500.jpg", "contract.pdf"], rows
    uploads = system.var_dir / "uploads"
    jpeg_row, pdf_row = rows
    assert jpeg_row[2] == "image/jpeg"
    assert jpeg_row[3] < photo.stat().st_size / 5, (jpeg_row[3], photo.stat().st_size)
    with Image.open(uploads / jpeg_row[1]) as img:
        assert img.format == "JPEG"
        assert max(img.size) <= 1600 and max(img.size) >= 1500, img.size
        assert img.size[1] > img.size[0], f"not turned upright (EXIF orientation 6): {img.size}"
        assert not has_gps(img), "the location went to the server"
        assert img.getexif().get(0x0112, 1) == 1  # no orientation left to apply twice
        assert mark_corner(img) == "top-right", "the photo is not shown the way the camera saw it"
    assert (uploads / pdf_row[1]).read_bytes() == pdf.read_bytes()
    assert pdf_row[4] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert draft_keys(page) == []  # the receipt deleted the draft


def test_e2e_phone_offline_mid_submit_makes_one_complaint_and_the_receipt(system, phone, tmp_path):
    page = phone.page()
    page.goto(f"{system.base}/complain")
    marker = f"e2e-phone-offline-{tmp_path.name}"
    page.fill("#site_address", "城关镇 新区 3 号地块")
    fill_complaint(page, name="赵大", mobile="13912340002", description=f"老板跑了。{marker}")
    token = page.input_value("input[name=submission_token]")

    posts: list[str] = []

    def lose_the_answer(route):
        posts.append(route.request.method)
        if len(posts) == 1:
            route.fetch()  # the complaint reaches the server and is stored ...
            route.abort("internetdisconnected")  # ... and the answer never reaches the phone
        else:
            route.continue_()

    page.route(re.compile(r".*/complain$"), lambda route: lose_the_answer(route)
               if route.request.method == "POST" else route.continue_())
    page.locator("form button[type=submit]").tap()
    page.wait_for_selector(f"#ws-send-status:has-text('{OFFLINE_SAYS}')")
    phone.context.set_offline(True)
    assert len(db_rows(system, "SELECT id FROM complaints WHERE submission_token = ?", token)) == 1
    # Nothing typed is lost while the phone is offline, not even across a reload.
    page.screenshot(path=str(tmp_path / "offline.png"), full_page=True)
    assert page.input_value("#description").endswith(marker)
    time.sleep(1)
    with page.expect_navigation(url=re.compile(r"/receipt/"), timeout=30_000):
        phone.context.set_offline(False)  # the "online" event sends it again
    assert RECEIPT_SHOWN in page.inner_text("h1")
    assert len(posts) >= 2
    rows = db_rows(system, "SELECT receipt FROM complaints WHERE description LIKE ?", f"%{marker}%")
    assert len(rows) == 1, rows
    assert page.inner_text(".receipt").strip() == rows[0][0]
    assert draft_keys(page) == []


def test_e2e_phone_reload_and_closed_tab_find_the_text_again(system, phone, tmp_path):
    page = phone.page()
    url = f"{system.base}/complain"
    page.goto(url)
    page.fill("#site_address", "河西街道 滨江路工地")
    page.fill("#name", "孙半填")
    page.fill("#amount_yuan", "8600")
    page.check("input[name=owed_by_kind][value=company]")
    page.fill("#description", "填到一半，信号没了。")
    token = page.input_value("input[name=submission_token]")
    page.wait_for_timeout(600)  # the draft is saved a moment after typing stops
    page.reload()
    assert page.input_value("#name") == "孙半填"
    assert page.input_value("#amount_yuan") == "8600"
    assert page.input_value("#description") == "填到一半，信号没了。"
    assert page.is_checked("input[name=owed_by_kind][value=company]")
    assert page.input_value("input[name=submission_token]") == token  # the same complaint, if it is sent
    assert RESTORED_SAYS in page.inner_text("#ws-send-status")
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    page.screenshot(path=str(tmp_path / "restored.png"), full_page=True)

    # The tab is closed; the worker opens the form again later.
    page.close()
    again = phone.page()
    again.goto(url)
    assert again.input_value("#site_address") == "河西街道 滨江路工地"

    # A shared phone: "clear" deletes what this phone keeps.
    again.locator("#ws-clear").tap()
    again.wait_for_function("() => !Object.keys(localStorage).some(k => k.startsWith('wagesafe-draft:'))")
    assert again.input_value("#name") == "" and again.input_value("#description") == ""
    assert again.input_value("input[name=submission_token]") != token
    again.reload()
    assert again.input_value("#name") == ""


def test_e2e_phone_form_with_errors_keeps_files_without_javascript(system, phone_nojs, tmp_path):
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"1" * 3000 + b"\n%%EOF\n")
    page = phone_nojs.page()
    page.goto(f"{system.base}/complain")
    marker = f"e2e-phone-held-{tmp_path.name}"
    page.fill("#site_address", "龙潭镇工地")
    fill_complaint(page, name="钱二", mobile="12345", description=f"手机号填错了。{marker}")
    page.set_input_files("#evidence", str(pdf))
    with page.expect_navigation():
        page.locator("form button[type=submit]").tap()
    assert "slip.pdf" in page.inner_text("main")
    page.fill("#mobile", "13912340003")
    page.check("#consent")
    with page.expect_navigation():
        page.locator("form button[type=submit]").tap()
    assert RECEIPT_SHOWN in page.inner_text("h1"), page.inner_text("main")
    rows = db_rows(system, "SELECT e.stored_name FROM evidence e JOIN complaints c ON c.id = e.complaint_id "
                           "WHERE c.description LIKE ?", f"%{marker}%")
    assert len(rows) == 1
    assert (system.var_dir / "uploads" / rows[0][0]).read_bytes() == pdf.read_bytes()


def test_e2e_phone_legal_aid_list_does_not_move_when_the_map_appears(system, phone):
    """On a slow network the page paints first; the map, asked for with a tap, then fills the box
    kept for it, and nothing below (the phone numbers under the worker's thumb) moves (CLS ≤ 0.02,
    counting shifts after the tap too). Leaflet is not fetched until then."""
    page = phone.page()
    cdp = phone.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 200,
                                                  "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8})
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "leaflet" in r.url else None)
    page.goto(system.base + "/legal-aid/", wait_until="load")
    page.wait_for_timeout(500)
    assert asked == [], "Leaflet fetched before the map was asked for"
    where = "el => el.getBoundingClientRect().top + window.scrollY"  # in the page, whatever the scroll
    before = page.locator(".ws-places").first.evaluate(where)
    page.locator(".ws-show-map").tap()
    page.wait_for_selector("#ws-map.leaflet-container .leaflet-interactive")
    page.wait_for_load_state("networkidle")  # Leaflet's stylesheet too
    assert page.locator(".ws-places").first.evaluate(where) == before  # the list did not move
    shift = page.evaluate("""() => new Promise(resolve => {
        let cls = 0;  // every shift, also those just after the tap (hadRecentInput is not excluded)
        new PerformanceObserver(l => { for (const e of l.getEntries()) cls += e.value; })
            .observe({type: 'layout-shift', buffered: true});
        setTimeout(() => resolve(cls), 500);
    })""")
    assert shift <= 0.02, f"layout shift {shift:.3f} on the legal-aid page"
    box = page.locator("#ws-map").bounding_box()
    assert box and box["height"] >= 300


def test_e2e_phone_expired_csrf_token_is_renewed_and_sent_once(system, phone, tmp_path):
    """Offline for longer than the CSRF token lives (an hour): the resend takes a fresh token from
    the form and goes through, once, instead of showing "this page has expired"."""
    page = phone.page()
    page.goto(f"{system.base}/complain")
    marker = f"e2e-phone-csrf-{tmp_path.name}"
    page.fill("#site_address", "上坊乡 学校工地")
    fill_complaint(page, name="周久等", mobile="13912340004", description=f"等了很久才有信号。{marker}")
    page.evaluate("() => { document.querySelector('input[name=csrf_token]').value = 'expired'; }")
    with page.expect_navigation(url=re.compile(r"/receipt/"), timeout=30_000):
        page.locator("form button[type=submit]").tap()
    assert RECEIPT_SHOWN in page.inner_text("h1")
    assert len(db_rows(system, "SELECT id FROM complaints WHERE description LIKE ?", f"%{marker}%")) == 1
