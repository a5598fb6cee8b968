"""The form service: complaint intake, status, officer desk and notices (Flask).

``create_app`` is the only entry point; gunicorn runs ``formsvc.wsgi:app``. The registry
and configuration are read once at start; a database connection is opened per request.
"""

from __future__ import annotations

from flask import Flask, g

from wagesafe.config import Config
from wagesafe.registry import load_registry

from . import store


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
    app.extensions["wagesafe_registry"] = load_registry(config.data_dir)
    config.upload_dir.mkdir(parents=True, exist_ok=True)
    store.migrate(store.connect(config.database))

    @app.teardown_appcontext
    def close_db(_exc):
        db = g.pop("db", None)
        if db is not None:
            db.close()

    from .desk import bp as desk_bp
    from .intake import bp as intake_bp

    app.register_blueprint(intake_bp)
    app.register_blueprint(desk_bp)
    return app


def get_db():
    """The request's database connection, opened on first use."""
    from flask import current_app

    if "db" not in g:
        g.db = store.connect(current_app.config["WAGESAFE"].database)
    return g.db


def get_registry():
    from flask import current_app

    return current_app.extensions["wagesafe_registry"]


def get_config() -> Config:
    from flask import current_app

    return current_app.config["WAGESAFE"]
