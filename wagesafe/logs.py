"""Logs a machine can read: one line per event, as text or JSON (``LOG_FORMAT``), for the service
(gunicorn), the notice worker and the demo.

- **One line per event**: a traceback is folded into the same line (`` | `` between its lines in
  text, an ``exception`` field in JSON), so journald, a log shipper or ``grep`` never sees half an event.
- **JSON** (``LOG_FORMAT=json``): ``{"time", "level", "logger", "message"[, "exception"]}``, UTC times,
  UTF-8 as it is (Chinese stays readable).
- **Never a worker's mobile**: the code logs case and notice numbers, never names, mobiles or a
  worker's words; as a last net, anything shaped like a Chinese mobile number is masked in every line
  (an SMS provider's error message may quote the number it could not reach).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone

MOBILE = re.compile(r"(?<![\d.])(?:\+?86[- ]?)?1[3-9]\d{9}(?![\d])")
FORMATS = ("text", "json")


def scrub(text: str) -> str:
    """Mask mobile numbers (keep the first three digits: which carrier, not whose)."""
    return MOBILE.sub(lambda m: m.group(0)[:-8] + "********", text)


class OneLineFormatter(logging.Formatter):
    """``time level logger: message`` on one line, the traceback folded in."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)  # appends exc_info / stack_info on new lines
        return scrub(" | ".join(line for line in text.splitlines() if line.strip()))


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        event = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            event["stack"] = self.formatStack(record.stack_info)
        return scrub(json.dumps(event, ensure_ascii=False))


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else OneLineFormatter()


QUIET = {"werkzeug": logging.WARNING, "mail.log": logging.WARNING}  # aiosmtpd logs every SMTP command


def configure(log_format: str = "text", level: int = logging.INFO, stream=None) -> None:
    """Send every logger's records to stderr (or ``stream``), one line each, in ``log_format``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)


def dict_config(log_format: str) -> dict:
    """The same, as a ``logging.config.dictConfig`` for gunicorn (its own loggers included)."""
    handler = {"class": "logging.StreamHandler", "formatter": "wagesafe", "stream": "ext://sys.stderr"}
    access = {"class": "logging.StreamHandler", "formatter": "wagesafe", "stream": "ext://sys.stdout"}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"wagesafe": {"()": f"{__name__}.{type(formatter(log_format)).__name__}"}},
        "handlers": {"stderr": handler, "access": access},
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
                    "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
                    **{name: {"level": logging.getLevelName(quiet)} for name, quiet in QUIET.items()}},
    }
