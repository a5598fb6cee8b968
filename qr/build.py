"""Build the posters of many projects: pick what changed, render on every core, record the result.

``build_posters`` is what ``wagesafe posters`` and the bench call. Rendering is CPU-bound Python,
so it runs in a process pool (one worker per core; chunks of projects per task keep the pickling
overhead low; each worker registers the fonts once). A project whose values are missing is
reported and skipped; the others are still built. After a build of every project, the folders of
projects removed from the registry are deleted (``prune``): the portal would serve them as they are.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from wagesafe.config import Config
from wagesafe.registry import Registry

from .card import CARD_DIR, build_card
from .content import PosterContent, poster_content
from .errors import PosterError
from .fonts import register_fonts
from .manifest import is_current, load_manifest, manifest_county, save_manifest
from .prune import prune_posters
from .render import FILE_NAMES, FORMATS, render_project
from .urls import check_base_url


@dataclass
class BuildReport:
    """What a run did: codes built, codes already current, and (code, message) for each failure;
    the codes whose folders were removed (no longer in the registry) and (name, reason) for each
    entry of the posters directory that looked stale but was left alone."""

    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    left_alone: list[tuple[str, str]] = field(default_factory=list)
    card: list[Path] = field(default_factory=list)  # the legal-aid contact card's PDFs (qr.card)


def posters_dir(config: Config) -> Path:
    """Where posters live in the built site (``wagesafe build`` keeps this directory)."""
    return config.site_dir / "posters"


def _render_chunk(items: list[tuple[PosterContent, str]], formats: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """Pool task: render a chunk of projects; return (code, error message or None) for each."""
    results = []
    for content, out_dir in items:
        try:
            render_project(content, Path(out_dir), formats)
            results.append((content.code, None))
        except Exception as e:  # one broken poster must not stop the other 1,999
            results.append((content.code, f"project {content.code}: rendering failed: {e}"))
    return results


def _chunks(items: list, jobs: int) -> list[list]:
    """About eight chunks per worker: large enough to amortize a task, small enough to balance the cores."""
    size = max(1, min(64, len(items) // (jobs * 8) or 1))
    return [items[i:i + size] for i in range(0, len(items), size)]


def _progress(total: int, show: bool | None):
    """A tqdm bar on stderr for long runs at a terminal; a no-op object otherwise."""
    from tqdm import tqdm

    if show is None:
        show = total >= 50 and sys.stderr.isatty()
    return tqdm(total=total, unit="poster", file=sys.stderr, disable=not show, leave=False)


def build_posters(config: Config, registry: Registry, codes: list[str] | None = None, *, force: bool = False,
                  jobs: int | None = None, formats: tuple[str, ...] = FORMATS,
                  progress: bool | None = None, prune: bool = True) -> BuildReport:
    """Write posters for ``codes`` (all projects when None) under ``<site_dir>/posters/<code>/``.

    :param codes: project codes (the CLI names unknown ones before calling this).
    :param force: rebuild even projects whose fingerprint is unchanged.
    :param jobs: worker processes (default: every core); 1 renders in this process.
    :param formats: a subset of ``render.FORMATS``; the bench builds only ``("a4",)``.
    :param prune: after a build of every project (``codes`` None), delete the poster folders of
        codes no longer in the registry (see ``qr.prune``). A build of some codes never deletes:
        it says nothing about the projects it did not look at.
    :raises BaseUrlError: PUBLIC_BASE_URL cannot be printed (checked before anything is written).
    :raises FontNotFoundError: no CJK font is installed.
    :raises PosterError: a code in ``codes`` is not in the registry.
    """
    base_url = check_base_url(config.public_base_url, config.production)
    fonts = register_fonts()
    out = posters_dir(config)
    owner = manifest_county(out)
    if owner and owner != registry.county.code:
        raise PosterError(f"海报目录 {out} 属于 {owner}（见其 manifest.json），而登记册是 {registry.county.code} 的："
                          f"什么也没有改。请为本县设置自己的 WAGESAFE_SITE_DIR。 (the posters directory belongs to "
                          f"county {owner!r}; nothing was changed)")
    manifest = load_manifest(out)
    written_before = set(manifest) if owner else set()  # a manifest without a county (older) vouches for nothing
    if codes is not None:
        unknown = [c for c in codes if registry.project(c) is None]
        if unknown:
            raise PosterError(f"unknown project code(s): {', '.join(unknown)}")
    selected = [registry.project(c) for c in codes] if codes is not None else list(registry.projects.values())
    report = BuildReport()
    todo: list[tuple[PosterContent, str]] = []
    pending: dict[str, dict] = {}
    for project in selected:
        try:
            content = poster_content(registry, project, base_url, config.provincial_qr_url, config.provincial_qr_label)
        except PosterError as e:
            report.errors.append((project.code, str(e)))
            manifest.pop(project.code, None)  # a poster without its required values must not count as current
            continue
        fp = content.fingerprint(fonts.identity)
        project_dir = out / project.code
        if not force and is_current(manifest.get(project.code), fp, formats, [project_dir / FILE_NAMES[f] for f in formats]):
            report.unchanged.append(project.code)
            continue
        todo.append((content, str(project_dir)))
        pending[project.code] = {"fingerprint": fp, "formats": sorted(formats)}

    jobs = max(1, jobs or os.cpu_count() or 1)
    with _progress(len(todo), progress) as bar:
        if jobs == 1 or len(todo) < 8:
            results = (r for chunk in _chunks(todo, 1) for r in _render_chunk(chunk, formats))
            for code, error in results:
                _record(report, manifest, pending, code, error)
                bar.update(1)
        else:
            with ProcessPoolExecutor(max_workers=jobs, initializer=register_fonts) as pool:
                futures = [pool.submit(_render_chunk, chunk, formats) for chunk in _chunks(todo, jobs)]
                for future in as_completed(futures):
                    for code, error in future.result():
                        _record(report, manifest, pending, code, error)
                        bar.update(1)
    known = set(registry.projects)
    current = {code: entry for code, entry in manifest.items() if code in known}
    # Removed projects' entries stay listed until their folder is pruned: the manifest is this county's
    # only proof that it wrote them (a --keep-removed or partial run must not forget them).
    stale = {code: entry for code, entry in manifest.items() if code not in known}
    pruning = prune and codes is None
    save_manifest(out, current if pruning and owner else {**current, **stale}, registry.county.code)
    report.card = build_card(registry, out, base_url)  # the county's card: two small PDFs, every run
    if pruning:  # after the manifest: it no longer lists what is about to go
        pruned = prune_posters(out, known | {CARD_DIR}, written=written_before)
        report.removed, report.left_alone = pruned.removed, pruned.left_alone
        kept = {name for name, _ in pruned.left_alone if name in stale}
        if kept:  # still ours, still there: keep vouching for it
            save_manifest(out, {**current, **{c: stale[c] for c in kept}}, registry.county.code)
    return report


def _record(report: BuildReport, manifest: dict, pending: dict, code: str, error: str | None) -> None:
    if error:
        report.errors.append((code, error))
        manifest.pop(code, None)
    else:
        report.built.append(code)
        manifest[code] = pending[code]
