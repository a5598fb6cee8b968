"""The README and the manual document every setting and every command, and what they document exists.

An undocumented knob is one nobody finds; a documented command, make target, setting or link that does
not exist sends a county's operator the wrong way at the worst moment. The README keeps what WageSafe is,
the two commands and the demo; everything else is in ``manual/*.md``, and every page is checked here the
way the README's commands always were.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from wagesafe.cli import main
from wagesafe.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
MANUAL = ROOT / "manual"
PAGES = [ROOT / "README.md", *sorted(MANUAL.glob("*.md"))]
TEXT = {page: page.read_text(encoding="utf-8") for page in PAGES}
ALL_DOCS = "\n".join(TEXT.values())
CONFIGURATION = MANUAL / "configuration.md"

# Environment variables the pages name that are not settings of the service, each with why.
NOT_SETTINGS = {
    "WAGESAFE_E2E_CHROMIUM",  # the browser tests' Chromium (manual/developers.md)
    "WAGESAFE_PROMTOOL",  # promtool for tests/test_alert_rules.py (manual/developers.md)
    "WAGESAFE_E2E_SCREENSHOTS",  # where the browser tests keep their screenshots (manual/developers.md)
    "PARTNER_KEY_BAISHUI",  # an example of a partners.yaml `key_setting` (manual/partners.md)
}


def _page_name(page: Path) -> str:
    return str(page.relative_to(ROOT))


def _config_table(text: str | None = None) -> dict[str, str]:
    """name → default, from the rows of manual/configuration.md's table."""
    text = CONFIGURATION.read_text(encoding="utf-8") if text is None else text
    return dict(re.findall(r"^\| `([A-Z0-9_]+)` \| (.*?) \| .+ \|$", text, flags=re.M))


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_setting_is_in_the_configuration_table(setting):
    table = _config_table()
    assert setting.name in table, f"{setting.name} is missing from the table in manual/configuration.md"
    documented = table[setting.name]
    if setting.default and len(setting.default) < 60:  # long URLs are shortened in the table
        assert documented == f"`{setting.default}`", f"{setting.name}: manual/configuration.md says {documented}"
    elif not setting.default:
        assert documented == "(empty)", f"{setting.name}: manual/configuration.md says {documented}"


def test_configuration_table_lists_only_real_settings():
    names = {s.name for s in SETTINGS}
    assert sorted(set(_config_table()) - names) == []


def _commands(group: click.Group, prefix: str = "wagesafe") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        out.append(f"{prefix} {name}")
        if isinstance(cmd, click.Group) and name in ("config", "deploy", "backup"):  # groups whose subcommand is the point
            out += _commands(cmd, f"{prefix} {name}")
    return out


@pytest.mark.parametrize("command", _commands(main))
def test_command_is_documented(command):
    assert re.search(rf"`{re.escape(command)}[ `]", ALL_DOCS), \
        f"`{command}` is mentioned neither in the README nor in manual/*.md"


@pytest.mark.parametrize("command", sorted(main.commands))
def test_command_is_in_the_operators_list(command):
    """The operator's "Every command" table names every command (the one place to look them all up)."""
    text = (MANUAL / "operator.md").read_text(encoding="utf-8")
    every = text.split("\n## Every command", 1)[1].split("\n## ", 1)[0]
    assert re.search(rf"^\| `wagesafe {re.escape(command)}[ `]", every, flags=re.M), \
        f"`wagesafe {command}` is missing from manual/operator.md's Every command table"


def _code(text: str):
    """(line number, code) for each fenced block line and each inline code span of a Markdown text."""
    fenced = False
    prose = []
    for number, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            prose.append("")
            continue
        if fenced:
            yield number, line
            prose.append("")
        else:
            prose.append(line)
    flat = "\n".join(prose)
    for span in re.finditer(r"`([^`]+)`", flat):
        yield flat.count("\n", 0, span.start()) + 1, span.group(1).replace("\n", " ")


# `wagesafe …`, `.venv/bin/wagesafe …`, `wagesafe-admin …`; not the system user (`sudo -u wagesafe git`),
# not paths (`/srv/wagesafe/site`), units (`wagesafe-web`) or files (`wagesafe.env`).
_INVOCATION = re.compile(r"(?<![\w/.-])(?<!-u )(?<!-o )(?<!-g )(?:\S*\.venv/bin/)?wagesafe(?:-admin)?(?= |$)"
                         r"((?: +[a-z][\w-]*)*)")


def _invocations(text: str) -> list[tuple[int, list[str]]]:
    found = []
    for number, code in _code(text):
        for match in _INVOCATION.finditer(code):
            words = match.group(1).split()
            if words:
                found.append((number, words))
    return found


def _unknown_command(words: list[str]) -> str | None:
    """The part of a documented invocation that the `wagesafe` command does not have, or None."""
    command = main.commands.get(words[0])
    if command is None:
        return f"wagesafe {words[0]}"
    if isinstance(command, click.Group) and len(words) > 1 and words[1] not in command.commands:
        return f"wagesafe {words[0]} {words[1]}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=_page_name)
