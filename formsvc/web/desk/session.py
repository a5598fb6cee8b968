"""Desk sessions: who is signed in, since when, and the request hooks that enforce it.

The session cookie (signed with SECRET_KEY, HttpOnly, SameSite=Lax, ``Secure`` in production)
holds only a random session id; the session itself is a row on the server
(``formsvc.officers.sessions``), so signing out, a password change or an admin's "sign out
everywhere" end it for good, and a copied cookie is refused. Every request re-reads the account
(a deactivated officer is out at once) and the row: idle for ``SESSION_IDLE_MINUTES`` or signed in
more than ``SESSION_HOURS`` ago ends the session.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from formsvc.web.context import get_config, get_db
from formsvc.officers import sessions
from formsvc.officers.auth import ROLE_ZH, User, get_user
from formsvc.storage.store import utcnow
from .blueprint import bp

PUBLIC_ENDPOINTS = {"desk.login", "desk.login_link", "desk.use_link", "desk.logout"}


def now() -> datetime:
    """The desk's clock (tests may set ``DESK_CLOCK`` to a callable)."""
    clock = current_app.config.get("DESK_CLOCK")
    return clock() if clock else utcnow()


def client_ip() -> str:
    return request.remote_addr or ""


def safe_next(target: str | None) -> str:
    """Only a path inside the desk: never another host (an open redirect would let a phishing
    mail borrow our sign-in page)."""
    target = (target or "").strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/desk") or target.startswith("//") or "\\" in target:
        return url_for("desk.cases")
    return target


def sign_in(user: User) -> None:
    """A new server-side session (the old cookie's session, if any, is ended: no fixation)."""
    db = get_db()
    sessions.end(db, session.get("desk_sid", ""), now(), "signed in again")
    session.clear()
    session.permanent = True
    session["desk_sid"] = sessions.start(db, user.id, now(), client_ip(), request.headers.get("User-Agent", ""))


def sign_out(why: str = "sign-out") -> None:
    sessions.end(get_db(), session.pop("desk_sid", ""), now(), why)


def session_token() -> str:
    return session.get("desk_sid", "")


def current_user() -> User | None:
    return g.get("desk_user")


def _load_user() -> User | None:
    token = session.get("desk_sid")
    if not token:
        return None
    cfg = get_config()
    uid = sessions.check(get_db(), token, now(), idle=timedelta(minutes=cfg.session_idle_minutes),
                         absolute=timedelta(hours=cfg.session_hours))
    if uid is None:
        session.pop("desk_sid", None)
        return None
    user = get_user(get_db(), int(uid))
    return user if user and user.active else None


@bp.record_once
def _configure(state) -> None:
    app = state.app
    cfg = app.config["WAGESAFE"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=cfg.session_hours)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if cfg.production:
        app.config["SESSION_COOKIE_SECURE"] = True


@bp.before_request
def _guard():
    if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(request.form.get("csrf_token"))
        except (ValidationError, CSRFError):
            return _expired()
    g.desk_user = _load_user()
    if g.desk_user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        nxt = request.full_path if request.method == "GET" else request.path
        return redirect(url_for("desk.login", next=nxt.rstrip("?")))
    return None


def _expired():
    """A polite page in Chinese (with English below), not a bare English "Bad Request"."""
    return render_template("desk/expired.html"), 400, {"Cache-Control": "no-store"}


@bp.errorhandler(CSRFError)
def _csrf_refused(_e):
    return _expired()


@bp.after_request
def _headers(resp):
    # No caching of case data on shared phones; no referrer (a sign-in link carries a token);
    # no framing; styles only from our own stylesheet (static/desk.css), no scripts at all.
    resp.headers.setdefault("Cache-Control", "no-store")
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers.setdefault("Content-Security-Policy",
                            "default-src 'self'; style-src 'self'; img-src 'self' data:; "
                            "script-src 'none'; frame-ancestors 'none'; form-action 'self'")
    return resp


@bp.context_processor
def _template_globals():
    return {"csrf_token": generate_csrf, "me": g.get("desk_user"), "ROLE_ZH": ROLE_ZH}
