"""Per-request accessors the blueprints share: the thread's database connection, the registry and
the configuration that ``formsvc.create_app`` put on the app.
"""

from __future__ import annotations

import os
import threading

from flask import g

from wagesafe.config import Config

from formsvc.storage import store

_thread_db = threading.local()


def get_db():
    """The request's database connection: one per thread (and process), opened on first use, kept open.

    Why kept: closing the last connection to a WAL database checkpoints it (with an fsync) and
    opening one runs the PRAGMAs again; per request that cost more than the whole complaint
    transaction. A gunicorn worker thread serves one request at a time, so a thread's connection
    is never shared; the connection runs in autocommit mode, so nothing stays open between
    requests. Only the connection of the last database used is kept (tests build many apps).
    """
    from flask import current_app

    if "db" not in g:
        key = (os.getpid(), str(current_app.config["WAGESAFE"].database))
        cached = getattr(_thread_db, "conn", None)
        if cached is None or cached[0] != key:
            if cached is not None and cached[0][0] == os.getpid():
                cached[1].close()
            _thread_db.conn = cached = (key, store.connect(key[1]))
        g.db = cached[1]
    return g.db


def get_registry():
    """The registry, as ``data/`` is now (``wagesafe.registry.watch``); one per request."""
    from flask import current_app

    if "registry" not in g:
        watch = current_app.extensions.get("wagesafe_registry_watch")
        if watch is not None:
            latest = watch.current()
            if latest is not current_app.extensions.get("wagesafe_registry_seen", watch.first):
                current_app.extensions["wagesafe_registry_seen"] = latest
                current_app.extensions["wagesafe_registry"] = latest
        g.registry = current_app.extensions["wagesafe_registry"]
    return g.registry


def get_config() -> Config:
    from flask import current_app

    return current_app.config["WAGESAFE"]


def get_partners():
    """The partner counties (``partners.yaml``), read once per request. A broken file means no
    partners, never an error page: the problems are logged and kept in ``g.partner_problems`` for
    the county desk's banner (``desk/_partners_banner.html``)."""
    import logging

    from wagesafe.registry.partners import check_partners, partners_source

    if "partners" not in g:
        config = get_config()
        g.partners, g.partner_problems = check_partners(partners_source(config), production=config.production)
        if g.partner_problems:
            logging.getLogger("wagesafe.open311").error("partners.yaml is broken, no partner county used: %s",
                                                        "; ".join(g.partner_problems))
    return g.partners


def get_partner_problems() -> list[str]:
    get_partners()
    return g.partner_problems
