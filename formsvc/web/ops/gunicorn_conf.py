"""gunicorn's settings that ``wagesafe serve`` passes (``--config python:formsvc.web.ops.gunicorn_conf``).

- Logs: one line per event in ``LOG_FORMAT`` (``wagesafe.logs``), gunicorn's own included. The access
  log keeps the path without its query string and no Referer or User-Agent: a query may carry a
  receipt number with a worker's mobile, and the log is kept longer than the database is.
- Metrics: when a worker process exits, prometheus_client's multiprocess mode must be told, so
  ``/metrics`` stops adding up its live gauges (``child_exit``).
"""

from __future__ import annotations

import os

from wagesafe.logs import dict_config

_format = os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"
logconfig_dict = dict_config(_format if _format in ("text", "json") else "text")
# address, "METHOD path protocol" without the query, status, bytes, milliseconds
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        try:
            from prometheus_client import multiprocess
        except ImportError:
            return
        multiprocess.mark_process_dead(worker.pid)
