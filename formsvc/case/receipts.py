"""Receipt numbers: what the worker writes down or screenshots to check a case later.

Eight characters from a 32-character alphabet without the look-alikes 0/O and 1/I, shown
as ``XXXX-XXXX``: 40 bits from ``secrets``, so guessing one is hopeless, and short enough
to read aloud over the phone. Uniqueness is enforced by the database (``UNIQUE``); the
caller retries on the rare collision. Typed receipts are forgiving: lower case, spaces and
a missing or full-width dash are normalised before lookup.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 5 bits each
LENGTH = 8
_STORED_RE = re.compile(f"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def new_receipt() -> str:
    """A fresh random receipt, formatted ``XXXX-XXXX`` (as stored and shown): 40 random bits, 5 per symbol."""
    bits = secrets.randbits(5 * LENGTH)
    raw = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize(typed: str) -> str | None:
    """The stored form of a receipt a worker typed, or ``None`` if it cannot be one."""
    v = re.sub(r"[\s\-_.—–－]", "", (typed or "").upper())
    if len(v) != LENGTH:
        return None
    v = f"{v[:4]}-{v[4:]}"
    return v if _STORED_RE.match(v) else None


def is_receipt(value: str) -> bool:
    return bool(_STORED_RE.match(value or ""))
