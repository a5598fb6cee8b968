"""The public portal in a phone's browser: language switch, Chinese search, the legal-aid list when
map tiles fail or JavaScript is off, and the complaint form without JavaScript (WeChat's fallback)."""

from __future__ import annotations

import re

import pytest

from wagesafe.registry import load_registry

from .e2e_support import TILE_PATH

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def registry(system):
    return load_registry(system.env["WAGESAFE_DATA_DIR"])


def guide_slugs(system) -> list[str]:
    return sorted(p.parent.name for p in (system.site_dir / "guides").glob("*/index.html"))


def article_text(page_dir) -> str:
    html = (page_dir / "index.html").read_text("utf-8")
    article = re.search(r"<article\b.*?</article>", html, re.S)
    assert article, f"no <article> in {page_dir}"
    return re.sub(r"<[^>]+>", "", article.group(0)).replace("\u200b", "")


def test_language_switch_keeps_the_page(system, phone):
    slugs = guide_slugs(system)
    assert len(slugs) >= 5, slugs
    page = phone.page()
    for slug in (slugs[0], slugs[-1]):
        zh_url, en_url = f"{system.base}/guides/{slug}/", f"{system.base}/en/guides/{slug}/"
        page.goto(zh_url)
        assert page.get_attribute("html", "lang").startswith("zh")
        zh_title = page.inner_text("h1")
        with page.expect_navigation():
            page.get_by_role("link", name=re.compile(r"^\s*English\s*$")).first.tap()
        assert page.url == en_url, f"the switch on {zh_url} led to {page.url}"
        assert page.get_attribute("html", "lang") == "en"
        en_title = page.inner_text("h1")
        assert en_title != zh_title and re.search(r"[A-Za-z]{3}", en_title), (zh_title, en_title)
        with page.expect_navigation():
            page.get_by_role("link", name=re.compile(r"^\s*(中文|简体中文)\s*$")).first.tap()
        assert page.url == zh_url, f"the switch on {en_url} led to {page.url}"
        assert page.inner_text("h1") == zh_title


def search(page, query: str) -> list[str]:
    """Type into the portal's search as a phone user does; the result links (all of them, scrolled)."""
    with page.expect_navigation():
        page.locator("a.ws-search-link:visible").first.tap()  # the magnifier in the header
    box = page.locator("input.md-search__input")
    box.wait_for()
    box.press_sequentially(query, delay=30)
    # A Chinese IME ends with key events; Playwright's text insertion has none. Material's search
    # reacts to key events, so give it one, as the phone's keyboard would.
    box.press("End")
    links = page.locator(".md-search-result__item a.md-search-result__link")
    links.first.wait_for(timeout=15_000)
    count, stable = -1, 0
    while stable < 3:  # Material renders more results as the list scrolls (slowly on a busy machine)
        stable = stable + 1 if count == links.count() else 0
        count = links.count()
        # Up a little, then to the end: already at the end, a scrollTo fires no scroll event, and each
        # batch of four more results waits for one.
        page.locator(".md-search__scrollwrap").evaluate(
            "el => { el.scrollTo(0, Math.max(0, el.scrollHeight - el.clientHeight - 200)); }")
        page.wait_for_timeout(100)
        page.locator(".md-search__scrollwrap").evaluate("el => el.scrollTo(0, el.scrollHeight)")
        page.wait_for_timeout(300)
    return links.evaluate_all("els => els.map(e => e.href)")


def test_search_for_wages_finds_guides(system, phone):
    # Every Chinese guide whose text (the article, not the navigation) uses 工资 must be found.
    wanted = {slug for slug in guide_slugs(system) if "工资" in article_text(system.site_dir / "guides" / slug)}
    assert len(wanted) >= 3, wanted
    page = phone.page()
    page.goto(system.base + "/")
    hrefs = search(page, "工资")
    found = {m.group(1) for h in hrefs if (m := re.match(re.escape(system.base) + r"/guides/([^/#]+)/", h))}
    assert wanted <= found, f"searching 工资 missed guides {sorted(wanted - found)}; results: {hrefs}"
    # The English portal searches English pages.
    page.goto(system.base + "/en/")
    en = search(page, "wages")
    assert any("/en/guides/" in h for h in en), en


