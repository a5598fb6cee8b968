"""Security headers on every page the service answers, set once, here (issue 15).

Before, nginx added its own Content-Security-Policy and Referrer-Policy on top of the service's:
the desk got two CSPs and two Referrer-Policy headers (nginx's overriding the desk's
``no-referrer``, which keeps sign-in tokens out of other sites' logs), and pages served without
nginx had none. Now the service sets one of each on every response — worker pages, the desk,
errors, static files — and nginx adds only HSTS on the service's paths.

A blueprint's own ``after_request`` runs before this app-wide hook, so the desk's stricter values
(set first) stay: this hook only fills in what a response does not have yet.
"""

from __future__ import annotations

from flask import current_app, request

from wagesafe.nginx_conf import APP_CSP, STATIC_CSP

# Worker pages: a receipt number is in the URL of the receipt page; same-origin keeps it from
# leaving with a link to another site (the pages' <meta name="referrer"> says the same).
WORKER_HEADERS = {
    "Content-Security-Policy": APP_CSP,
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


# The portal (mkdocs-material needs a few inline scripts) as the demo serves it from site/: the same
# policy nginx gives it in production.
PORTAL_HEADERS = {
    "Content-Security-Policy": STATIC_CSP,
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}
DEMO_BLUEPRINTS = ("devsite", "mailcatcher")


def _is_portal() -> bool:
    if "devsite" not in current_app.blueprints:
        return False
    return request.blueprint in DEMO_BLUEPRINTS or request.endpoint is None  # the portal's own 404 page


def add_security_headers(response):
    chosen = PORTAL_HEADERS if _is_portal() else WORKER_HEADERS
    for name, value in chosen.items():
        if name not in response.headers:
            response.headers[name] = value
    return response


def init_app(app) -> None:
    app.after_request(add_security_headers)
