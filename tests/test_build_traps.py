"""The portal build's traps (issue 26 item 7): broken front matter fails loudly with file and line,
posts show their date, English lists name categories in English, a clean build prints no
warning, the demo's builds keep the demo's address, and a build swaps the portal atomically."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wagesafe.config import Config, remember_demo_address, with_demo_address
from wagesafe.registry import load_registry
from wagesafe.sitegen import front_matter
from wagesafe.sitegen.build import PortalBuildError, build_site, releases_dir

ROOT = Path(__file__).resolve().parent.parent
WAGESAFE = str(Path(sys.executable).with_name("wagesafe"))


def _portal_copy(top: Path) -> Path:
    """mkdocs.yml, docs/, overrides/ and hooks/ copied, so a test may break a page."""
    for name in ("docs", "overrides", "hooks"):
        shutil.copytree(ROOT / name, top / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", top / "mkdocs.yml")
    (top / "data").symlink_to(ROOT / "data")  # mkdocs.yml watches it
    return top / "mkdocs.yml"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample portal built from a copy of docs/ with one more post, in Chinese only (category 政策)."""
    top = tmp_path_factory.mktemp("traps")
    yml = _portal_copy(top)
    (top / "docs/updates/posts/2026-11-02-zh-only.md").write_text(
        "---\ntitle: 只有中文的动态\ndate: 2026-11-02\ncategories: [政策]\nsummary: 没有英文版。\n---\n\n"
        "# 只有中文的动态\n\n正文。\n", encoding="utf-8")
    config = Config.from_env({"WAGESAFE_SITE_DIR": str(top / "site"), "PUBLIC_BASE_URL": "http://portal.test"})
    build_site(config, load_registry(ROOT / "data"), mkdocs_yml=yml)
    return top, config


def test_build_traps_post_page_shows_its_date_in_both_languages(built):
    top, _ = built
    zh = (top / "site/updates/posts/2026-12-01-winter-campaign/index.html").read_text(encoding="utf-8")
    en = (top / "site/en/updates/posts/2026-12-01-winter-campaign/index.html").read_text(encoding="utf-8")
    assert '<time datetime="2026-12-01">2026年12月1日</time>' in zh and "发布于" in zh
    assert '<time datetime="2026-12-01">1 December 2026</time>' in en and "Published" in en
    # under the title, not somewhere else on the page
    assert zh.index("</h1>") < zh.index("ws-post-date") < zh.index("示例内容")


def test_build_traps_english_updates_list_names_no_chinese_category(built):
    top, _ = built
    html = (top / "site/en/updates/index.html").read_text(encoding="utf-8")
    listed = html[html.index('class="ws-updates"'):]
    assert "只有中文的动态" in listed  # the zh-only post is listed (in Chinese, marked) ...
    for zh in ("政策", "通知", "案例"):
        assert f'ws-cat">{zh}<' not in listed, zh  # ... but its category is named in English
    assert listed.count('ws-cat">Policy<') == 2
    feed = (top / "site/en/updates/feed.xml").read_text(encoding="utf-8")
    assert 'term="Policy"' in feed and 'term="政策"' not in feed
    en_post = (top / "site/en/updates/posts/2026-11-02-zh-only/index.html").read_text(encoding="utf-8")
    assert 'ws-cat">Policy<' in en_post


def test_build_traps_broken_front_matter_fails_naming_file_and_line_and_keeps_the_portal(built, tmp_path):
    top, config = built
    live = os.readlink(config.site_dir)
    page = top / "docs/guides/evidence.en.md"
    good = page.read_text(encoding="utf-8")
    lines = good.split("\n")
    lines[2] = "description: Proof: what to keep"  # the colon of issue 26's defaulters page
    page.write_text("\n".join(lines), encoding="utf-8")
    try:
        with pytest.raises(PortalBuildError) as err:
            build_site(config, load_registry(ROOT / "data"), mkdocs_yml=top / "mkdocs.yml")
    finally:
        page.write_text(good, encoding="utf-8")
    message = str(err.value)
    assert message.startswith("页首信息有错")  # Chinese first
    assert "docs/guides/evidence.en.md 第 3 行" in message and "docs/guides/evidence.en.md:3" in message
    assert os.readlink(config.site_dir) == live  # the live portal is the one it was


@pytest.mark.parametrize("text, line", [
    ("---\ntitle: A\ndescription: x: y\n---\n# A\n", 3),
    ("---\ntitle: [unclosed\n---\n# A\n", 3),
    ("---\njust a sentence\n---\n# A\n", 2),
    ("---\ntitle: A\n# A never closed\n", 1),
])
def test_build_traps_front_matter_problems_name_the_line(text, line):
    why = front_matter.problem(text, "docs/x.md")
    assert why is not None and f"docs/x.md 第 {line} 行" in why


def test_build_traps_good_front_matter_and_none_pass():
    assert front_matter.problem("---\ntitle: 'a: b'\ndate: 2026-01-01\n---\n# A\n", "x") is None
    assert front_matter.problem("# No front matter\n\ntext: with a colon\n", "x") is None
    for path in (ROOT / "docs").rglob("*.md"):  # the repository's own pages
        assert front_matter.file_problem(path, str(path)) is None


