"""Registry commands (``wagesafe check``, ``wagesafe synth``) and ``load_or_exit``, the helper every
part's commands use to read the registry.

It lives here, below the commands of ``sitegen``, ``qr`` and ``formsvc``, so that they import it
without importing ``wagesafe.cli`` (which imports them: that was a circle).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wagesafe.config import Config

from . import Registry, RegistryError, load_registry


def load_or_exit(config: Config) -> Registry:
    """Load the registry, or print every problem and exit 1: no command runs on an invalid registry,
    nor on another county's database (``wagesafe.county_identity``)."""
    from wagesafe.county_identity import CountyMismatch, check

    try:
        registry = load_registry(config.data_dir)
    except RegistryError as e:
        click.echo(e.report(), err=True)
        sys.exit(1)
    try:
        check(config.database, registry.county.code)
    except CountyMismatch as e:
        click.echo(str(e), err=True)
        sys.exit(2)
    return registry


@click.command()
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="registry directory (default: WAGESAFE_DATA_DIR or data/)")
@click.pass_obj
def check(config: Config, data_dir: Path | None) -> None:
    """Validate the registry (and its partners.yaml) and report every problem at once."""
    from .partners import FILE_NAME, check_partners, partners_source

    partners, partner_problems = check_partners(data_dir or partners_source(config), production=config.production)
    for line in partner_problems:
        click.echo(line, err=True)
    try:
        reg = load_registry(data_dir or config.data_dir)
    except RegistryError as e:
        click.echo(e.report(), err=True)
        sys.exit(1)
    if partner_problems:
        click.echo(f"{FILE_NAME}：{len(partner_problems)} 个问题，修正后再运行 wagesafe check "
                   f"({len(partner_problems)} problem(s) in {FILE_NAME})", err=True)
        sys.exit(1)
    if partners.counties:
        click.echo(f"{FILE_NAME} OK: {len(partners.counties)} partner county(ies): {', '.join(partners.counties)}")
    click.echo(f"registry OK: {len(reg.townships)} townships, {len(reg.projects)} projects, "
               f"{len(reg.legal_aid)} legal-aid places, {len(reg.departments)} departments")


@click.command()
@click.option("--projects", "n", type=click.IntRange(1, 200_000), default=2000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="directory to write the registry into")
def synth(n: int, seed: int, out: Path) -> None:
    """Write a synthetic registry of N projects (valid by construction), for benchmarks."""
    from wagesafe.synth import write_registry

    write_registry(out, n, seed=seed)
    click.echo(f"wrote a registry of {n} projects to {out}")


commands: list = [check, synth]
