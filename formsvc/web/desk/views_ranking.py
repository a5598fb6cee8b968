"""评价排名: the township ranking page and its CSV (``ranking.compute``). Aggregates only, no
personal data, so every signed-in officer may see how the townships compare."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, render_template, request

from wagesafe.localtime import to_local

from formsvc.storage import audit
from formsvc.web.context import get_config, get_db, get_registry
from . import ranking
from .blueprint import bp
from .session import client_ip, current_user, now

DEFAULT_DAYS = 90
MAX_DAYS = 3660


def _period() -> tuple[date, date]:
    """?start=&end= (local dates, both included); default: the last 90 days up to today."""
    today = to_local(now(), get_config().timezone).date()
    try:
        end = date.fromisoformat(request.args.get("end", "")) if request.args.get("end") else today
    except ValueError:
        end = today
    try:
        start = date.fromisoformat(request.args.get("start", "")) if request.args.get("start") else None
    except ValueError:
        start = None
    if start is None or start > end or (end - start).days > MAX_DAYS:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    return start, end


@bp.route("/ranking")
def township_ranking():
    start, end = _period()
    key = request.args.get("sort", "satisfied")
    key = key if key in ranking.COLUMNS else "satisfied"
    descending = request.args.get("dir", "desc") != "asc"
    rows = ranking.sort(ranking.compute(get_db(), get_registry(), get_config(), start, end, now()), key, descending)
    if request.args.get("format") == "csv":
        user = current_user()
        audit.record(get_db(), user.id, "export_ranking", detail=f"{start}..{end}", ip=client_ip(), now=now())
        return Response(ranking.to_csv(rows, start, end), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=wagesafe-ranking-{start}-{end}.csv",
                                 "X-Content-Type-Options": "nosniff"})
    return render_template("desk/ranking.html", rows=rows, start=start, end=end, key=key, descending=descending,
                           COLUMNS=ranking.COLUMNS, percent=ranking.percent)
