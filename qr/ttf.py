"""The unhinted Latin font: ``wagesafe.pdf.ttf`` (shared with the form service)."""

from wagesafe.pdf.ttf import strip_hinting  # noqa: F401
