"""The ``open311`` blueprint object, in a module of its own so that the route modules import it
without importing the package that imports them (no circle)."""

from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311")
