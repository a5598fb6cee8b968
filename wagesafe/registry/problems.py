"""Registry problems: every one found is reported at once, with where and why.

Editors fix a spreadsheet in one pass when they see every problem together; a loader
that stops at the first error makes them run the check once per mistake.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.reason}"


class RegistryError(Exception):
    """The registry has problems; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(self.report())

    def report(self) -> str:
        lines = [str(p) for p in self.problems]
        lines.append(f"{len(self.problems)} problem(s) in the registry; nothing was changed.")
        return "\n".join(lines)
