"""When the service cannot store a complaint: a polite 503 page, never a 500.

Two faults every server meets, both temporary, and in both nothing was stored (the write
transaction rolled back; ``_complaint_page`` deletes the staged uploads on any exception):

- **the database is locked** longer than the busy timeout (``sqlite3.OperationalError:
  database is locked``): a backup, a migration or a stuck process holds SQLite's write lock;
  SQLite's other operational failures ("disk I/O error", "database or disk is full") too;
- **the disk is full** while an upload is staged (``OSError`` ENOSPC or EDQUOT).

The worker is told, in their language, that the complaint was NOT saved and to press Back and
send it again in a minute or two (the browser keeps what they typed; the form's submission
token makes a second send one complaint, not two). Registered app-wide, so the desk gets the
same page instead of a traceback. Other ``OSError``s are not ours: they stay 500s.
"""

from __future__ import annotations

import errno
import logging
import sqlite3

from flask import render_template, render_template_string, request
from werkzeug.exceptions import MethodNotAllowed

from formsvc.web.context import get_registry
from formsvc.web import i18n
from .blueprint import bp

log = logging.getLogger("wagesafe.intake")
RETRY_AFTER_SECONDS = 60
DISK_FULL = {errno.ENOSPC, errno.EDQUOT}

PAGE = """{% extends "base.html" %}
{% block title %}{{ title }}{% endblock %}
{% block main %}
<h1>{{ title }}</h1>
{% for p in body %}<p>{{ p | tel_links }}</p>{% endfor %}
<p><a href="{{ url_for('intake.general_form') }}">{{ link }}</a></p>
{% endblock %}"""

WORDS = {
    "zh": dict(title="系统繁忙，您的投诉没有保存",
               body=["服务器暂时无法保存内容，这次提交没有保存，也没有人收到。",
                     "请按浏览器的“返回”键回到表单（您填写的内容还在），等一两分钟后再点一次提交。"
                     "重复提交不会生成两件投诉。",
                     "着急可以直接拨打人社服务热线 12333。"],
               link="打开投诉表单"),
    "en": dict(title="Busy: your complaint was NOT saved",
               body=["The server could not save anything just now: this complaint was not stored and nobody was told.",
                     "Press Back to return to the form (what you typed is still there), wait a minute or two and "
                     "send it again. Sending twice will not make two complaints.",
                     "If it is urgent, call 12333."],
               link="Open the complaint form"),
}


def _busy_page():
    lang = i18n.choose_lang(request.args.get("lang"), request.cookies.get(i18n.COOKIE))
    words = WORDS["en" if lang == "en" else "zh"]
    html = render_template_string(PAGE, lang=lang, **words)
    return html, 503, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


@bp.app_errorhandler(sqlite3.OperationalError)
def database_unavailable(e):
    log.warning("%s %s: database unavailable (%s); answered 503", request.method, request.path, e)
    return _busy_page()


@bp.app_errorhandler(OSError)
def disk_full(e):
    if getattr(e, "errno", None) not in DISK_FULL:
        raise e  # not ours: Flask answers 500 and logs it
    log.error("%s %s: disk full (%s); nothing stored; answered 503", request.method, request.path, e)
    return _busy_page()


# --- requests no form of ours can produce: a polite page in the worker's language, never a 500 --------


def polite_page(title_key: str, body_key: str, status: int, headers: dict | None = None):
    """``intake/message.html`` for any request, also one no intake route matched (no blueprint context)."""
    lang = i18n.choose_lang(request.args.get("lang"), request.cookies.get(i18n.COOKIE))
    html = render_template("intake/message.html", title_key=title_key, body_key=body_key, lang=lang,
                           t=lambda key, **kw: i18n.t(key, lang, **kw), switch_url="", county=get_registry().county)
    return html, status, {"Cache-Control": "no-store", **(headers or {})}


def has_nameless_part() -> bool:
    """A multipart part without a ``name`` (no browser sends one) gives ``request.form`` a ``None`` key,
    on which Flask-WTF's CSRF check would crash; ``create_app`` refuses such a request before it."""
    if request.mimetype != "multipart/form-data" or request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    return None in request.form or None in request.files


def refuse_nameless_parts():
    """App-wide ``before_request`` (registered before CSRF protection): 400 with the polite page."""
    if has_nameless_part():
        log.info("%s %s: multipart part without a name; answered 400", request.method, request.path)
        return polite_page("bad_request_title", "bad_request_body", 400)
    return None


@bp.app_errorhandler(MethodNotAllowed)
def method_not_allowed(e):
    allow = {"Allow": ", ".join(sorted(e.valid_methods))} if e.valid_methods else {}
    return polite_page("method_title", "method_body", 405, allow)
