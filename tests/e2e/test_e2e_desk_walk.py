"""The whole desk walked on a phone (issue 23, deliver 4): 390×844, real Chromium, every role.

Signed in as each role (township officer, department, county desk, admin, and any further role
the accounts module knows, such as the editor), the walk opens every desk page the menu leads to
(for the editor also each page its content page leads to), the sign-in page, the polite refusal,
and a case in each state (``desk_states.STATES``: new, acknowledged, passed to a township, passed
to a department, resolved partly paid, closed as not substantiated, reopened by the worker,
delivered to another county) that the role may open, and on each page asserts:

- the page itself never scrolls sideways (``document.scrollingElement``); nothing sticks out past
  the screen's right edge unless it sits in a box that scrolls, and a box that does scroll says so
  (a visible 左右滑动 hint before it);
- no visible snake_case token, exception text ("Error:", "Traceback") or "None";
- axe-core finds no serious or critical violation;
- the list's case card is one link: tapping its amount opens the case.

One browser, one page per role, reused; a full-page screenshot of each page goes to
``WAGESAFE_E2E_SCREENSHOTS`` (default: the test's temporary directory), named role-page.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from formsvc.officers import auth

from . import desk_states
from .e2e_support import PHONE, axe_violations, format_violations, make_context, sign_in_desk

pytestmark = pytest.mark.browser

SLACK_PX = 1
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
FILE_NAME = re.compile(r"[\w./-]+\.(?:csv|ya?ml|md)\b")  # the editors' own files (data/legal_aid.csv) are names
EXCEPTION = re.compile(r"Traceback|\b[A-Z][A-Za-z]*(?:Error|Exception|Failure)\b|\bNone\b")

# What a page shows that must not be there, and what sticks out; computed in the page.
INSPECT_JS = """() => {
    const root = document.scrollingElement;
    const scrolls = el => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const o = getComputedStyle(a).overflowX;
            if ((o === 'auto' || o === 'scroll') && a.scrollWidth > a.clientWidth) return a; }
        return null; };
    const clipped = el => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const s = getComputedStyle(a);  // inside a box that hides its overflow (a visually hidden thead)
            if ((s.overflowX === 'hidden' || s.overflowX === 'clip') &&
                a.getBoundingClientRect().right <= window.innerWidth + 1) return true; }
        return false; };
    const sticking = [];
    for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height || r.right <= window.innerWidth + 1) continue;
        if (!scrolls(el) && !clipped(el)) sticking.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') +
                                         ': ' + (el.innerText || '').slice(0, 40));
    }
    const silent = [];
    for (const box of document.querySelectorAll('main *')) {
        const o = getComputedStyle(box).overflowX;
        if (!(o === 'auto' || o === 'scroll') || box.scrollWidth <= box.clientWidth + 1) continue;
        if (box.classList.contains('chart-box')) continue;  // a chart: the whole drawing is the cue
        let hint = box.previousElementSibling;
        while (hint && !hint.classList.contains('scroll-hint')) hint = hint.previousElementSibling;
        if (!hint || !hint.offsetParent) silent.push((box.getAttribute('aria-label') || box.className) + ': ' +
                                                     (box.innerText || '').slice(0, 40));
    }
    // Text marked as code (<code>: a CSV column an editor also meets in the file) is meant as such,
    // and so is a choice's stored value beside its words (法律援助中心（centre）on an editor's form).
    const marked = [...document.querySelectorAll('code')].map(c => c.innerText).concat(
        [...document.querySelectorAll('option')].filter(o => o.value && o.text.endsWith('（' + o.value + '）'))
            .map(o => o.value));
    return {width: root.scrollWidth, client: root.clientWidth, sticking: sticking.slice(0, 8), silent,
            text: document.body.innerText, marked};
}"""


def _shots(tmp_path: Path) -> Path:
    d = Path(os.environ.get("WAGESAFE_E2E_SCREENSHOTS") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


def _accounts(database: Path, seeded: desk_states.Seeded) -> dict[str, tuple[str, bool]]:
    """role → (the email the walk signs in with, whether by the emailed link): the officers who hold
    the seeded cases, the county desk, the admin, and one account of each further role (an editor,
    when there is one: editor-only accounts have no password)."""
    db = sqlite3.connect(database)
    try:
        def first(sql: str, *args) -> tuple[str, bool] | None:
            row = db.execute(sql.replace("SELECT email", "SELECT email, password_hash") +
                             " AND active = 1 ORDER BY id LIMIT 1", args).fetchone()
            return (row[0], not row[1]) if row else None

        roles = list(auth.ROLES) + [r for (r,) in db.execute("SELECT DISTINCT role FROM users WHERE active = 1"
                                                           " ORDER BY role") if r not in auth.ROLES]
        out = {}
        for role in roles:
            if role == "township":
                out[role] = first("SELECT email FROM users WHERE role = 'township' AND scope_code = ?"
                                  " AND email = ?", seeded.township, seeded.township_officer)
            elif role == "department":
                out[role] = first("SELECT email FROM users WHERE role = 'department' AND scope_code = ?",
                                  seeded.department)
            else:
                out[role] = first("SELECT email FROM users WHERE role = ?", role)
        missing = [r for r in ("township", "department", "county", "admin") if not out.get(r)]
        assert not missing, f"no demo account for {missing}"
        return {r: e for r, e in out.items() if e}
    finally:
        db.close()


def _sign_in_by_link(page, base: str, email: str, mail_dir: Path) -> None:
    """An account without a password (an editor-only account): the emailed one-time link, from the
    demo's mail catcher, and the button its page shows."""
    from email import policy
    from email.parser import BytesParser

    before = set(mail_dir.glob("*.eml"))
    page.goto(base + "/desk/login")
    form = page.locator("main form:not(:has(input[type=password])):has(input[name=email])")
    form.locator("input[name=email]").fill(email)
    with page.expect_navigation():
        form.locator("button[type=submit]").tap()
    link = None
    for _ in range(150):
        for f in sorted(set(mail_dir.glob("*.eml")) - before):
            msg = BytesParser(policy=policy.default).parsebytes(f.read_bytes())
            if email in str(msg["To"]).lower():
                found = re.search(r"https?://\S+/desk/login/\S+", msg.get_body(("plain",)).get_content())
                link = found and found.group(0)
        if link:
            break
        page.wait_for_timeout(200)
    assert link, f"no sign-in link for {email} in {mail_dir}"
    page.goto(link)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").tap()
    assert "/desk/login" not in page.url, page.inner_text("body")[:500]


