"""Helpers for tests that break a registry on purpose: change one CSV cell or one YAML value."""

from __future__ import annotations

import csv
from pathlib import Path


def set_cell(path: Path, row_index: int, column: str, value: str) -> int:
    """Set ``column`` of data row ``row_index`` (0-based) and return its line number in the file."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
        fieldnames = list(rows[0].keys())
    rows[row_index][column] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return row_index + 2  # header is line 1


def append_row(path: Path, values: dict[str, str]) -> int:
    """Append a row (missing columns empty) and return its line number."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
        fieldnames = list(rows[0].keys())
    rows.append({k: values.get(k, "") for k in fieldnames})
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows) + 1


def row(path: Path, row_index: int) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))[row_index]
