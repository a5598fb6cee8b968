"""``wagesafe``: the one command for every task an editor or operator runs.

This module only assembles the group. Each command lives beside the part it serves
(``wagesafe.registry.commands``, ``wagesafe.sitegen.commands``, ``qr.commands``,
``formsvc.commands``, operator commands included); each parses its options, calls one library
function and turns known errors into a clear message and a non-zero exit (never a traceback).
It is the one module of ``wagesafe/`` that imports an output (``formsvc``, ``qr``); nothing imports
this module back: the helper the commands share (``load_or_exit``) lives in
``wagesafe.registry.commands``.
"""

from __future__ import annotations

import click

from formsvc.commands import commands as formsvc_commands
from qr.commands import commands as qr_commands

from .config import Config, with_demo_address
from .registry.commands import commands as registry_commands
from .sitegen.commands import commands as site_commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wagesafe")
@click.pass_context
def main(ctx: click.Context) -> None:
    """WageSafe (薪安通): registry, portal, posters, complaint service and desk."""
    try:
        ctx.obj = with_demo_address(Config.from_env())  # a demo's own port, once it ran
    except ValueError as e:
        raise click.ClickException(f"a setting is not valid: {e}") from None


for _command in [*registry_commands, *site_commands, *qr_commands, *formsvc_commands]:
    main.add_command(_command)
