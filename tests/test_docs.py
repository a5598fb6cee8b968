"""The README documents every setting and every command: an undocumented knob is one nobody finds."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from wagesafe.cli import main
from wagesafe.config import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _config_table() -> dict[str, str]:
    """name → default, from the rows of the README's "Configuration" table."""
    section = README.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| (.*?) \| .+ \|$", section, flags=re.M)
    return dict(rows)


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_setting_is_in_the_readme_configuration_table(setting):
    table = _config_table()
    assert setting.name in table, f"{setting.name} is missing from the README's Configuration table"
    documented = table[setting.name]
    if setting.default and len(setting.default) < 60:  # long URLs are shortened in the table
        assert documented == f"`{setting.default}`", f"{setting.name}: README says {documented}"
    elif not setting.default:
        assert documented == "(empty)", f"{setting.name}: README says {documented}"


def _commands(group: click.Group, prefix: str = "wagesafe") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        out.append(f"{prefix} {name}")
        if isinstance(cmd, click.Group) and name in ("config", "deploy"):  # groups whose subcommand is the point
            out += _commands(cmd, f"{prefix} {name}")
    return out


@pytest.mark.parametrize("command", _commands(main))
def test_command_is_in_the_readme(command):
    assert re.search(rf"`{re.escape(command)}[ `]", README), f"`{command}` is not mentioned in the README"


def test_docs_tests_can_fail():
    """The checks above really look: an invented setting or command is not found."""
    assert "NO_SUCH_SETTING" not in _config_table()
    assert not re.search(r"`wagesafe no-such-command[ `]", README)
