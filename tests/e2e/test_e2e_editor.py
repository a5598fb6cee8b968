"""An editor on a phone (390×844, real Chromium, axe) publishes an update and adds a project from the
desk, then finds them on the portal (issue 26's done-when):

the county desk grants editing to someone without an account; she signs in by the emailed link,
writes an update with the toolbar, previews it as the portal shows it, publishes it; adds a project
(a wrong phone number is refused beside its field, as ``wagesafe check`` says it); the worker loop
rebuilds the portal and the posters in the background; the update is on /updates/ and in both
Atom feeds, the new project has its page and its complaint form, and its A4 poster downloads from
the desk with a QR code (decoded by zbar) pointing at the project's form.

Its own demo, on copies of data/ and docs/ (the shared ``system`` reads the repository's), on the
sample registry: a rebuild takes a few seconds. Screenshots go to ``WAGESAFE_E2E_SCREENSHOTS``.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from formsvc.commands.service import DEMO_PASSWORD
from tests.net import free_port

from .conftest import ROOT, http_status, running_demo
from .e2e_support import axe_violations, decode_poster_qr, format_violations, wait_for_mail

pytestmark = pytest.mark.browser
EDITOR = "press@qinghe.example.gov.cn"
COUNTY = "desk@qinghe.example.gov.cn"
CODE = "qh950"
TITLE = "冬季讨薪直通车开通"


@pytest.fixture(scope="module")
def editable(tmp_path_factory):
    """``wagesafe demo`` on its own copies of data/ and docs/, the portal and posters built first."""
    top = tmp_path_factory.mktemp("e2e-editor")
    shutil.copytree(ROOT / "data", top / "data")
    shutil.copytree(ROOT / "docs", top / "docs")
    port, smtp_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "WAGESAFE_ENV": "development", "WAGESAFE_DATA_DIR": str(top / "data"),
           "WAGESAFE_DOCS_DIR": str(top / "docs"), "WAGESAFE_SITE_DIR": str(top / "site"),
           "WAGESAFE_VAR_DIR": str(top / "var"), "PUBLIC_BASE_URL": base, "SMTP_PORT": str(smtp_port),
           "WORKER_POLL_SECONDS": "0.2", "MAP_TILE_URL": "", "PYTHONUNBUFFERED": "1"}
    for name in ("WAGESAFE_DATABASE", "WAGESAFE_UPLOAD_DIR", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS",
                 "SMS_PROVIDER", "CONTENT_GIT_COMMIT"):
        env.pop(name, None)
    with running_demo(top, env, port) as system:
        yield system, top


def _shots(tmp_path: Path) -> Path:
    d = Path(os.environ.get("WAGESAFE_E2E_SCREENSHOTS") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


def _check(page, name: str, shots: Path) -> None:
    """axe (no serious or critical violation), no sideways scrolling, a full-page screenshot."""
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 391, f"{name}: the page scrolls sideways ({width} px wide)"
    page.screenshot(path=str(shots / f"editor-{name}.png"), full_page=True)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read().decode("utf-8")


def _wait_for(what: str, check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except OSError:
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(0.5)


def test_e2e_editor_publishes_an_update_and_adds_a_project(editable, new_context, tmp_path):
    system, top = editable
    base, shots = system.base, _shots(tmp_path)
    started = time.monotonic()

    # The county desk grants editing to the county's press officer (no desk account yet).
    county = new_context(bypass_csp=True).page()
    county.goto(base + "/desk/login")
    form = county.locator("form", has=county.locator("input[type=password]"))
    form.locator("input[name=email]").fill(COUNTY)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with county.expect_navigation():
        form.locator("button[type=submit]").tap()
    county.goto(base + "/desk/content/")
    county.fill("#editor_email", EDITOR)
    county.fill("#editor_name", "宣传干事 小周")
    with county.expect_navigation():
        county.get_by_role("button", name="授予编辑权限").tap()
    assert "现在可以编辑门户内容" in county.inner_text("body")
    _check(county, "01-content-home-county", shots)

    # She signs in with the emailed one-time link, on her phone.
    ctx = new_context(bypass_csp=True)  # CSP bypassed only to inject axe-core
    page = ctx.page()
    page.goto(base + "/desk/login")
    link_form = page.locator("form", has=page.get_by_role("button", name="发送登录链接"))
    link_form.locator("input[name=email]").fill(EDITOR)
    with page.expect_navigation():
        link_form.get_by_role("button", name="发送登录链接").tap()
    _, text = wait_for_mail(system.mail_dir, "/desk/login/")
    page.goto(re.search(r"http://\S+/desk/login/\S+", text).group(0))
    if page.locator("form button[type=submit]").count() and "/desk/login/" in page.url:
        with page.expect_navigation():
            page.locator("form button[type=submit]").first.tap()
    assert "门户内容" in page.inner_text("header")
    assert "案件" not in page.inner_text("header")  # an editor-only account has no case

    # An update, written with the toolbar, previewed as the portal shows it, published.
    page.goto(base + "/desk/content/updates/new")
    page.fill("#name", "winter-express")
    page.select_option("#category", "通知")
    page.fill("#title_zh", TITLE)
    page.fill("#summary_zh", "欠薪求助当天受理，三天内答复。")
    page.fill("#body_zh", "当天受理")
    page.eval_on_selector("#body_zh", "el => el.setSelectionRange(0, el.value.length)")
    page.locator(".md-toolbar").first.get_by_role("button", name="加粗").tap()
    assert page.input_value("#body_zh") == "**当天受理**"
    page.fill("#title_en", "Winter express lane for unpaid wages")
    page.fill("#summary_en", "Same-day intake, an answer within three days.")
    page.fill("#body_en", "Same-day intake.")
    _check(page, "02-update-form", shots)
    with page.expect_navigation():
        page.get_by_role("button", name="预览中文页").tap()
    article = page.locator("article.md-typeset")
    assert TITLE in article.inner_text() and "发布于" in article.inner_text()
    assert article.locator("strong", has_text="当天受理").count() == 1
    assert page.locator(".md-header").count() == 1  # the portal's own frame
    _check(page, "03-update-preview-zh", shots)
    with page.expect_navigation():
        page.get_by_role("button", name="看英文页").tap()
    assert "Winter express lane" in page.locator("article.md-typeset").inner_text()
    page.screenshot(path=str(shots / "editor-04-update-preview-en.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="发布").tap()
    assert "已发布" in page.inner_text("body")
    published_at = time.monotonic()
    assert "版本" in page.inner_text("main")  # its history: who, when, the diff, a revert button
    _check(page, "05-update-history", shots)

    # A project: a wrong phone refused beside its field, then saved.
    page.goto(base + "/desk/content/projects/new")
    values = {"code": CODE, "name_zh": "青禾县冬季安置房项目", "address_zh": "青禾县河西街道人民路200号",
              "lat": "27.62", "lon": "113.85", "builder": "青禾县城市建设投资有限公司",
              "general_contractor": "洪城恒泰城建有限公司", "gc_project_department": "洪城恒泰城建有限公司河西项目部",
              "gc_project_manager": "江怡琳", "labour_manager": "高海", "labour_manager_phone": "159000",
              "wage_payment_day": "25", "wage_account_bank": "中国工商银行青禾支行",
              "start_date": "2026-12-01"}
    for name, value in values.items():
        page.fill(f"#f-{name}", value)
    page.select_option("#f-township", "hexi")
    page.select_option("#f-industry_authority", "housing")
    page.select_option("#f-status", "active")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").tap()
    error = page.locator("#e-labour_manager_phone")
    assert "is not a phone number" in error.inner_text()
    _check(page, "06-project-refused", shots)
    page.fill("#f-labour_manager_phone", "15900009501")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").tap()
    assert "已保存" in page.inner_text("body") and f"/r/{CODE}" in page.inner_text("body")

    # The worker loop rebuilds: the update on the portal and in both feeds, the project's page and form.
    _wait_for("the update on /updates/", lambda: TITLE in _get(base + "/updates/"))
    published = time.monotonic() - published_at
    assert published < 60, f"the update reached the portal {published:.0f} s after it was published"
    assert "winter-express" in _get(base + "/updates/feed.xml")
    assert "Winter express lane" in _get(base + "/en/updates/feed.xml")
    assert "Notice" in _get(base + "/en/updates/")
    portal = ctx.page()
    portal.goto(base + "/updates/posts/" + time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
                + "-winter-express/")
    assert TITLE in portal.locator("h1").inner_text() and "发布于" in portal.inner_text("article")
    _wait_for("the new project's page", lambda: http_status(base + f"/projects/{CODE}/") == 200)
    portal.goto(base + f"/projects/{CODE}/")
    assert "青禾县冬季安置房项目" in portal.inner_text("main")
    portal.goto(base + f"/r/{CODE}")
    assert "青禾县冬季安置房项目" in portal.inner_text("body")
    _check(portal, "07-new-project-form", shots)

    # Its poster, downloaded from the desk once built, points at the project's form.
    def poster_link():
        page.goto(base + f"/desk/content/projects/{CODE}/edit")
        return page.get_by_role("link", name="下载 A4 海报（PDF）").count() > 0

    _wait_for("the project's poster on the desk", poster_link)
    _check(page, "08-project-with-poster", shots)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 A4 海报（PDF）").tap()
    pdf = tmp_path / "poster.pdf"
    download.value.save_as(pdf)
    assert base + f"/r/{CODE}" in decode_poster_qr(pdf)
    print(f"\neditor walk: published → on the portal {published:.1f} s later; whole walk {time.monotonic() - started:.1f} s")
