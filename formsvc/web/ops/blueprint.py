"""The ``ops`` blueprint object (its own module: the route modules import it, not the package)."""

from flask import Blueprint

bp = Blueprint("ops", __name__)