def _assert_list_usable(page, registry, where: str) -> None:
    places = page.locator(".ws-place")
    assert places.count() == len(registry.legal_aid), f"{where}: {places.count()} places listed"
    names = page.locator(".ws-place h3")
    for i in range(names.count()):
        assert names.nth(i).is_visible(), f"{where}: place {i} is not visible"
    tels = page.locator(".ws-place a[href^='tel:']")
    with_phone = [p for p in registry.legal_aid if p.phone]
    assert tels.count() >= len(with_phone) > 0, f"{where}: {tels.count()} tel: links for {len(with_phone)} phones"
    box = tels.first.bounding_box()
    assert box and box["height"] >= 44, f"{where}: the call link is {box} (a tap target needs 44 px)"
    first_href = tels.first.get_attribute("href")
    assert re.fullmatch(r"tel:\+?[0-9-]{3,20}", first_href), first_href


def test_legal_aid_list_usable_when_tiles_fail(system, phone, registry):
    failed: list[str] = []

    def tiles(route):
        failed.append(route.request.url)
        route.abort("connectionfailed")

    phone.context.route(f"**{TILE_PATH}**", tiles)  # registered last, so it is tried first
    page = phone.page()
    page.goto(system.base + "/legal-aid/")
    page.locator(".ws-show-map").tap()  # Leaflet is fetched when the worker asks for the map
    page.wait_for_selector("#ws-map.leaflet-container")
    page.wait_for_load_state("networkidle")
    assert page.locator("#ws-map").is_visible(), "the map did not start (Leaflet missing?)"
    assert failed, "the map asked for no tiles: this test did not test failing tiles"
    _assert_list_usable(page, registry, "tiles failing")


def test_legal_aid_list_usable_without_javascript(system, phone_nojs, registry):
    page = phone_nojs.page()
    page.goto(system.base + "/legal-aid/")
    _assert_list_usable(page, registry, "JavaScript off")
    assert not page.locator("#ws-map").is_visible()  # no empty map box without the script


def test_complaint_form_works_without_javascript(system, phone_nojs, registry, tmp_path):
    code = list(registry.projects)[-1]
    page = phone_nojs.page()
    page.goto(f"{system.base}/r/{code}")
    assert registry.project(code).name_zh in page.inner_text("main")
    # A first try with a bad mobile: the server says how to fix it and keeps what was typed.
    page.fill("#name", "张无脚本")
    page.fill("#mobile", "12345")
    page.fill("#workers", "1")
    page.fill("#amount_yuan", "5200")
    page.check("#consent")
    with page.expect_navigation():
        page.locator("form button[type=submit]").tap()
    assert page.locator(".error").count() >= 1, page.inner_text("main")
    assert page.input_value("#name") == "张无脚本"
    page.fill("#mobile", "13800001111")
    if not page.is_checked("#consent"):
        page.check("#consent")
    with page.expect_navigation():
        page.locator("form button[type=submit]").tap()
    assert "投诉已收到" in page.inner_text("h1"), page.inner_text("main")
    receipt = page.inner_text(".receipt").strip()
    assert receipt
    # The status page also works without JavaScript.
    with page.expect_navigation():
        page.get_by_role("link", name="查询进度").tap()
    page.fill("#mobile", "13800001111")
    with page.expect_navigation():
        page.locator("form button[type=submit]").tap()
    assert receipt in page.inner_text("main") and "已收到" in page.inner_text("main")


def test_form_language_switch_keeps_the_project(system, phone, registry):
    code = list(registry.projects)[0]
    page = phone.page()
    page.goto(f"{system.base}/r/{code}")
    zh_heading = page.inner_text("h1")
    with page.expect_navigation():
        page.get_by_role("link", name="English", exact=True).tap()
    assert f"/r/{code}" in page.url, page.url
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1") != zh_heading and re.search(r"[A-Za-z]{3}", page.inner_text("h1"))
    with page.expect_navigation():
        page.get_by_role("link", name="中文", exact=True).tap()
    assert f"/r/{code}" in page.url and page.inner_text("h1") == zh_heading
