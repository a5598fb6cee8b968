"""``wagesafe build``: the registry and ``docs/`` → the static portal in ``Config.site_dir``.

MkDocs empties its ``site_dir`` before building, but ``<site_dir>/posters/`` belongs to
``wagesafe posters``. So the site is built into a sibling temporary directory, the posters
are moved across, and the two directories are swapped: a failed build leaves the old site
(and its posters) untouched. Every text asset of the site (not the posters, see
``precompress``) gets a precompressed ``.gz`` twin for nginx's ``gzip_static``.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from wagesafe.config import ROOT, Config
from wagesafe.registry import Registry

from . import hooks

POSTERS = "posters"
GZIP_SUFFIXES = (".html", ".css", ".js", ".xml", ".json", ".svg")


@dataclass(frozen=True)
class BuildResult:
    site_dir: Path
    pages: int
    projects: int
    gz_files: int
    seconds: float
    mkdocs_seconds: float


def precompress(site_dir: Path, suffixes: tuple[str, ...] = GZIP_SUFFIXES, skip: tuple[str, ...] = (POSTERS,)) -> int:
    """Write ``name.gz`` beside every file ending in ``suffixes`` (deterministic: mtime 0).

    Level 6: within 1–2 % of level 9 on HTML, at half the time for 40,000 pages. The top-level
    directories in ``skip`` are left alone: ``posters/`` is rewritten by ``wagesafe posters``
    without a site build, and nginx's gzip_static would keep serving a stale ``qr.svg.gz``.
    """
    count = 0
    for dirpath, dirs, names in os.walk(site_dir):
        if Path(dirpath) == site_dir:
            dirs[:] = [d for d in dirs if d not in skip]
        for name in names:
            if name.endswith(suffixes):
                src = os.path.join(dirpath, name)
                with open(src, "rb") as f:
                    data = f.read()
                with open(src + ".gz", "wb") as out:
                    out.write(gzip.compress(data, compresslevel=6, mtime=0))
                count += 1
    return count


def build_site(config: Config, registry: Registry, *, mkdocs_yml: Path | None = None,
               verbose: bool = False) -> BuildResult:
    """Build the portal from ``registry`` into ``config.site_dir``, keeping its posters.

    :param mkdocs_yml: the MkDocs configuration (default: the repository's ``mkdocs.yml``).
    :raises mkdocs.exceptions.MkDocsException: when MkDocs fails (the old site stays).
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    logging.getLogger("mkdocs").setLevel(logging.INFO if verbose else logging.WARNING)
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its "building prefix dict" chatter on every build
    started = time.perf_counter()
    site_dir = config.site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = site_dir.with_name(f".{site_dir.name}.building-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    base = config.public_base_url.rstrip("/") + "/"
    cfg = load_config(config_file=str(mkdocs_yml or ROOT / "mkdocs.yml"), site_dir=str(tmp), site_url=base)
    hooks.use_context(hooks.SiteContext(registry, config))
    try:
        t0 = time.perf_counter()
        build(cfg)
        mkdocs_seconds = time.perf_counter() - t0
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        hooks.use_context(None)

    pages = sum(1 for _ in tmp.rglob("index.html"))
    if (site_dir / POSTERS).is_dir():
        os.replace(site_dir / POSTERS, tmp / POSTERS)
    gz = precompress(tmp)
    old = site_dir.with_name(f".{site_dir.name}.old-{os.getpid()}")
    if site_dir.exists():
        os.replace(site_dir, old)
    os.replace(tmp, site_dir)
    shutil.rmtree(old, ignore_errors=True)
    return BuildResult(site_dir=site_dir, pages=pages, projects=len(registry.projects), gz_files=gz,
                       seconds=time.perf_counter() - started, mkdocs_seconds=mkdocs_seconds)
