"""The form service: complaint intake, status, officer desk and notices (Flask).

``create_app`` is the only entry point; gunicorn runs ``formsvc.wsgi:app``. The registry
and configuration are read once at start; each thread keeps one database connection
(``formsvc.web.context.get_db``).

The packages read as the architecture (HACKING.md has the picture):

- ``case``: the case and its rules (submit, routing, states, receipts, evidence, intake limits);
- ``notify``: the notice pipeline (outbox, notices, the worker, the senders);
- ``duties``: what the worker loop runs every minute (escalation, daily report, risk, retention);
- ``storage``: the SQLite schema and migrations, write turns, backup, the audit log;
- ``officers``: accounts, sign-in and who may see which case;
- ``web``: the blueprints (``intake`` for workers, ``desk`` for officers, ``ops`` for the operator's
  ``/readyz`` and ``/metrics``) and their templates;
- ``commands``: the ``wagesafe`` commands of the service;
- ``demo``: what only the demo uses (mail catcher, the portal served by Flask).
"""

from __future__ import annotations

from flask import Flask, g

from wagesafe.config import Config
from wagesafe.registry import load_registry
from wagesafe.registry.watch import RegistryWatch

from .case import evidence
from .storage import store


def create_app(config: Config | None = None) -> Flask:
    """Build the Flask app from a ``Config`` (default: the environment)."""
    config = config or Config.from_env()
    if config.production:
        # Refuse before touching anything: the same report as `wagesafe config check`.
        from wagesafe.config_check import UnsafeConfigError, problems

        found = problems(config)
        if found:
            raise UnsafeConfigError(found)
    # The app's own templates and static files live with the web parts (formsvc/web/).
    app = Flask(__name__, static_folder="web/static", template_folder="web/templates")
    # A fast path for the multipart body of a complaint without files (same result as Werkzeug's parser).
    from .web.intake.multipart import Request

    app.request_class = Request
    networks = config.trusted_proxy_networks
    if networks:
        # Behind nginx the client's address and scheme arrive in X-Forwarded-For/Proto; trusted only
        # when the connection comes from a configured proxy address (formsvc.web.proxies).
        from .web.proxies import TrustedProxies

        app.wsgi_app = TrustedProxies(app.wsgi_app, networks)
    app.config.update(
        SECRET_KEY=config.secret_key,
        DEBUG=config.debug,
        MAX_CONTENT_LENGTH=int((config.max_upload_mb * config.max_uploads + 1) * 1024 * 1024),
        WAGESAFE=config,
        # CSRF without the Referer trap (issue 15): the token in every form plus a SameSite=Lax
        # session cookie. Flask-WTF's strict Referer check refused, over https, every POST from a
        # browser or in-app browser that strips the Referer ("page expired" for a real worker).
        WTF_CSRF_SSL_STRICT=False,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        # Production is https only (`wagesafe config check`): the session cookie never travels in clear.
        SESSION_COOKIE_SECURE=config.production,
    )
    # Every POST (worker forms and the desk) needs the form's CSRF token; a bench app may turn
    # it off with WTF_CSRF_ENABLED=False after create_app, never production.
    from flask_wtf.csrf import CSRFProtect

    from .web.intake.errors import refuse_nameless_parts

    app.before_request(refuse_nameless_parts)  # before CSRF: its check crashes on such a body
    csrf = CSRFProtect(app)
    app.extensions["wagesafe_registry"] = load_registry(config.data_dir)
    # reloaded when data/ changes (a desk edit, a hand edit): formsvc.web.context.get_registry
    app.extensions["wagesafe_registry_watch"] = RegistryWatch(config.data_dir, app.extensions["wagesafe_registry"])
    config.upload_dir.mkdir(parents=True, exist_ok=True)
    db = store.connect(config.database)
    try:
        store.migrate(db)
        # This database is this county's (issue 24): another county's registry is refused before anything runs.
        from .storage import county_identity

        county_identity.bind(db, app.extensions["wagesafe_registry"].county.code)
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

    from .web.desk import bp as desk_bp
    from .web.intake import bp as intake_bp

    # Every time a person reads is in the county's zone (TIMEZONE); storage stays UTC.
    from wagesafe.localtime import format_local, iso_local

    @app.template_filter("local_time")
    def local_time(value, fmt: str = "%Y-%m-%d %H:%M", with_zone: bool = False, lang: str | None = None) -> str:
        # the zone in the page's language (北京时间 / Beijing time): the worker's pages set g.lang
        from flask import g

        return format_local(value, config.timezone, fmt, with_zone=with_zone, lang=lang or g.get("lang", "zh"))

    @app.template_filter("local_iso")
    def local_iso(value) -> str:
        return iso_local(value, config.timezone)

    # The portal's home, for the worker pages' way back (PUBLIC_BASE_URL: nginx, or the demo's
    # own server, serves the built portal at / and /en/).
    @app.template_global("portal_home")
    def portal_home(lang: str = "zh") -> str:
        return config.public_base_url.rstrip("/") + ("/en/" if lang == "en" else "/")

    app.register_blueprint(intake_bp)
    app.register_blueprint(desk_bp)
    # Open311 for partner systems: an API key authenticates each write, there is no session to forge.
    from .web.api import bp as open311_bp

    csrf.exempt(open311_bp)
    app.register_blueprint(open311_bp)
    from .web.tools import bp as tools_bp

    app.register_blueprint(tools_bp)  # the worker's tools: calculator answer, arbitration application
    from .web.ops import bp as ops_bp
    from .web.ops.instruments import RequestMetrics

    app.register_blueprint(ops_bp)  # /readyz, /metrics for the operator's tools
    app.wsgi_app = RequestMetrics(app.wsgi_app)  # request timings, refusals and errors for /metrics
    from .web import headers

    headers.init_app(app)  # one CSP, Referrer-Policy, X-Frame-Options, nosniff on every response
    return app