def test_build_traps_clean_build_prints_no_warning_and_keeps_the_demo_address(tmp_path):
    """`wagesafe build` as an operator runs it, in a checkout where the demo ran on port 9317."""
    var = tmp_path / "var"
    remember_demo_address(Config.from_env({"WAGESAFE_VAR_DIR": str(var), "PUBLIC_BASE_URL": "http://127.0.0.1:9317"}))
    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL" and not k.startswith("WAGESAFE_")}
    env.update(WAGESAFE_VAR_DIR=str(var), WAGESAFE_SITE_DIR=str(tmp_path / "site"))
    run = subprocess.run([WAGESAFE, "build"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    said = run.stdout + run.stderr
    assert "WARNING" not in said.upper() and "not found among documentation files" not in said, said
    assert said.strip().startswith("built ")
    for feed in ("updates/feed.xml", "en/updates/feed.xml"):
        text = (tmp_path / "site" / feed).read_text(encoding="utf-8")
        assert 'href="http://127.0.0.1:9317/' in text and ":8000" not in text, feed


def test_build_traps_demo_address_only_when_unset_and_never_in_production(tmp_path):
    var = tmp_path / "var"
    remember_demo_address(Config.from_env({"WAGESAFE_VAR_DIR": str(var), "PUBLIC_BASE_URL": "http://127.0.0.1:9318"}))
    plain = Config.from_env({"WAGESAFE_VAR_DIR": str(var)})
    assert with_demo_address(plain, {}).public_base_url == "http://127.0.0.1:9318"
    assert with_demo_address(plain, {"PUBLIC_BASE_URL": "https://wage.example.gov.cn"}) == plain
    prod = Config.from_env({"WAGESAFE_VAR_DIR": str(var), "WAGESAFE_ENV": "production"})
    assert with_demo_address(prod, {}).public_base_url == prod.public_base_url
    assert with_demo_address(Config.from_env({"WAGESAFE_VAR_DIR": str(tmp_path / "none")}), {}).public_base_url \
        == "http://127.0.0.1:8000"


def test_build_traps_build_swaps_a_symlink_and_carries_the_posters(tmp_path):
    site = tmp_path / "site"
    (site / "posters" / "qh001").mkdir(parents=True)
    (site / "posters" / "qh001" / "qr.svg").write_text("poster")
    config = Config.from_env({"WAGESAFE_SITE_DIR": str(site)})
    registry = load_registry(ROOT / "data")
    build_site(config, registry)
    first = os.readlink(site)
    assert site.is_symlink() and (site / "index.html").is_file()
    assert (site / "posters/qh001/qr.svg").read_text() == "poster"
    build_site(config, registry)
    assert os.readlink(site) != first and (site / "posters/qh001/qr.svg").read_text() == "poster"
    assert len(list(releases_dir(site).iterdir())) <= 2  # old builds are pruned


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_build_traps_desk_preview_is_the_page_the_build_makes(built, lang):
    """The desk's preview of an update (formsvc.content.preview) has the very article the build
    writes for the same files: same Markdown extensions, links, date line and sample note."""
    import re

    from formsvc.content import posts, preview

    top, config = built
    slug = "2026-09-15-legal-aid-green-channel"  # has links to other pages, a note box and a list
    u = posts.fields_of(slug, posts.read_item(top / "docs", slug))
    made = preview.page(u, lang, config.site_dir)
    page = (config.site_dir / ("en/" if lang == "en" else "") / f"updates/posts/{slug}/index.html").read_text("utf-8")

    def article(html: str) -> str:
        start = html.index(preview.ARTICLE) + len(preview.ARTICLE)
        return re.sub(r"\s+", " ", html[start:html.index("</article>", start)]).strip()

    assert article(made) == article(page)
    assert '<base href="/' in made and "md-header" in made


def test_build_traps_card_links_known_to_the_checker_and_right_in_both_languages(built):
    top, _ = built
    zh = (top / "site/legal-aid/index.html").read_text(encoding="utf-8")
    en = (top / "site/en/legal-aid/index.html").read_text(encoding="utf-8")
    assert 'href="../posters/_legal-aid-card/card.pdf"' in zh  # → /posters/…
    assert 'href="../../posters/_legal-aid-card/card-a4.pdf"' in en  # from /en/legal-aid/ → /posters/…
    assert not (top / "site/en/posters").exists() and not list((top / "site").rglob("card.pdf"))  # never written


def test_build_traps_prune_spares_a_release_another_process_is_building(tmp_path):
    import subprocess
    import time

    from wagesafe.sitegen.build import _prune

    dead = []
    for _ in range(3):  # pids of processes that have ended
        done = subprocess.Popen(["true"])
        done.wait()
        dead.append(done.pid)
    other = subprocess.Popen(["sleep", "30"])
    try:
        names = [f"20260101T000000-{dead[0]}-1", f"20260101T000001-{other.pid}-2", f"20260101T000002-{dead[1]}-3",
                 f"20260101T000003-{dead[2]}-4"]
        for i, name in enumerate(names):
            (tmp_path / name).mkdir()
            os.utime(tmp_path / name, (time.time() - 100 + i, time.time() - 100 + i))
        _prune(tmp_path, keep={names[3]})
        assert sorted(p.name for p in tmp_path.iterdir()) == names[1:]  # the oldest finished one goes
    finally:
        other.kill()
        other.wait()


def test_build_traps_portal_is_readable_by_nginx_whatever_the_umask(tmp_path):
    """systemd runs wagesafe-admin and the worker with UMask=0027: the portal must still be world-readable."""
    import stat

    env = {k: v for k, v in os.environ.items() if not k.startswith("WAGESAFE_")}
    env.update(WAGESAFE_SITE_DIR=str(tmp_path / "site"), PUBLIC_BASE_URL="http://portal.test")
    run = subprocess.run(["sh", "-c", f"umask 0027 && exec {WAGESAFE} build"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    for path in [tmp_path / "site", tmp_path / "site/index.html", tmp_path / "site/en/updates/feed.xml",
                 tmp_path / "site/assets"]:
        mode = path.resolve().stat().st_mode
        assert mode & stat.S_IROTH, path
        if path.resolve().is_dir():
            assert mode & stat.S_IXOTH, path