def _menu(page, base: str) -> list[str]:
    """The desk pages the header's menu leads to (links, not the sign-out button), in menu order."""
    hrefs = page.eval_on_selector_all("header a[href]", "els => els.map(a => a.getAttribute('href'))")
    seen = []
    for href in hrefs:
        path = href[len(base):] if href.startswith(base) else href
        if path.startswith("/desk") and path not in seen:
            seen.append(path)
    return seen


def _content_pages(page) -> list[str]:
    """The portal-content pages the content page links to: each list and form once (one post's
    edit page stands for the others)."""
    out, kinds = [], set()
    for href in page.eval_on_selector_all("main a[href^='/desk/content/']", "els => els.map(a => a.getAttribute('href'))"):
        kind = re.sub(r"/[^/]+/edit$", "/*/edit", href)
        if kind not in kinds:
            kinds.add(kind)
            out.append(href)
    return out


def _check(page, name: str, shots: Path, problems: list[str]) -> None:
    """Every assertion of the walk on the page now open; failures are collected, not raised, so one
    run reports every page that is wrong."""
    page.screenshot(path=str(shots / f"walk-{name}.png"), full_page=True, scale="css")
    seen = page.evaluate(INSPECT_JS)
    if seen["width"] > seen["client"] + SLACK_PX:
        problems.append(f"{name}: the page scrolls sideways ({seen['width']} > {seen['client']} px)")
    if seen["sticking"]:
        problems.append(f"{name}: past the screen's edge, outside a scrolling box: {seen['sticking']}")
    if seen["silent"]:
        problems.append(f"{name}: a box scrolls sideways with no 左右滑动 hint: {seen['silent']}")
    text = seen["text"]
    for marked in seen["marked"]:
        text = text.replace(marked, " ")
    codes = sorted(set(SNAKE.findall(FILE_NAME.sub(" ", text))))
    if codes:
        problems.append(f"{name}: raw codes on the page: {codes}")
    errors = sorted({text[max(0, m.start() - 30):m.end() + 30].replace("\n", " ") for m in EXCEPTION.finditer(text)})
    if errors:
        problems.append(f"{name}: exception text or None on the page: {errors}")
    found = axe_violations(page)
    if found:
        problems.append(format_violations(f"{name} {page.url}", found))


