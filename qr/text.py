"""Mixed Chinese/Latin text on a canvas: ``wagesafe.pdf.text`` (shared with the form service)."""

from wagesafe.pdf.text import draw_text, fit_size, wrap  # noqa: F401
