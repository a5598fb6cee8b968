"""The WSGI entry point gunicorn loads (``gunicorn formsvc.wsgi:app``): the app, from the environment.

Each gunicorn worker imports this module and builds its own app (no ``--preload``: a SQLite
connection must not cross a fork). ``wagesafe serve`` migrates the database first, so the
workers find nothing left to migrate and never race on it.
"""

from formsvc import create_app

app = create_app()
