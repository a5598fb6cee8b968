"""Dashboard, project risk classes, CSV export and the audit log page."""

from __future__ import annotations

from flask import Response, abort, render_template, request

from wagesafe.localtime import zone_words

from formsvc.case import story
from formsvc.storage import audit
from . import charts
from formsvc.web.context import get_config, get_db, get_registry
from formsvc.duties import risk
from . import audit_words, csv_export, stats, words
from .blueprint import bp
from .queries import Filters, all_cases
from .session import client_ip, current_user, now
from .views_cases import MAX_ID, page_arg


def _require_county():
    if not current_user().sees_all:
        abort(403, description="仅县监察大队和管理员可见")


@bp.route("/dashboard")
def dashboard():
    db, reg, cfg, user, t = get_db(), get_registry(), get_config(), current_user(), now()
    rows = all_cases(db, user, Filters(), cfg, t)
    data = stats.dashboard(rows, reg, cfg, t, story.acknowledgements(db, [r["id"] for r in rows]))
    svg = {
        "weekly": charts.stacked_columns(data["week_labels"], data["weekly"], "各镇街每周投诉数（近 8 周）"),
        "ack": charts.hbar(data["median_ack"], "确认受理用时中位数（小时）", " 小时"),
        "recovered": charts.hbar(data["recovered"], "追回金额（元）", " 元"),
    }
    dead = list(db.query("SELECT * FROM notices WHERE status = 'dead' ORDER BY id DESC LIMIT 200")) \
        if user.sees_all else []
    return render_template("desk/dashboard.html", data=data, svg=svg, dead=dead, word=words.word,
                           NOTICE_KIND_ZH=words.NOTICE_KIND_ZH, CHANNEL_ZH=words.CHANNEL_ZH)


@bp.route("/projects")
def projects():
    """Risk classes: a township sees its projects, a department those it supervises, county all."""
    reg, user = get_registry(), current_user()
    ps = list(reg.projects.values())
    if user.role == "township":
        ps = [p for p in ps if p.township == user.scope_code]
    elif user.role == "department":
        ps = [p for p in ps if p.industry_authority == user.scope_code]
    cls = request.args.get("class", "")
    risks = risk.from_db(get_db(), reg, now(), ps)
    counts = {k: sum(1 for r in risks if r.cls == k) for k in "ABC"}
    if cls in ("A", "B", "C"):
        risks = [r for r in risks if r.cls == cls]
    risks.sort(key=lambda r: ("CBA".index(r.cls), r.project_code))
    return render_template("desk/projects.html", risks=risks, counts=counts, cls=cls, registry=reg,
                           CADENCE=risk.CADENCE)


@bp.route("/export.csv")
def export_csv():
    db, reg, cfg, user = get_db(), get_registry(), get_config(), current_user()
    f = Filters.from_args(request.args)
    rows = all_cases(db, user, f, cfg, now())
    audit.record(db, user.id, "export_csv", detail=f"{len(rows)} cases; filters {f.as_args()}", ip=client_ip(),
                 now=now())
    from formsvc.web.context import get_partners

    return Response(csv_export.export(rows, user, reg, cfg.timezone, db=db, partners=get_partners()),
                    mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=wagesafe-cases.csv",
                             "X-Content-Type-Options": "nosniff"})


@bp.route("/audit")
def audit_log():
    _require_county()
    page = page_arg()
    case_id = request.args.get("case", type=int)
    if case_id is not None and not 0 < case_id <= MAX_ID:
        case_id = None
    rows = audit.recent(get_db(), 100, (page - 1) * 100, case_id)
    reg, zone = get_registry(), get_config().timezone
    for r in rows:  # words and the county's time, never the stored English or UTC (audit_words)
        r["detail_text"] = audit_words.detail_words(r["action"], r["detail"], reg, zone)
    return render_template("desk/audit.html", rows=rows, page=page, case_id=case_id, ACTION_ZH=audit.ACTION_ZH,
                           tz_label=zone_words(zone))
