"""Serving the built portal (``site/``) from the form service, for the demo only.

In production nginx serves ``site/`` and proxies the form service's paths; the demo has no
nginx, so one process serves both at http://127.0.0.1:8000. The blueprint's catch-all rule
is the least specific rule of the app, so the service's own routes (``/r/``, ``/complain``,
``/status``, ``/desk``, ``/dev/mail``, ``/healthz``, ``/static``) always win. Like a static
web server it maps ``dir/`` to ``dir/index.html`` (redirecting ``dir`` to ``dir/`` so the
page's relative links resolve) and answers unknown paths with the site's ``404.html``.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, request, send_file
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join

# Types a system's mime.types may lack or get wrong; browsers refuse a script or font served wrongly.
for _type, _ext in (("text/javascript", ".js"), ("text/css", ".css"), ("image/svg+xml", ".svg"),
                    ("font/woff2", ".woff2"), ("font/woff", ".woff"), ("application/json", ".json"),
                    ("application/manifest+json", ".webmanifest"), ("application/pdf", ".pdf"),
                    ("image/png", ".png"), ("application/xml", ".xml"), ("text/plain", ".txt")):
    mimetypes.add_type(_type, _ext)

_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>WageSafe</title>
<h1>门户尚未生成 The portal is not built yet</h1>
<p>运行 Run <code>.venv/bin/wagesafe build</code> (or <code>make run</code>), then reload.</p>
<p>表单服务可以使用 The form service works: <a href="/complain">/complain</a> · <a href="/desk/">/desk/</a>
· <a href="/dev/mail/">/dev/mail/</a></p>"""


def make_blueprint(site_dir: Path) -> Blueprint:
    """A blueprint serving the files under ``site_dir`` at ``/``."""
    site_dir = Path(site_dir)
    bp = Blueprint("devsite", __name__)

    @bp.get("/", defaults={"path": ""})
    @bp.get("/<path:path>")
    def page(path: str):
        if not site_dir.is_dir():
            return (_NOT_BUILT, 200 if path == "" else 404, {"Content-Type": "text/html; charset=utf-8"})
        target = safe_join(str(site_dir), path) if path else str(site_dir)
        if target is None:
            abort(404)
        file = Path(target)
        if file.is_dir():
            if path and not path.endswith("/"):
                return redirect(request.script_root + "/" + path + "/", code=308)
            file = file / "index.html"
        if not file.is_file() and path == "favicon.ico":
            # Browsers ask for /favicon.ico on every visit: the portal's icon, not a 13 KB 404 page.
            icon = site_dir / "assets" / "images" / "favicon.png"
            if icon.is_file():
                return send_file(icon, mimetype="image/png", max_age=86400)
            return send_file(Path(current_app.static_folder) / "favicon.svg", mimetype="image/svg+xml", max_age=86400)
        if not file.is_file():
            _redirect_to_service_route(path)
            abort(404)
        return send_file(file, max_age=0, conditional=True)

    @bp.app_errorhandler(404)
    def not_found(error: HTTPException):
        page_404 = site_dir / "404.html"
        if page_404.is_file() and request.endpoint in (None, "devsite.page"):  # not a service page's own 404
            return send_file(page_404, mimetype="text/html", max_age=0), 404
        return error

    return bp


def _redirect_to_service_route(path: str) -> None:
    """``/desk`` reaches the catch-all before Werkzeug's slash redirect: send it to ``/desk/``."""
    if path.endswith("/"):
        return
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match("/" + path + "/", method="GET")
    except HTTPException:  # no route, a redirect, a method mismatch: leave it to the 404
        return
    if not endpoint.startswith("devsite."):
        abort(redirect(request.script_root + "/" + path + "/", code=308))
