"""Poster commands: ``wagesafe posters``.

The command parses its options, checks the codes, calls ``qr.build.build_posters`` and turns
known errors into a message and exit 1, never a traceback.
"""

from __future__ import annotations

import sys

import click

from wagesafe.config import Config

from .errors import PosterError


@click.command()
@click.argument("codes", nargs=-1)
@click.option("--force", is_flag=True, help="rebuild every selected poster, changed or not")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="worker processes (default: one per CPU core)")
@click.option("--keep-removed", is_flag=True,
              help="keep the poster folders of projects no longer in the registry")
@click.pass_obj
def posters(config: Config, codes: tuple[str, ...], force: bool, jobs: int | None, keep_removed: bool) -> None:
    """Build the site notice posters (A4 and A3 PDF, QR as SVG and PNG) of all projects or of CODES.

    Only projects whose printed values changed are rebuilt; files go to <SITE_DIR>/posters/<code>/.
    Without CODES, the posters of projects no longer in the registry are deleted (unless
    --keep-removed): the portal would keep serving them.
    """
    from wagesafe.registry.commands import load_or_exit

    from .build import build_posters, posters_dir

    registry = load_or_exit(config)
    import os

    os.umask(0o022)  # posters are public files nginx (another user) serves, whatever systemd's UMask
    selected = None
    if codes:
        unknown = [c for c in codes if registry.project(c) is None]
        if unknown:
            raise click.ClickException(
                f"unknown project code{'s' if len(unknown) > 1 else ''}: {', '.join(repr(c) for c in unknown)} "
                f"(not in {config.data_dir / 'projects.csv'})")
        selected = list(dict.fromkeys(registry.project(c).code for c in codes))
    try:
        report = build_posters(config, registry, selected, force=force, jobs=jobs, prune=not keep_removed)
    except PosterError as e:
        raise click.ClickException(str(e)) from None
    for _code, message in report.errors:
        click.echo(f"error: {message}", err=True)
    projects_csv = config.data_dir / "projects.csv"
    for code in report.removed:
        click.echo(f"removed: posters of {code} (no longer in {projects_csv})")
    for name, reason in report.left_alone:
        click.echo(f"left alone: {posters_dir(config) / name}: {reason}", err=True)
    for path in report.card:
        click.echo(f"legal-aid card: {path}")
    click.echo(f"posters: {len(report.built)} built, {len(report.unchanged)} unchanged, "
               f"{len(report.errors)} failed, {len(report.removed)} removed → {posters_dir(config)}")
    if report.errors:
        sys.exit(1)


commands = [posters]
