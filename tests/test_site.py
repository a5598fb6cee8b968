"""The built portal, as a visitor and a link checker see it.

The sample registry is built once per session (``wagesafe build`` into a temp dir, with dummy
posters already there, as ``wagesafe posters`` would have left them) and every test reads the
files it produced.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from click.testing import CliRunner

from wagesafe import geo
from wagesafe.cli import main
from wagesafe.registry import load_registry

from tests.registry_edit import set_cell

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://portal.test"  # PUBLIC_BASE_URL for the build: any other host is external
POSTER_FILES = ("qr.svg", "poster-a4.pdf", "poster-a3.pdf")


def _env(data_dir: Path, site_dir: Path) -> dict[str, str]:
    return {"WAGESAFE_DATA_DIR": str(data_dir), "WAGESAFE_SITE_DIR": str(site_dir), "PUBLIC_BASE_URL": BASE,
            "MAP_TILE_KEY": "", "MAP_APPROVAL_NO": "GS(2099)0000号"}


@pytest.fixture(scope="session")
def registry():
    return load_registry(ROOT / "data")


@pytest.fixture(scope="session")
def site(tmp_path_factory, registry) -> Path:
    """The sample portal, built once, with dummy posters put there before the build."""
    site_dir = tmp_path_factory.mktemp("portal") / "site"
    for code in registry.projects:
        d = site_dir / "posters" / code
        d.mkdir(parents=True)
        for name in POSTER_FILES:
            (d / name).write_text("dummy poster")
    card = site_dir / "posters" / "_legal-aid-card"  # what `wagesafe posters` writes beside them
    card.mkdir(parents=True)
    for name in ("card.pdf", "card-a4.pdf"):
        (card / name).write_text("dummy card")
    result = CliRunner().invoke(main, ["build"], env=_env(ROOT / "data", site_dir), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return site_dir


class _Page(HTMLParser):
    """Collects what the tests look at in one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.assets: list[str] = []
        self.ids: set[str] = set()
        self.html_lang = ""
        self.switch: str | None = None
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.html_lang = a.get("lang", "")
        for attr in ("href", "src"):
            if a.get(attr) is not None:
                self.links.append((tag, attr, a[attr]))
        if tag in ("script", "img", "source", "iframe", "audio", "video") and a.get("src"):
            self.assets.append(a["src"])
        if tag == "link" and a.get("href") and set((a.get("rel") or "").split()) & {
                "stylesheet", "icon", "preload", "modulepreload", "preconnect", "dns-prefetch", "manifest"}:
            self.assets.append(a["href"])
        if "ws-lang-switch" in (a.get("class") or ""):
            self.switch = a.get("href")
        if a.get("style"):
            self.styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)

    def handle_endtag(self, tag):
        self._in_style = False


def parse(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "posters" not in p.parts)


def url_of(site: Path, path: Path) -> str:
    """The page's URL path on the server (``/en/guides/x/``)."""
    rel = path.relative_to(site).as_posix()
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def resolve(site: Path, target: str) -> Path | None:
    """The file the server would send for a site path, or None."""
    p = site / unquote(target).lstrip("/")
    if p.is_file():
        return p
    if (p / "index.html").is_file():
        return p / "index.html"
    return None


# --- both languages, every page ------------------------------------------------------------

def test_site_both_languages_built_with_lang_attributes(site):
    assert parse(site / "index.html").html_lang == "zh-Hans"
    assert parse(site / "en" / "index.html").html_lang == "en"
    for slug in ("card", "guides/what-to-do", "legal-aid", "projects", "updates"):
        assert parse(site / slug / "index.html").html_lang == "zh-Hans", slug
        assert parse(site / "en" / slug / "index.html").html_lang == "en", slug


def test_site_every_project_has_its_page_in_both_languages(site, registry):
    zh_index = (site / "projects" / "index.html").read_text(encoding="utf-8")
    en_index = (site / "en" / "projects" / "index.html").read_text(encoding="utf-8")
    for code, p in registry.projects.items():
        assert f'href="{code}/"' in zh_index and f'href="{code}/"' in en_index, code
        for lang_dir, root in ((site, "../../"), (site / "en", "../../../")):
            html = (lang_dir / "projects" / code / "index.html").read_text(encoding="utf-8")
            officer = registry.townships[p.township].responsible
            dept = registry.industry_authority(p)
            for fact in (p.builder, p.general_contractor, p.gc_project_department, p.labour_manager,
                         p.labour_manager_phone, officer.name, officer.mobile, dept.complaint_phone,
                         registry.county.desk.phone, str(registry.county.minimum_wage.monthly_yuan),
                         "tel:12333", "tel:12348", *(s.name for s in p.subcontractors)):
                assert fact in html, (code, lang_dir.name, fact)
            q = "?lang=en" if lang_dir.name == "en" else ""
            assert f'href="{root}r/{code}{q}"' in html  # the English page opens the English form
            assert f'href="{root}status{q}"' in html and f'href="{root}complain{q}"' in html
            assert f'src="{root}posters/{code}/qr.svg"' in html
            assert f'href="{root}posters/{code}/poster-a4.pdf"' in html
            assert f'href="{root}posters/{code}/poster-a3.pdf"' in html