@pytest.fixture(scope="module")
def seeded(system) -> desk_states.Seeded:
    return desk_states.seed(system.env)


def test_desk_walk_every_role_every_page_every_state(system, browser, seeded, tmp_path):
    base, shots = system.base, _shots(tmp_path)
    accounts = _accounts(system.var_dir / "wagesafe.db", seeded)
    problems: list[str] = []
    opened: dict[str, list[str]] = {}
    refusal_checked = False
    for role, (email, by_link) in accounts.items():
        ctx = make_context(browser, **PHONE)
        try:
            page = ctx.page()
            if role == "township":  # the sign-in page itself, once
                page.goto(base + "/desk/login")
                _check(page, "sign-in", shots, problems)
            if by_link:
                _sign_in_by_link(page, base, email, system.mail_dir)
            else:
                sign_in_desk(page, base, email)
            menu = _menu(page, base)
            assert menu, f"{role}: no menu"
            for path in menu:
                response = page.goto(base + path)
                assert response is not None and response.status < 500, f"{role} {path}: HTTP {response.status}"
                _check(page, f"{role}-{path.strip('/').replace('/', '-')}", shots, problems)
            content = next((p for p in menu if p.startswith("/desk/content")), None)
            if content and role == "editor":  # the editor's pages, one level below its menu
                page.goto(base + content)
                for path in _content_pages(page):
                    response = page.goto(base + path)
                    assert response.status < 500, f"{role} {path}: HTTP {response.status}"
                    _check(page, f"{role}-{path.strip('/').replace('/', '-')}", shots, problems)
            opened[role] = []
            for state, case_id in seeded.case_ids.items():
                response = page.goto(f"{base}/desk/cases/{case_id}")
                if response.status == 403:  # not this role's case: the polite refusal, checked once
                    if not refusal_checked:
                        refusal_checked = True
                        assert "您无权查看" in page.inner_text("main")
                        _check(page, f"{role}-refused-{state}", shots, problems)
                    continue
                assert response.status == 200, f"{role} case {state}: HTTP {response.status}"
                opened[role].append(state)
                _check(page, f"{role}-case-{state}", shots, problems)
            if role == "county":
                # The list's card is one link: a tap on its amount, far from "#id", opens the case.
                page.goto(base + "/desk/cases")
                card = page.locator("table.cards tbody tr.linked").first
                case_href = card.locator("a.stretch").get_attribute("href")
                box = card.locator("td").last.bounding_box()  # the amount, far from "#id"
                x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
                try:
                    with page.expect_navigation(timeout=5_000):
                        page.touchscreen.tap(x, y)
                except PlaywrightTimeout:
                    pass
                if not page.url.endswith(case_href):
                    problems.append(f"cases list: a tap on a case card's amount does not open the case ({page.url})")
            ctx.assert_no_external()
        finally:
            ctx.context.close()
    # every state was seen by someone who may act on it, and each role saw what it must
    assert set(opened["county"]) == set(desk_states.STATES), opened
    assert set(opened["admin"]) == set(desk_states.STATES), opened
    assert "to_department" in opened["department"], opened
    assert {"new", "acknowledged", "partly_paid", "reopened"} <= set(opened["township"]), opened
    assert refusal_checked, "no role met the refusal page"
    assert not problems, f"{len(problems)} problem(s) on the desk at 390×844:\n" + "\n".join(problems)
