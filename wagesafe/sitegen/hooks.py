"""MkDocs hooks: where the registry meets the portal (loaded by ``hooks/wagesafe_site.py``).

- ``on_config``: loads the registry (``wagesafe build`` hands over the one it validated; ``mkdocs
  serve`` loads ``WAGESAFE_DATA_DIR``) and gives the theme what it shows on every page.
- ``on_files``: stops the build on a page whose front matter MkDocs would silently ignore
  (``front_matter``: file, line, Chinese first); tells the link checker about the legal-aid card
  PDFs that ``wagesafe posters`` writes (``CARD_PDFS``: no false warning on every build); adds one
  virtual page per project and per township for the language being built. It runs after
  mkdocs-static-i18n has sorted the files by language (priority below its -100), because that
  plugin re-creates every file it sees from disk and would lose a virtual file's content.
- ``on_page_content`` / ``on_post_page``: puts a post's date under its title; replace ``<!-- ws:NAME -->`` markers with generated
  HTML (after Markdown, so thousands of projects never go through the Markdown parser; project
  and township pages only as they are written, see ``on_post_page``).
- ``on_post_build``: writes the Atom feed of policy updates for the language just built.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

from wagesafe.config import Config
from wagesafe.registry import Registry, RegistryError, load_registry

from . import front_matter
from .calculator import calculator_html
from .defaulters import defaulters_html
from .legal_aid import legal_aid_html
from .projects import (project_index_html, project_page_html, project_page_markdown, project_url, township_page_html,
                       township_page_markdown, township_url)
from .updates import atom_feed, load_posts, post_header_html, updates_list_html

LANGS = ("zh", "en")
# Written by `wagesafe posters` (qr.card: CARD_DIR, CARD_FILES) beside the posters, linked from the
# legal-aid pages. MkDocs does not make them, so its link checker would warn on every build.
CARD_PDFS = ("posters/_legal-aid-card/card.pdf", "posters/_legal-aid-card/card-a4.pdf")


@dataclass
class SiteContext:
    """What the hooks build from: the validated registry and the settings."""

    registry: Registry
    config: Config


# Set by ``wagesafe build`` (``use_context``) so that the registry it validated is the one built;
# otherwise the hooks load the registry themselves (``mkdocs serve``), cached by file times.
_given: SiteContext | None = None
_loaded: dict[tuple, SiteContext] = {}


def use_context(ctx: SiteContext | None) -> None:
    """Make the hooks build from this registry and config (``None``: load from the environment)."""
    global _given
    _given = ctx


def context() -> SiteContext:
    """The registry and settings to build from; an invalid registry stops the build with its report."""
    if _given is not None:
        return _given
    cfg = Config.from_env()
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in cfg.data_dir.glob("*") if p.is_file()))
    key = (str(cfg.data_dir), stamp)
    if key not in _loaded:
        try:
            reg = load_registry(cfg.data_dir)
        except RegistryError as err:
            raise PluginError("the registry is not valid:\n" + err.report()) from None
        _loaded.clear()
        _loaded[key] = SiteContext(reg, cfg)
    return _loaded[key]


def building_language(config) -> str:
    """The language mkdocs-static-i18n is building now (it builds zh, then en from zh's post_build)."""
    plugin = config.plugins.get("i18n")
    return getattr(plugin, "current_language", None) or "zh"


class _Alternate:
    """What the i18n plugin reads from a page's twin: its URL (for the language switch)."""

    def __init__(self, url: str):
        self.url = url


@event_priority(-150)
def on_config(config):
    # mkdocs-static-i18n adds "zh" to the search languages; lunr's zh pipeline (built for
    # node's jieba) then matches nothing in the browser. Chinese is already split into words
    # at build time by jieba (zero-width spaces, in the separator), so English rules suffice.
    search = config.plugins.get("material/search") or config.plugins.get("search")
    if search is not None and search.config.lang:
        search.config.lang[:] = ["en"]  # in place: the plugin's index object holds this same list
    ctx = context()
    county = ctx.registry.county
    config.extra["ws"] = {"fictional": county.fictional, "county_zh": county.name_zh, "county_en": county.name_en}
    return config


def front_matter_problems(docs_dir: Path) -> list[str]:
    """Every page under ``docs_dir`` whose front matter MkDocs would drop silently."""
    found = []
    for path in sorted(docs_dir.rglob("*.md")):
        label = f"{docs_dir.name}/{path.relative_to(docs_dir).as_posix()}"
        if (why := front_matter.file_problem(path, label)) is not None:
            found.append(why)
    return found


# The form service's pages the portal's menu links to (mkdocs.yml nav: 投诉, 查进度); they speak
# the portal's language when asked with ?lang= (formsvc.web.i18n.choose_lang).
SERVICE_NAV_PATHS = ("/complain", "/status")


@event_priority(-200)  # after mkdocs-static-i18n has made the language's nav
def on_nav(nav, config, files):
    lang = building_language(config)
    prefix = urlsplit(config.site_url or "").path.rstrip("/")  # a portal under a path (https://host/wagesafe/)
    for item in nav.items:
        url = getattr(item, "url", None) or ""
        path = url.split("?", 1)[0]
        path = path[len(prefix):] if prefix and path.startswith(prefix + "/") else path
        if path in SERVICE_NAV_PATHS and not getattr(item, "children", None):
            item.url = prefix + path + ("?lang=en" if lang == "en" else "")
    return nav


@event_priority(-200)
def on_files(files: Files, config) -> Files:
    found = front_matter_problems(Path(config.docs_dir))
    if found:
        raise PluginError("页首信息有错，门户没有生成（线上门户保持原样）。The portal was not built:\n" + "\n".join(found))
    lang = building_language(config)
    reg = context().registry
    for uri in CARD_PDFS:  # known to the link checker, never written by MkDocs
        # An English page (legal-aid/index.en.md, served at en/legal-aid/) links ../../posters/…,
        # which MkDocs resolves from the source file to ../posters/…: that name is known too.
        for src in (uri, "../" + uri):
            if files.get_file_from_path(src) is None:
                placeholder = File.generated(config, src, content=b"", inclusion=InclusionLevel.EXCLUDED)
                placeholder.url = uri
                files.append(placeholder)
    for p in reg.projects.values():
        files.append(_virtual(config, lang, f"projects/{p.code}/index.md", project_page_markdown(reg, p, lang),
                              {other: project_url(p.code, other) for other in LANGS}))
    for code in reg.townships:  # every township, also one with no project yet: its officer takes complaints
        files.append(_virtual(config, lang, f"townships/{code}/index.md", township_page_markdown(reg, code, lang),
                              {other: township_url(code, other) for other in LANGS}))
    return files


def _virtual(config, lang: str, src_uri: str, content: str, urls: dict[str, str]) -> File:
    """A generated page for ``lang``, out of the nav, with the attributes mkdocs-static-i18n gives
    the files it makes (its language switch reads ``alternates``)."""
    f = File.generated(config, ("en/" if lang == "en" else "") + src_uri, content=content,
                       inclusion=InclusionLevel.NOT_IN_NAV)
    f.locale = lang
    f.locale_alternate_of = lang
    f.localization = lang if lang != "zh" else None
    f.norm_src_uri = src_uri
    f.alternates = {other: _Alternate(url) for other, url in urls.items()}
    return f


def on_page_content(html: str, page, config, files) -> str:
    if "updates/posts/" in page.file.src_uri and page.meta.get("date"):
        html = _with_post_header(html, post_header_html(page.meta, building_language(config)))
    if "<!-- ws:" not in html:
        return html
    ctx = context()
    lang = building_language(config)
    if "<!-- ws:projects -->" in html:
        html = html.replace("<!-- ws:projects -->", project_index_html(ctx.registry, lang))
    if "<!-- ws:legal-aid -->" in html:
        html = html.replace("<!-- ws:legal-aid -->", legal_aid_html(ctx.registry, ctx.config, lang))
    if "<!-- ws:calculator -->" in html:
        html = html.replace("<!-- ws:calculator -->", calculator_html(ctx.registry, lang))
    if "<!-- ws:defaulters -->" in html:
        html = html.replace("<!-- ws:defaulters -->", defaulters_html(ctx.registry, lang))
    if "<!-- ws:updates -->" in html:
        posts = load_posts(Path(config.docs_dir) / "updates" / "posts", lang)
        html = html.replace("<!-- ws:updates -->", updates_list_html(posts, lang))
    return html


def _with_post_header(html: str, header: str) -> str:
    """The post's date line right under its title (first ``</h1>``), or first when it has none."""
    end = html.find("</h1>")
    return html[:end + 5] + "\n" + header + html[end + 5:] if end >= 0 else header + "\n" + html


def on_post_page(output: str, page, config) -> str:
    # Project and township pages get their body here, in the written HTML, not in on_page_content:
    # MkDocs converts every page before it renders any, so bodies added there would all be held
    # at once (40,000 pages at 20,000 projects: most of a 700 MB peak). They are out of search.
    if "<!-- ws:project -->" in output:
        ctx = context()
        project = ctx.registry.project(str(page.meta.get("ws_project", "")))
        if project is None:
            raise PluginError(f"{page.file.src_uri}: unknown project {page.meta.get('ws_project')!r}")
        output = output.replace("<!-- ws:project -->", project_page_html(
            ctx.registry, project, building_language(config), ctx.config.provincial_qr_url,
            ctx.config.provincial_qr_label), 1)
    elif "<!-- ws:township -->" in output:
        output = output.replace("<!-- ws:township -->", township_page_html(
            context().registry, str(page.meta.get("ws_township", "")), building_language(config)), 1)
    return output


def on_post_build(config) -> None:
    lang = building_language(config)
    posts = load_posts(Path(config.docs_dir) / "updates" / "posts", lang)
    out = Path(config.site_dir) / ("en" if lang == "en" else "") / "updates" / "feed.xml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(atom_feed(posts, lang, config.site_url or context().config.public_base_url))
    # Material's script fetches sitemap.xml beside each hreflang alternate, so /en/ needs one
    # (the root sitemap already lists both languages).
    root_map, lang_map = Path(config.site_dir) / "sitemap.xml", Path(config.site_dir) / lang / "sitemap.xml"
    if lang != "zh" and root_map.exists() and not lang_map.exists():
        lang_map.write_bytes(root_map.read_bytes())
