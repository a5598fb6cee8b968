"""Bench-only WSGI module: the real app plus a hello-world route, with CSRF off.

Never deployed. ``bench_intake.py`` runs it under gunicorn so that the complaint POST and a
trivial endpoint are measured on the same app, workers and machine in the same run. CSRF is
off here only because the load generator posts without first fetching the form; production
(``formsvc.wsgi``) keeps it on.
"""

from formsvc import create_app

app = create_app()
app.config["WTF_CSRF_ENABLED"] = False


@app.route("/hello")
def hello():
    return "hello"
