"""Portal commands: ``wagesafe build``."""

from __future__ import annotations

import click

from wagesafe.config import Config


@click.command("build")
@click.option("-v", "--verbose", is_flag=True, help="show MkDocs' progress messages")
@click.pass_obj
def build_command(config: Config, verbose: bool) -> None:
    """Build the public portal into WAGESAFE_SITE_DIR (keeps its posters/)."""
    from mkdocs.exceptions import MkDocsException

    from wagesafe.registry.commands import load_or_exit

    from .build import PortalBuildError, build_site

    registry = load_or_exit(config)
    # The portal is public: readable by nginx, another user, whatever umask the caller runs with
    # (systemd's UMask=0027 for wagesafe-admin and the services protects the database, not this).
    import os

    os.umask(0o022)
    try:
        result = build_site(config, registry, verbose=verbose)
    except PortalBuildError as err:  # says why, file and line, Chinese first
        raise click.ClickException(str(err)) from None
    except MkDocsException as err:
        raise click.ClickException(f"the portal did not build: {err}") from None
    for warning in result.warnings:  # a clean build has none: each one is worth reading
        click.echo(f"WARNING: {warning}", err=True)
    click.echo(f"built {result.pages} pages ({result.projects} projects, zh + en) into {result.site_dir} "
               f"in {result.seconds:.1f} s; {result.gz_files} files precompressed")


commands: list = [build_command]
