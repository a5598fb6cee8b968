"""The registry as it is now: reloaded when a file of ``data/`` changed (a desk edit, a hand edit,
a ``git pull``), so the form service and the worker never need a restart to know a new project.

A change that does not load (a hand edit broke the file) keeps the last good registry in use: the
complaint form keeps working, ``wagesafe check`` and the desk's rebuild status say what is wrong.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from .loader import load_registry
from .model import Registry
from .problems import RegistryError

log = logging.getLogger(__name__)


def _stamp(data_dir: Path) -> tuple:
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                            for p in data_dir.iterdir() if p.is_file()))
    except OSError:
        return ()


class RegistryWatch:
    """``current()``: the registry, reloaded when its directory's files changed (looked at most once a second)."""

    def __init__(self, data_dir: Path, registry: Registry | None = None, every: float = 1.0):
        self.data_dir = Path(data_dir)
        self.every = every
        self._lock = threading.Lock()
        self._stamp = _stamp(self.data_dir)
        self._registry = registry if registry is not None else load_registry(self.data_dir)
        self.first = self._registry
        self._looked = time.monotonic()

    def current(self) -> Registry:
        if time.monotonic() - self._looked < self.every:
            return self._registry
        with self._lock:
            self._looked = time.monotonic()
            stamp = _stamp(self.data_dir)
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._registry = load_registry(self.data_dir)
                    log.info("registry reloaded from %s", self.data_dir)
                except RegistryError as err:
                    log.error("registry changed but is not valid; the last good one stays in use:\n%s", err.report())
        return self._registry
