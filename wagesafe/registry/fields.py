"""Reading one record's fields while collecting problems instead of raising.

Both CSV rows and YAML mappings go through ``Fields`` so that every file reports problems
the same way: file, line, field, reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from . import rules
from .problems import Problem


class Fields:
    """Typed access to one record; each bad or missing value adds a Problem and yields a default."""

    def __init__(self, file: str, line: int, data: dict[str, Any], problems: list[Problem],
                 key_lines: dict[str, int] | None = None, prefix: str = ""):
        self.file, self.line, self.data, self.problems = file, line, data or {}, problems
        self.key_lines = key_lines or {}
        self.prefix = prefix
        self.ok = True

    def problem(self, name: str, reason: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.file, self.key_lines.get(name, self.line), self.prefix + name, reason))

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str, required: bool = True) -> str:
        value = self.data.get(name)
        value = "" if value is None else str(value).strip()
        if required and not value:
            self.problem(name, "required field is missing")
        return value

    def _checked(self, name: str, required: bool, check, what: str, normalize=lambda v: v) -> str:
        value = self.text(name, required)
        if value:
            value = normalize(value)
            if not check(value):
                self.problem(name, f"'{value}' is not {what}")
                return ""
        return value

    def mobile(self, name: str, required: bool = True) -> str:
        return self._checked(name, required, rules.is_mobile, "a mainland mobile number (11 digits, 1[3-9]...)",
                             rules.normalize_mobile)

    def phone(self, name: str, required: bool = True) -> str:
        return self._checked(name, required, rules.is_phone,
                             "a phone number (0AAA-NNNNNNN, a mobile, or a service number such as 12333)")

    def email(self, name: str, required: bool = True) -> str:
        return self._checked(name, required, rules.is_email, "an email address")

    def date(self, name: str, required: bool = True) -> date | None:
        value = self.data.get(name)
        if isinstance(value, date):
            return value
        text = self.text(name, required)
        if not text:
            return None
        try:
            return rules.parse_date(text)
        except ValueError as e:
            self.problem(name, str(e))
            return None

    def integer(self, name: str, lo: int, hi: int, required: bool = True) -> int:
        text = self.text(name, required)
        if not text:
            return lo
        try:
            value = int(text)
        except ValueError:
            self.problem(name, f"'{text}' is not a whole number")
            return lo
        if not lo <= value <= hi:
            self.problem(name, f"{value} is not between {lo} and {hi}")
            return lo
        return value

    def number(self, name: str, lo: float, hi: float, required: bool = True) -> float:
        text = self.text(name, required)
        if not text:
            return lo
        try:
            value = float(text)
        except ValueError:
            self.problem(name, f"'{text}' is not a number")
            return lo
        if not lo <= value <= hi:
            self.problem(name, f"{value} is not between {lo} and {hi}")
            return lo
        return value

    def boolean(self, name: str) -> bool:
        value = self.data.get(name)
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip().lower()
        if text in ("", "0", "no", "n", "false", "否"):
            return False
        if text in ("1", "yes", "y", "true", "是"):
            return True
        self.problem(name, f"'{value}' is not yes or no")
        return False

    def choice(self, name: str, choices: tuple[str, ...], required: bool = True) -> str:
        value = self.text(name, required)
        if value and value not in choices:
            self.problem(name, f"'{value}' is not one of: {', '.join(choices)}")
            return ""
        return value

    def coordinates(self, lat_name: str = "lat", lon_name: str = "lon", required: bool = True):
        lat, lon = self.text(lat_name, required), self.text(lon_name, required)
        if not lat and not lon:
            return None, None
        try:
            return rules.parse_coordinate(lat, lon)
        except ValueError as e:
            self.problem(f"{lat_name}/{lon_name}", str(e))
            return None, None
