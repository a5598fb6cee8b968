"""Which county a database belongs to, so that no command and no server runs it with another
county's registry (issue 24).

Started on the wrong database (the second demo county's registry pointed at the first's
database), ``users sync`` deactivated every account the other registry did not list and the
poster pass deleted the other county's folders, without a word. The county's code is therefore
written into its database at first use (table ``county_meta`` of migration ``0011_i24_federation``,
by ``formsvc.storage.county_identity.bind``), and every later start compares it with the
registry's before anything is read or changed.

This module only *reads* (plain ``sqlite3``, read-only): ``wagesafe.registry.commands.load_or_exit``
calls it for every command that loads the registry, and ``wagesafe`` must not import ``formsvc``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


class CountyMismatch(RuntimeError):
    """The database belongs to another county than the registry; nothing was read or changed."""

    def __init__(self, database: Path | str, theirs: str, ours: str):
        self.database, self.theirs, self.ours = str(database), theirs, ours
        super().__init__(message(database, theirs, ours))


def message(database: Path | str, theirs: str, ours: str) -> str:
    return (f"数据库 {database} 属于 {theirs}，而登记册（WAGESAFE_DATA_DIR）是 {ours} 的：为免停用对方的账号或删除其海报，"
            f"什么也没有做。请把 WAGESAFE_DATABASE / WAGESAFE_VAR_DIR 指向 {ours} 自己的数据库，或换用 {theirs} 的登记册。 "
            f"(The database {database} belongs to county {theirs!r} but the registry is {ours!r}'s: nothing was done. "
            f"Point WAGESAFE_DATABASE/WAGESAFE_VAR_DIR at {ours}'s own database.)")


def recorded(database: Path | str) -> str | None:
    """The county code written in ``database``; ``None`` for no database yet or none written yet."""
    path = Path(database)
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT value FROM county_meta WHERE key = 'county_code'").fetchone()
    except sqlite3.Error:  # before migration 0011: no table yet
        return None
    finally:
        conn.close()
    return row[0] if row else None


def check(database: Path | str, county_code: str) -> None:
    """:raises CountyMismatch: ``database`` was bound to another county than ``county_code``."""
    theirs = recorded(database)
    if theirs is not None and theirs != county_code:
        raise CountyMismatch(database, theirs, county_code)
