"""Worker-facing blueprint: the complaint form behind each QR code, the receipt, the status page."""

from .blueprint import bp  # noqa: F401  (what formsvc.create_app registers)
from . import views  # noqa: E402,F401  (registers the routes on bp)
from . import errors  # noqa: E402,F401  (polite 503 when the database is locked or the disk full)
from . import views_answer  # noqa: E402,F401  (the worker's answer after an outcome)
from . import phone_links  # noqa: E402,F401  (the tel_links filter: phone numbers a worker can tap)
