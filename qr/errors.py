"""Errors the poster builder reports to an editor in plain words (the CLI prints them, no traceback)."""

from __future__ import annotations


class PosterError(Exception):
    """Something stops posters from being built; the message says how to fix it."""


class BaseUrlError(PosterError):
    """PUBLIC_BASE_URL cannot go on a poster: printed posters outlive a wrong address for years."""


class FontNotFoundError(PosterError):
    """No CJK TrueType font is installed: without one the poster would print tofu boxes."""


class MissingFieldError(PosterError):
    """A project lacks a value the law requires on its site notice (art. 34)."""

    def __init__(self, code: str, field: str, where: str = "data/projects.csv"):
        self.code, self.field, self.where = code, field, where
        super().__init__(f"project {code}: '{field}' is empty ({where}); the site notice must show it "
                         f"(《保障农民工工资支付条例》第三十四条)")
