"""The ``intake`` blueprint object, in a module of its own so that the route modules import it
without importing the package that imports them (no circle).
"""

from flask import Blueprint

bp = Blueprint("intake", __name__, template_folder="templates")
