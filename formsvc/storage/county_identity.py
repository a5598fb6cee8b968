"""Bind a database to its county at first use, and refuse another county's registry afterwards.

See ``wagesafe.county_identity`` for why. ``bind`` runs where the service and the commands that
write open the database (``create_app``, ``wagesafe db migrate``, the demo, ``users sync``): the
first run writes the registry's county code; every later run compares, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from wagesafe.county_identity import CountyMismatch

from .store import iso, utcnow, write_transaction


def bind(db, county_code: str, now: datetime | None = None) -> str:
    """Write ``county_code`` into the database if none is there yet; return the code it holds.

    :raises CountyMismatch: the database is another county's; nothing was changed.
    """
    with write_transaction(db):
        row = db.conn.execute("SELECT value FROM county_meta WHERE key = 'county_code'").fetchone()
        if row is None:
            db.conn.execute("INSERT INTO county_meta (key, value, set_at) VALUES ('county_code', ?, ?)",
                            (county_code, iso(now or utcnow())))
            return county_code
    if row[0] != county_code:
        raise CountyMismatch(getattr(db.conn, "path", "") or _path(db), row[0], county_code)
    return row[0]


def _path(db) -> str:
    try:
        return db.conn.execute("PRAGMA database_list").fetchone()[2]
    except Exception:  # noqa: BLE001 - only for the message
        return "the database"