def test_site_project_page_names_the_deputy_while_the_officer_is_away(site, registry):
    away = [t for t in registry.townships.values() if t.officer_away and t.deputy]
    if not away:
        pytest.skip("no township with its officer away in the sample")
    town = away[0]
    p = next(p for p in registry.projects.values() if p.township == town.code)
    html = (site / "projects" / p.code / "index.html").read_text(encoding="utf-8")
    assert town.deputy.name in html and town.officer.name not in html


def test_site_every_legal_aid_place_is_listed_in_both_languages(site, registry):
    for page in (site / "legal-aid" / "index.html", site / "en" / "legal-aid" / "index.html"):
        html = page.read_text(encoding="utf-8")
        assert 'id="ws-map"' in html and "leaflet.js" in html and "GS(2099)0000号" in html
        for place in registry.legal_aid:
            assert f'id="place-{place.id}"' in html, (page, place.id)
            if place.phone:
                assert f'href="tel:{place.phone}"' in html
            if place.lat is not None:
                g_lat, g_lon = geo.wgs84_to_gcj02(place.lat, place.lon)
                b_lat, b_lon = geo.wgs84_to_bd09(place.lat, place.lon)
                assert f"position={g_lon:.6f},{g_lat:.6f}" in html  # Amap: GCJ-02, lon first
                assert f"location={b_lat:.6f},{b_lon:.6f}" in html  # Baidu: BD-09
                assert f"geo:{place.lat:.6f},{place.lon:.6f}" in html  # geo: WGS-84


def test_site_without_a_tile_key_draws_no_tiles(site):
    html = (site / "legal-aid" / "index.html").read_text(encoding="utf-8")
    assert 'data-tile-url=""' in html and "ws-map-note" in html
    assert "tianditu" not in html


def test_site_project_pages_stay_out_of_nav_and_search(site, registry):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not [d for d in index["docs"] if re.match(r"(en/)?projects/[^/]+/", d["location"])]
    guide = (site / "guides" / "what-to-do" / "index.html").read_text(encoding="utf-8")
    assert not any(f"projects/{code}/" in guide for code in registry.projects)


# --- links and assets ----------------------------------------------------------------------

SKIP_SCHEMES = ("tel:", "mailto:", "geo:", "javascript:", "data:")


def test_site_has_no_broken_internal_link(site, registry):
    broken = []
    for page in pages(site):
        base = BASE + url_of(site, page)
        for tag, attr, link in parse(page).links:
            if link.startswith(SKIP_SCHEMES) or link.startswith("#"):
                continue
            full = urlsplit(urljoin(base, link))
            if f"{full.scheme}://{full.netloc}" != BASE:
                continue  # an external navigation link (map apps): checked elsewhere
            path = full.path
            if path in ("/status", "/complain", "/tools/calculator", "/tools/application"):  # the form service's pages
                continue
            if re.fullmatch(r"/r/[a-z0-9-]+", path):  # served by the form service
                if path[3:] not in registry.projects:
                    broken.append((url_of(site, page), link))
                continue
            if resolve(site, path) is None:
                broken.append((url_of(site, page), link))
    assert broken == []


def test_site_pages_load_nothing_from_another_host(site):
    offenders = []
    url_re = re.compile(r"""url\(\s*['"]?([^'")]+)""")
    for page in pages(site):
        doc = parse(page)
        refs = list(doc.assets) + [u for s in doc.styles for u in url_re.findall(s)]
        offenders += [(url_of(site, page), r) for r in refs if re.match(r"^(https?:)?//", r)]
        assert "fonts.googleapis.com" not in page.read_text(encoding="utf-8")
    for css in site.rglob("*.css"):
        offenders += [(css.name, u) for u in url_re.findall(css.read_text(encoding="utf-8"))
                      if re.match(r"^(https?:)?//", u)]
    assert offenders == []


def test_site_language_switch_lands_on_the_twin(site, registry):
    checked = 0
    for page in pages(site):
        rel = page.relative_to(site).as_posix()
        if rel.startswith("en/") or rel == "404.html":
            continue
        twin = site / "en" / rel
        assert twin.is_file(), f"no English twin for {rel}"
        zh_switch = parse(page).switch
        en_switch = parse(twin).switch
        assert zh_switch and en_switch, rel
        assert resolve(site, urlsplit(urljoin(BASE + url_of(site, page), zh_switch)).path) == twin, rel
        assert resolve(site, urlsplit(urljoin(BASE + url_of(site, twin), en_switch)).path) == page, rel
        checked += 1
    assert checked >= len(registry.projects) + 15  # home, card, 9 guide pages, map, index, updates, posts


