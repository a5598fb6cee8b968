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

from wagesafe.nginx_conf import APP_CSP

# Worker pages: a receipt number is in the URL of the receipt page; same-origin keeps it from
# leaving with a link to another site (the pages' <meta name="referrer"> says the same).
WORKER_HEADERS = {
    "Content-Security-Policy": APP_CSP,
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


def add_security_headers(response):
    for name, value in WORKER_HEADERS.items():
        if name not in response.headers:
            response.headers[name] = value
    return response


def init_app(app) -> None:
    app.after_request(add_security_headers)
