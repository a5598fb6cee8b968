"""Officer-facing blueprint: sign-in, case list, case page, transfer, dashboard, exports."""

from flask import Blueprint

bp = Blueprint("desk", __name__, url_prefix="/desk", template_folder="templates")