def test_site_every_page_is_translated_and_the_fallback_stays_ready(site):
    """Every page has its English twin (the review found one missing); the theme's visible fallback
    for a page not yet translated stays in place for the next one."""
    untranslated = [url_of(site, p) for p in pages(site / "en")
                    if "This page is not yet translated; showing Chinese." in p.read_text(encoding="utf-8")]
    assert untranslated == []
    assert "This page is not yet translated; showing Chinese." in (ROOT / "overrides" / "main.html").read_text(
        encoding="utf-8")


def test_site_shows_the_sample_data_notice(site, registry):
    assert registry.county.fictional
    assert "示例数据" in (site / "index.html").read_text(encoding="utf-8")
    assert "Sample data" in (site / "en" / "index.html").read_text(encoding="utf-8")


# --- search --------------------------------------------------------------------------------

def _tokens(index: dict, location_prefix: str) -> set[str]:
    sep = re.compile(index["config"]["separator"])
    out: set[str] = set()
    for d in index["docs"]:
        if d["location"].split("#")[0] == location_prefix:
            out.update(t.lower() for t in sep.split(d["title"] + " " + d["text"]) if t)
    return out


def test_site_search_finds_chinese_words_inside_sentences(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    guides = [p for p in (ROOT / "docs" / "guides").glob("*.md")
              if not p.name.endswith(".en.md") and "工资" in p.read_text(encoding="utf-8")]
    assert len(guides) >= 5
    for g in guides:
        loc = "guides/" if g.stem == "index" else f"guides/{g.stem}/"
        assert "工资" in _tokens(index, loc), loc


def test_site_search_holds_english_terms(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["en"]
    assert "wages" in _tokens(index, "en/guides/what-to-do/")
    assert "arbitration" in _tokens(index, "en/guides/deadlines/")


# --- updates -------------------------------------------------------------------------------

def test_site_updates_are_listed_newest_first(site):
    for lang_dir in (site, site / "en"):
        html = (lang_dir / "updates" / "index.html").read_text(encoding="utf-8")
        dates = re.findall(r'<li class="ws-update" data-date="([0-9-]+)"', html)
        assert dates == sorted(dates, reverse=True) and len(dates) == 3
    en = (site / "en" / "updates" / "index.html").read_text(encoding="utf-8")
    # Every post is translated now (the review found the case post missing), and categories are English.
    assert "(in Chinese)" not in en and "Policy" in en and "Case" in en


def test_site_atom_feeds_are_valid_and_hold_every_post(site):
    ns = {"a": "http://www.w3.org/2005/Atom"}
    posts = {p.name.split(".")[0] for p in (ROOT / "docs" / "updates" / "posts").glob("*.md")}
    for lang_dir, prefix in ((site, "/"), (site / "en", "/en/")):
        feed = ET.parse(lang_dir / "updates" / "feed.xml").getroot()
        entries = feed.findall("a:entry", ns)
        links = {e.find("a:link", ns).get("href") for e in entries}
        assert links == {f"{BASE}{prefix}updates/posts/{slug}/" for slug in posts}
        assert all(resolve(site, urlsplit(link).path) for link in links)
        assert [e.find("a:updated", ns).text for e in entries] == sorted(
            (e.find("a:updated", ns).text for e in entries), reverse=True)


# --- the build command ---------------------------------------------------------------------

def test_site_build_keeps_posters_and_precompresses(site, registry):
    code = next(iter(registry.projects))
    assert (site / "posters" / code / "poster-a4.pdf").read_text() == "dummy poster"
    for rel in ("index.html", "en/index.html", "search/search_index.json", "updates/feed.xml",
                "assets/css/wagesafe.css", "assets/js/legal-aid.js", "assets/vendor/leaflet/leaflet.js"):
        assert (site / (rel + ".gz")).is_file(), rel
    # posters/ belongs to `wagesafe posters`, which rewrites files without a build: no stale twins
    assert not list((site / "posters").rglob("*.gz"))


def test_site_build_refuses_an_invalid_registry_with_the_report(data_dir, tmp_path):
    line = set_cell(data_dir / "projects.csv", 0, "township", "atlantis")
    site_dir = tmp_path / "site"
    result = CliRunner().invoke(main, ["build"], env=_env(data_dir, site_dir))
    assert result.exit_code == 1
    assert "projects.csv" in result.output and str(line) in result.output and "atlantis" in result.output
    assert "Traceback" not in result.output
    assert not site_dir.exists()


def test_site_search_box_only_on_the_search_page(site):
    """The index (both languages) is fetched only by someone who opens the search page."""
    for rel in ("search/index.html", "en/search/index.html"):
        assert 'name="search"' in (site / rel).read_text(encoding="utf-8"), rel
    for rel in ("index.html", "guides/what-to-do/index.html", "en/card/index.html", "projects/index.html"):
        html = (site / rel).read_text(encoding="utf-8")
        assert 'name="search"' not in html and "ws-search-link" in html, rel


def test_site_quick_card_carries_no_script(site):
    for rel in ("card/index.html", "en/card/index.html"):
        assert parse(site / rel).assets and not [a for a in parse(site / rel).assets if a.endswith(".js")], rel


def test_site_every_township_lists_its_projects_in_both_languages(site, registry):
    for code, projects in registry.projects_by_township().items():
        if not projects:
            continue
        for lang_dir in (site, site / "en"):
            html = (lang_dir / "townships" / code / "index.html").read_text(encoding="utf-8")
            for p in projects:
                assert f'href="../../projects/{p.code}/"' in html, (code, p.code)


def test_site_large_registry_index_lists_townships_only(registry, monkeypatch):
    """Above INLINE_LIMIT the index links each township's page instead of every project."""
    from wagesafe.sitegen import projects as gen

    full = gen.project_index_html(registry, "zh")
    monkeypatch.setattr(gen, "INLINE_LIMIT", 10)
    short = gen.project_index_html(registry, "zh")
    code = next(iter(registry.projects))
    assert f'href="{code}/"' in full and f'href="{code}/"' not in short
    for town, projects in registry.projects_by_township().items():
        if projects:
            assert f'href="../townships/{town}/"' in short


def test_site_project_text_is_escaped_and_front_matter_survives_quotes(data_dir):
    from mkdocs.utils.meta import get_data

    from wagesafe.sitegen.projects import project_page_html, project_page_markdown

    name = '龙潭"1号"楼 \\ <script>alert(1)</script>'
    set_cell(data_dir / "projects.csv", 0, "name_zh", name)
    set_cell(data_dir / "projects.csv", 0, "builder", "<img src=x onerror=alert(1)>")
    reg = load_registry(data_dir)
    p = next(iter(reg.projects.values()))
    for lang in ("zh", "en"):
        _, meta = get_data(project_page_markdown(reg, p, lang))
        assert meta["title"] == name and meta["search"] == {"exclude": True}
        html = project_page_html(reg, p, lang)
        assert "<script>" not in html and "<img src=x" not in html and "&lt;img src=x" in html


def test_site_tile_settings_follow_the_configuration():
    from wagesafe.config import Config
    from wagesafe.sitegen.legal_aid import tile_settings

    assert tile_settings(Config.from_env(environ={}))["url"] == ""  # 天地图 needs a key: no tiles without one
    keyed = tile_settings(Config.from_env(environ={"MAP_TILE_KEY": "k123"}))
    assert "tk=k123" in keyed["url"] and "LAYER=cva" in keyed["overlay"] and keyed["subdomains"] == "01234567"
    amap = tile_settings(Config.from_env(environ={
        "MAP_TILE_URL": "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8",
        "MAP_TILE_DATUM": "GCJ-02"}))
    assert amap["url"].startswith("https://webrd0") and amap["datum"] == "GCJ-02" and amap["overlay"] == ""


def test_site_markers_are_converted_for_gcj02_tiles(registry):
    from wagesafe.config import Config
    from wagesafe.sitegen.legal_aid import legal_aid_html

    html = legal_aid_html(registry, Config.from_env(environ={"MAP_TILE_DATUM": "GCJ-02"}), "zh")
    place = next(p for p in registry.legal_aid if p.lat is not None)
    g_lat, g_lon = geo.wgs84_to_gcj02(place.lat, place.lon)
    assert f'data-lat="{place.lat:.6f}"' in html  # distances use the phone's WGS-84
    assert f'data-map-lat="{g_lat:.6f}" data-map-lon="{g_lon:.6f}"' in html


def test_site_menu_leads_to_the_complaint_form_and_the_status_check(site):
    """Issue 23: the portal's menu has 投诉 and 查进度 on every page, in the page's language."""
    for path, want in ((site / "index.html", {"/complain": "投诉", "/status": "查进度"}),
                       (site / "guides" / "evidence" / "index.html", {"/complain": "投诉", "/status": "查进度"}),
                       (site / "en" / "index.html", {"/complain?lang=en": "Complain", "/status?lang=en": "Check progress"})):
        html = path.read_text("utf-8")
        for href, words in want.items():
            assert re.search(rf'<a href="{re.escape(href)}" class="md-nav__link">\s*(<[^>]+>\s*)*{words}', html), \
                (path, href)
