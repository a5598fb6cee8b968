"""The officers' desk on a phone (390×844, real Chromium): township officers work from their phones.

For the case list, a case page, the dashboard, the township ranking (when the desk has one), the
duty roster and the new-case form: axe-core finds no serious or critical violation, the page
does not scroll sideways (a wide table scrolls inside its own box), the list reads as cards, the
case page's actions are reachable without horizontal scrolling, and every chart's text is drawn
at 12 px or more. A lead is entered from the phone and lands as a routed case. Screenshots of each
page go to ``WAGESAFE_E2E_SCREENSHOTS`` (default: the test's temporary directory).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from wagesafe.registry import load_registry

from .e2e_support import axe_violations, format_violations, sign_in_desk

pytestmark = pytest.mark.browser

MIN_CHART_FONT_PX = 12
SLACK_PX = 1


@pytest.fixture
def desk_phone(new_context):
    """A 390×844 phone; CSP bypassed only so that the test can inject axe-core (the desk runs no script)."""
    return new_context(bypass_csp=True)


@pytest.fixture(scope="module")
def registry(system):
    return load_registry(system.env["WAGESAFE_DATA_DIR"])


def _shots(tmp_path: Path) -> Path:
    d = Path(os.environ.get("WAGESAFE_E2E_SCREENSHOTS") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


def _sign_in(ctx, base: str, email: str):
    page = ctx.page()
    sign_in_desk(page, base, email)
    return page


def _check(page, name: str, shots: Path) -> None:
    """axe, no sideways scrolling of the page, chart text ≥ 12 px; a full-page screenshot."""
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(shots / f"desk-phone-{name}.png"), full_page=True)
    found = axe_violations(page)
    assert not found, format_violations(page.url, found)
    width = page.evaluate("() => [Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),"
                          " window.innerWidth]")
    assert width[0] <= width[1] + SLACK_PX, f"{name}: the page scrolls sideways ({width[0]} > {width[1]} px)"
    small = page.evaluate("""(min) => {
        const out = [];
        for (const svg of document.querySelectorAll('svg.chart')) {
            const vb = svg.viewBox.baseVal;
            const scale = vb && vb.width ? svg.getBoundingClientRect().width / vb.width : 1;
            for (const t of svg.querySelectorAll('text')) {
                const px = parseFloat(t.getAttribute('font-size') || getComputedStyle(t).fontSize) * scale;
                if (px < min) out.push(`${t.textContent.slice(0, 20)}: ${px.toFixed(1)} px`);
            }
        }
        return out;
    }""", MIN_CHART_FONT_PX)
    assert not small, f"{name}: chart text under {MIN_CHART_FONT_PX} px: {small[:5]}"


def _visible_in_viewport_width(page, selector: str) -> list[str]:
    """Elements matching ``selector`` whose box reaches past the screen's right edge."""
    return page.evaluate("""(sel) => [...document.querySelectorAll(sel)]
        .filter(el => el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().right > window.innerWidth + 1)
        .map(el => el.outerHTML.slice(0, 80))""", selector)


def test_desk_on_a_phone_county(system, desk_phone, registry, tmp_path):
    phone = desk_phone
    shots = _shots(tmp_path)
    base = system.base
    page = _sign_in(phone, base, registry.county.desk.email)
    # a lead entered from the phone: 12345 hotline, for a project of the sample registry
    project = next(iter(registry.projects.values()))
    page.goto(base + "/desk/cases/new")
    _check(page, "new-case", shots)
    page.select_option("#source", "hotline_12345")
    page.fill("#source_ref", "GD-E2E-0001")
    page.fill("#project_code", project.code)
    page.fill("#name", "手机录入")
    page.fill("#mobile", "13700003333")
    page.fill("#workers", "3")
    page.fill("#amount_yuan", "15000")
    page.fill("#description", "12345 转来的线索，手机上录入。")
    page.locator("input[name=consent]").check()
    with page.expect_navigation():
        page.locator("form.stack button[type=submit]").tap()
    assert "/desk/cases/" in page.url and "12345" in page.inner_text("main"), page.inner_text("main")[:800]
    case_id = int(page.url.rsplit("/", 1)[1])
    db = sqlite3.connect(system.var_dir / "wagesafe.db")
    try:
        source, township = db.execute("SELECT source, assignee_code FROM complaints WHERE id = ?",
                                      (case_id,)).fetchone()
    finally:
        db.close()
    assert (source, township) == ("hotline_12345", project.township)
    _check(page, "case-county", shots)
    # every action on the case page is reachable without scrolling sideways
    wide = _visible_in_viewport_width(page, "main form button, main form select, main form textarea, main form input")
    assert not wide, wide
    # the list as cards: each row a block, its cells labelled
    page.goto(base + "/desk/cases")
    _check(page, "list", shots)
    display = page.evaluate("() => getComputedStyle(document.querySelector('table.cards tbody tr')).display")
    assert display == "block"
    assert page.get_by_role("link", name=f"#{case_id}", exact=True).is_visible()
    for path, name in (("/desk/dashboard", "dashboard"), ("/desk/roster", "roster"), ("/desk/projects", "projects")):
        assert page.goto(base + path).status == 200
        _check(page, name, shots)
    response = page.goto(base + "/desk/ranking")  # the township ranking (issue 14) when it is there
    if response.status == 200:
        _check(page, "ranking", shots)
    phone.assert_no_external()


def test_desk_on_a_phone_township_officer(system, desk_phone, registry, tmp_path):
    phone = desk_phone
    shots = _shots(tmp_path)
    base = system.base
    township = next(iter(registry.townships.values()))
    page = _sign_in(phone, base, township.officer.email)
    page.goto(base + "/desk/cases/new")
    _check(page, "new-case-township", shots)
    page.goto(base + "/desk/cases")
    _check(page, "list-township", shots)
    first = page.locator("table.cards tbody tr td a").first
    if first.count():
        with page.expect_navigation():
            first.tap()
        _check(page, "case-township", shots)
        wide = _visible_in_viewport_width(page, "main form button, main form select, main form textarea")
        assert not wide, wide
    # another township's case: the polite refusal, in Chinese, with the holder
    db = sqlite3.connect(system.var_dir / "wagesafe.db")
    try:
        row = db.execute("SELECT id FROM complaints WHERE assignee_kind = 'township' AND assignee_code != ?"
                         " AND route_target_code != ? LIMIT 1", (township.code, township.code)).fetchone()
    finally:
        db.close()
    if row:
        response = page.goto(f"{base}/desk/cases/{row[0]}")
        assert response.status == 403 and "您无权查看" in page.inner_text("main")
        _check(page, "refused", shots)
    phone.assert_no_external()
