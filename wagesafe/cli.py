"""``wagesafe``: the one command for every task an editor or operator runs.

Each command parses its options, calls one library function and turns known errors into a
clear message and a non-zero exit (never a traceback). Commands that belong to one part of
the system live beside it (``wagesafe.sitegen.commands``, ``qr.commands``,
``formsvc.commands``) and are added to this group here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .config import Config
from .registry import Registry, RegistryError, load_registry


def load_or_exit(config: Config) -> Registry:
    """Load the registry, or print every problem and exit 1: no command runs on an invalid registry."""
    try:
        return load_registry(config.data_dir)
    except RegistryError as e:
        click.echo(e.report(), err=True)
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wagesafe")
@click.pass_context
def main(ctx: click.Context) -> None:
    """WageSafe (薪安通): registry, portal, posters, complaint service and desk."""
    try:
        ctx.obj = Config.from_env()
    except ValueError as e:
        raise click.ClickException(f"a setting is not valid: {e}") from None


@main.command()
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="registry directory (default: WAGESAFE_DATA_DIR or data/)")
@click.pass_obj
def check(config: Config, data_dir: Path | None) -> None:
    """Validate the registry and report every problem at once."""
    try:
        reg = load_registry(data_dir or config.data_dir)
    except RegistryError as e:
        click.echo(e.report(), err=True)
        sys.exit(1)
    click.echo(f"registry OK: {len(reg.townships)} townships, {len(reg.projects)} projects, "
               f"{len(reg.legal_aid)} legal-aid places, {len(reg.departments)} departments")


@main.command()
@click.option("--projects", "n", type=click.IntRange(1, 200_000), default=2000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="directory to write the registry into")
def synth(n: int, seed: int, out: Path) -> None:
    """Write a synthetic registry of N projects (valid by construction), for benchmarks."""
    from .synth import write_registry

    write_registry(out, n, seed=seed)
    click.echo(f"wrote a registry of {n} projects to {out}")


def _add_part_commands() -> None:
    """Add the commands that live beside each part of the system."""
    from formsvc.commands import commands as formsvc_commands
    from formsvc.desk_commands import commands as desk_commands
    from qr.commands import commands as qr_commands

    from .ops_commands import commands as ops_commands
    from .sitegen.commands import commands as site_commands

    for cmd in [*site_commands, *qr_commands, *formsvc_commands, *desk_commands, *ops_commands]:
        main.add_command(cmd)


_add_part_commands()