def test_documented_commands_exist(page):
    """Every `wagesafe …` a page tells someone to type is a command (and subcommand) that exists."""
    wrong = [f"{_page_name(page)}:{n}: {bad}" for n, words in _invocations(TEXT[page])
             if (bad := _unknown_command(words))]
    assert wrong == []


def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", makefile, flags=re.M))


# `make` where a command starts (not the Debian package in `apt-get install make`).
_MAKE = re.compile(r"(?:^\s*|[;&|(]\s*|\bsudo\s+(?:-u\s+\S+\s+)?)make((?: +-[A-Za-z](?: +[^\s-]\S*)?)*) +([a-z][\w-]*)")


@pytest.mark.parametrize("page", PAGES, ids=_page_name)
def test_documented_make_targets_exist(page):
    targets = _make_targets()
    wrong = [f"{_page_name(page)}:{n}: make {m.group(2)}" for n, code in _code(TEXT[page])
             for m in _MAKE.finditer(code) if m.group(2) not in targets]
    assert wrong == []


def _unknown_settings(text: str) -> list[str]:
    """Names in a page's code that begin as some setting does (`SMTP_`, `OPEN311_`, `WAGESAFE_` …) but are
    no setting, nor `PREFIX_*` of some. Open311's statuses (`IN_PROGRESS`) and other words are left alone."""
    names = {s.name for s in SETTINGS}
    prefixes = tuple({n.split("_", 1)[0] + "_" for n in names})
    wrong = []
    for number, code in _code(text):
        for match in re.finditer(r"(?<![\w$<])([A-Z][A-Z0-9]*_[A-Z0-9_]*)(\*?)(?![\w>])", code):
            name, star = match.groups()
            if not name.startswith(prefixes):
                continue
            known = (any(n.startswith(name) for n in names) if star or name.endswith("_")
                     else name in names or name in NOT_SETTINGS)
            if not known:
                wrong.append(f"{number}: {name}{star}")
    return wrong


@pytest.mark.parametrize("page", PAGES, ids=_page_name)
def test_documented_settings_exist(page):
    """A setting named in a page's code is a real setting: a typo is caught."""
    assert _unknown_settings(TEXT[page]) == [], _page_name(page)


def _slug(heading: str) -> str:
    """The anchor GitHub (and most Markdown renderers) give a heading."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(text: str) -> set[str]:
    headings, fenced = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6} (.+)", line)):
            headings.append(m.group(1))
    return {_slug(h) for h in headings}


def _broken_links(page: Path, text: str) -> list[str]:
    broken = []
    for match in re.finditer(r"\]\(([^)\s]+)\)", text):
        target = match.group(1)
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{_page_name(page)}: {target} (no such file)")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file.read_text(encoding="utf-8")):
            broken.append(f"{_page_name(page)}: {target} (no such heading)")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=_page_name)
def test_links_lead_somewhere(page):
    assert _broken_links(page, TEXT[page]) == []


def test_readme_is_short_and_leads_to_every_manual_page():
    readme = TEXT[ROOT / "README.md"]
    assert len(readme.splitlines()) < 250, "the README keeps what WageSafe is, the two commands and the demo"
    assert "make run" in readme and "make test" in readme
    for page in sorted(MANUAL.glob("*.md")):
        assert f"](manual/{page.name})" in readme, f"the README does not link manual/{page.name}"


def test_docs_tests_can_fail():
    """The checks above really look: invented settings, commands, targets and links are caught."""
    assert "NO_SUCH_SETTING" not in _config_table()
    assert not re.search(r"`wagesafe no-such-command[ `]", ALL_DOCS)
    text = ("Run `wagesafe no-such-command` or\n```sh\nsudo wagesafe-admin users no-such\n"
            "sudo -u wagesafe git pull\n.venv/bin/wagesafe check\n```\n")
    unknown = [_unknown_command(words) for _, words in _invocations(text)]
    assert sorted(unknown, key=str) == [None, "wagesafe no-such-command", "wagesafe users no-such"]
    made = "```sh\nsudo -u ws make -C /srv/app no-such-target\napt-get install make git\n```"
    assert [m.group(2) for _, code in _code(made) for m in _MAKE.finditer(code)] == ["no-such-target"]
    assert "no-such-target" not in _make_targets()
    assert _broken_links(ROOT / "README.md", "[x](manual/no-such.md) [y](manual/operator.md#no-such)") == [
        "README.md: manual/no-such.md (no such file)", "README.md: manual/operator.md#no-such (no such heading)"]
    assert _unknown_settings("Set `SMTP_HOSTNAME=x` and `ALIYUN_SMS_*`, `IN_PROGRESS`.") == ["1: SMTP_HOSTNAME"]
    assert _slug("Transfer to another county (转送外县)") == "transfer-to-another-county-转送外县"
