"""Bench-only WSGI module: the real app (``formsvc.wsgi``'s, CSRF on) plus two bench routes.

Never deployed. ``bench_intake.py`` runs it under gunicorn so that the complaint POST and a
trivial endpoint are measured on the same app, workers and machine in the same run:

- ``GET /hello``: hello-world;
- ``POST /bench-no-db/r/<code>``: the complaint form's own view, with ``complaints.submit``
  answering a receipt without touching the database (no routing, no transaction, no rate
  limits). Everything before it runs as for ``/r/<code>``: the session, Flask-WTF's CSRF
  check, the multipart parsing, the field checks and the 303. The difference between this row
  and the complaint row is what the transaction costs under load.
"""

from flask import request

from bench.common import NO_DB_PREFIX
from formsvc.case import complaints, receipts
from formsvc import create_app

app = create_app()
_submit = complaints.submit


def _submit_unless_no_db(db, registry, config, data, staged, *, ip, now=None, **limits):
    if request.path.startswith(NO_DB_PREFIX + "/"):
        return complaints.SubmitResult(complaint_id=0, receipt=receipts.new_receipt(), created=False)
    return _submit(db, registry, config, data, staged, ip=ip, now=now, **limits)


complaints.submit = _submit_unless_no_db  # the view looks it up on the module at each request
app.add_url_rule(f"{NO_DB_PREFIX}/r/<anycode:code>", "bench_no_db", app.view_functions["intake.project_form"],
                 methods=["POST"])


@app.route("/hello")
def hello():
    return "hello"
