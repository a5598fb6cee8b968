"""Bench-only WSGI module: the real app (``formsvc.wsgi``'s, CSRF on) plus a hello-world route.

Never deployed. ``bench_intake.py`` runs it under gunicorn so that the complaint POST and a
trivial endpoint are measured on the same app, workers and machine in the same run.
"""

from formsvc import create_app

app = create_app()


@app.route("/hello")
def hello():
    return "hello"
