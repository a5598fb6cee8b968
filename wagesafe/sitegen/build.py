"""``wagesafe build``: the registry and ``docs/`` → the static portal in ``Config.site_dir``.

MkDocs empties its ``site_dir`` before building, but ``<site_dir>/posters/`` belongs to
``wagesafe posters``. So each build goes into a new directory under ``.<site>.releases/``, the
posters are linked across, and ``<site>`` (a symlink) is pointed at it in one rename: a failed
build leaves the old site (and its posters) untouched, and nobody reads a half-built one. Every text asset of the site (not the posters, see
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

from mkdocs.exceptions import MkDocsException

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
    warnings: tuple[str, ...] = ()


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


class PortalBuildError(MkDocsException):
    """The portal did not build; the message says why (file and line where known), Chinese first.
    The live portal is untouched."""


class _Collect(logging.Handler):
    """MkDocs' warnings and errors during one build: why it failed, or what ``wagesafe build``
    prints after a build that worked (a clean build has none)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def releases_dir(site_dir: Path) -> Path:
    """Where the built portals live; ``site_dir`` is a symlink to the one being served."""
    return site_dir.with_name(f".{site_dir.name}.releases")


def build_site(config: Config, registry: Registry, *, mkdocs_yml: Path | None = None,
               verbose: bool = False) -> BuildResult:
    """Build the portal from ``registry`` into a new directory and swap it in atomically.

    ``config.site_dir`` becomes (or stays) a symlink to the new build, replaced in one rename
    (``_swap``): a reader (nginx, the demo's devsite) sees the old portal or the new one, never a
    half-written or missing one. The posters of the old build are carried over as hard links
    (``wagesafe posters`` then rewrites only the ones that changed). A failed build leaves the
    live portal as it was.

    :param mkdocs_yml: the MkDocs configuration (default: the repository's ``mkdocs.yml``).
    :raises PortalBuildError: when a page's front matter is broken or MkDocs fails (the old site stays).
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    mk_log = logging.getLogger("mkdocs")
    mk_log.setLevel(logging.INFO if verbose else logging.WARNING)
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its "building prefix dict" chatter on every build
    started = time.perf_counter()
    site_dir = config.site_dir.absolute()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    releases = releases_dir(site_dir)
    releases.mkdir(exist_ok=True)
    new = releases / (time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}-{time.monotonic_ns()}")
    base = config.public_base_url.rstrip("/") + "/"
    docs = {} if config.docs_dir.absolute() == (ROOT / "docs") else {"docs_dir": str(config.docs_dir.absolute())}
    cfg = load_config(config_file=str(mkdocs_yml or ROOT / "mkdocs.yml"), site_dir=str(new), site_url=base, **docs)
    broken = hooks.front_matter_problems(Path(cfg.docs_dir))
    if broken:
        raise PortalBuildError("页首信息有错，门户没有生成（线上门户保持原样）。"
                               "The portal was not built (the live portal is unchanged):\n" + "\n".join(broken))
    hooks.use_context(hooks.SiteContext(registry, config))
    collect = _Collect()
    mk_log.addHandler(collect)
    try:
        t0 = time.perf_counter()
        build(cfg)
        mkdocs_seconds = time.perf_counter() - t0
    except BaseException as err:
        shutil.rmtree(new, ignore_errors=True)
        if isinstance(err, (KeyboardInterrupt, SystemExit)):
            raise
        why = "\n".join(collect.messages) or str(err)
        raise PortalBuildError("门户没有生成（线上门户保持原样）。The portal was not built (the live portal is "
                               f"unchanged):\n{why}") from None
    finally:
        mk_log.removeHandler(collect)
        hooks.use_context(None)

    pages = sum(1 for _ in new.rglob("index.html"))
    if (site_dir / POSTERS).is_dir():
        _link_tree(site_dir / POSTERS, new / POSTERS)
    gz = precompress(new)
    _swap(site_dir, new)
    _prune(releases, keep={new.name})
    return BuildResult(site_dir=site_dir, pages=pages, projects=len(registry.projects), gz_files=gz,
                       seconds=time.perf_counter() - started, mkdocs_seconds=mkdocs_seconds,
                       warnings=tuple(collect.messages))


def _link_tree(src: Path, dst: Path) -> None:
    """Copy a tree as hard links (a copy where the file system cannot link)."""
    def link(a, b):
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    shutil.copytree(src, dst, copy_function=link, symlinks=True)


def _swap(site_dir: Path, new: Path) -> None:
    """Point ``site_dir`` at ``new`` in one rename. A ``site_dir`` that is still a real directory
    (a portal built before releases) is moved into the releases once, then replaced by the link."""
    link = site_dir.with_name(f".{site_dir.name}.swap-{os.getpid()}")
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(os.path.relpath(new, site_dir.parent), link)
    if site_dir.exists() and not site_dir.is_symlink():
        os.replace(site_dir, releases_dir(site_dir) / f"{new.name}-before")
    os.replace(link, site_dir)


def _building_elsewhere(name: str) -> bool:
    """A release another live process is still writing (``<stamp>-<pid>-<ns>``; a hand-run build
    beside the worker's): not to be pruned under it."""
    parts = name.split("-")
    if len(parts) < 3 or not parts[1].isdigit() or int(parts[1]) == os.getpid() or name.endswith("-before"):
        return False
    try:
        os.kill(int(parts[1]), 0)
    except PermissionError:  # alive, another user's
        return True
    except (ProcessLookupError, OverflowError):
        return False
    return True


def _prune(releases: Path, keep: set[str]) -> None:
    """Delete old builds, keeping ``keep``, the newest other one (a page being read now finishes)
    and any another process is still building."""
    older = sorted((p for p in releases.iterdir() if p.name not in keep and p.is_dir()),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in older[1:]:
        if not _building_elsewhere(stale.name):
            shutil.rmtree(stale, ignore_errors=True)
