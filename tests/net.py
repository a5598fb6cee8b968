"""Loopback helpers shared by the tests that start real servers."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
