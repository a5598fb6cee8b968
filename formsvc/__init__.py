"""The form service: complaint intake, status, officer desk and notices (Flask).

``create_app`` is the only entry point; gunicorn runs ``formsvc.wsgi:app``. The registry
and configuration are read once at start; each thread keeps one database connection (``get_db``).
"""

from __future__ import annotations

import os
import threading

from flask import Flask, g

from wagesafe.config import Config
from wagesafe.registry import load_registry

from . import evidence, store


def create_app(config: Config | None = None) -> Flask:
    """Build the Flask app from a ``Config`` (default: the environment)."""
    config = config or Config.from_env()
    if config.production:
        # Refuse before touching anything: the same report as `wagesafe config check`.
        from wagesafe.config_check import UnsafeConfigError, problems

        found = problems(config)
        if found:
            raise UnsafeConfigError(found)
    app = Flask(__name__)
    # A fast path for the multipart body of a complaint without files (same result as Werkzeug's parser).
    from .intake.multipart import Request

    app.request_class = Request
    if config.trusted_proxies > 0:
        # Behind nginx the client's address and scheme arrive in X-Forwarded-For/Proto; trust exactly
        # as many hops as there are proxies, so a client cannot fake its IP to dodge the rate limit.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.config.update(
        SECRET_KEY=config.secret_key,
        DEBUG=config.debug,
        MAX_CONTENT_LENGTH=int((config.max_upload_mb * config.max_uploads + 1) * 1024 * 1024),
        WAGESAFE=config,
    )
    # Every POST (worker forms and the desk) needs the form's CSRF token; a bench app may turn
    # it off with WTF_CSRF_ENABLED=False after create_app, never production.
    from flask_wtf.csrf import CSRFProtect

    from .intake.errors import refuse_nameless_parts

    app.before_request(refuse_nameless_parts)  # before CSRF: its check crashes on such a body
    CSRFProtect(app)
    app.extensions["wagesafe_registry"] = load_registry(config.data_dir)
    config.upload_dir.mkdir(parents=True, exist_ok=True)
    db = store.connect(config.database)
    try:
        store.migrate(db)
        # Uploads a crash left staged: publish those whose complaint was stored, delete the rest.
        # Cheap (a directory listing) and safe while other workers serve (see evidence.recover).
        evidence.recover(db, config.upload_dir)
    finally:
        db.conn.close()

    @app.teardown_appcontext
    def release_db(_exc):
        # The connection stays open for the thread's next request (see get_db); never leave it
        # inside a transaction that an exception interrupted.
        db = g.pop("db", None)
        if db is not None and db.conn.in_transaction:
            db.conn.execute("ROLLBACK")

    from .desk import bp as desk_bp
    from .intake import bp as intake_bp

    app.register_blueprint(intake_bp)
    app.register_blueprint(desk_bp)
    return app


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
    from flask import current_app

    return current_app.extensions["wagesafe_registry"]


def get_config() -> Config:
    from flask import current_app

    return current_app.config["WAGESAFE"]
