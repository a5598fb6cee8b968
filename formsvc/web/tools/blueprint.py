"""The ``tools`` blueprint object (its own module: the route modules import it, not the package)."""

from flask import Blueprint

bp = Blueprint("tools", __name__, template_folder="templates")
