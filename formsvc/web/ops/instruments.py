"""What only a web process sees, counted with prometheus_client: request timings by route group,
refusals (429) and server errors (5xx).

Under gunicorn each worker process keeps its own counts in files under ``PROMETHEUS_MULTIPROC_DIR``
(prometheus_client's multiprocess mode; ``wagesafe serve`` sets and empties it at each start) and
``/metrics`` adds them up over every process. In the demo, one process, they are read directly.

The timing wraps the WSGI app, so every answer counts, also those Flask never sees whole (a 413 for
a too-large body, a 500). Recording never breaks a request: a metrics error is swallowed.
"""

from __future__ import annotations

import os
import time

try:
    from prometheus_client import CollectorRegistry, Counter, Histogram
    from prometheus_client.multiprocess import MultiProcessCollector
except ImportError:  # a virtualenv made before the dependency came: the service runs, /metrics says why not
    Histogram = Counter = None

# Route groups, by path prefix (the first that matches): what an operator tells apart on a dashboard.
GROUPS = (("/r/", "complaint"), ("/complain", "complaint"), ("/receipt/", "receipt"), ("/status", "status"),
          ("/desk/login", "desk_signin"), ("/desk", "desk"), ("/open311/", "open311"), ("/tools/", "tools"),
          ("/static/", "static"), ("/healthz", "ops"), ("/readyz", "ops"), ("/metrics", "ops"),
          ("/dev/", "demo"))
METHODS = ("GET", "HEAD", "POST")

AVAILABLE = Histogram is not None
if AVAILABLE:
    REQUEST_SECONDS = Histogram(
        "wagesafe_http_request_duration_seconds", "Time to answer a request (to its first byte), by route group",
        labelnames=["group", "method"], registry=None,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
    REFUSALS = Counter("wagesafe_rate_limit_refusals", "Requests refused with 429 (a rate limit), by route group",
                       labelnames=["group"], registry=None)
    ERRORS = Counter("wagesafe_http_server_errors", "Answers with a 5xx status, by route group",
                     labelnames=["group"], registry=None)


def route_group(path: str) -> str:
    for prefix, group in GROUPS:
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return group
    return "other"


def observe(path: str, method: str, status: int, seconds: float) -> None:
    if not AVAILABLE:
        return
    group = route_group(path)
    REQUEST_SECONDS.labels(group, method if method in METHODS else "other").observe(seconds)
    if status == 429:
        REFUSALS.labels(group).inc()
    elif status >= 500:
        ERRORS.labels(group).inc()


class RequestMetrics:
    """WSGI middleware: times each request and counts its refusals and errors."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        start = time.perf_counter()
        status = [500]

        def recording_start_response(status_line, headers, exc_info=None):
            status[0] = int(status_line[:3])
            return start_response(status_line, headers, exc_info)

        try:
            return self.app(environ, recording_start_response)
        finally:
            try:
                observe(environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", ""), status[0],
                        time.perf_counter() - start)
            except Exception:  # noqa: BLE001 - a metric must never cost a worker their answer
                pass


def multiprocess_dir() -> str | None:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return path if path and os.path.isdir(path) else None


def add_to(registry) -> None:
    """Put this process's figures (or, under gunicorn, every process's) into ``registry``."""
    if not AVAILABLE:
        return
    path = multiprocess_dir()
    if path:
        MultiProcessCollector(registry, path=path)
    else:
        for metric in (REQUEST_SECONDS, REFUSALS, ERRORS):
            registry.register(metric)
