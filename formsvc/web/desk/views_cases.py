"""Case list, case page, case actions, evidence download. Thin: parse, authorize, call, render.

Authorization is ``auth.can_view`` / ``auth.can_act`` on every route. A case the user may not
see answers a polite 403 page naming the body that holds it and whom to call (``refused``): the
officers are colleagues of one county, a case number reaches them in a forwarded notice, and a
bare "Not Found" only sent them to the phone without a number. An id that does not exist is 404.
"""

from __future__ import annotations

from pathlib import Path

from flask import abort, flash, make_response, redirect, render_template, request, send_file, url_for

from formsvc.storage import audit
from formsvc.officers import auth, roster
from formsvc.web.context import get_config, get_db, get_registry
from formsvc.web import i18n
from formsvc.case import cases as case_state
from formsvc.case import hard_cases, money, sources, story
from formsvc.duties.escalation import is_overdue, resolve_deadline
from .blueprint import bp
from .queries import PAGE_SIZE, Filters, case_parts, list_cases
from .session import client_ip, current_user, now
from . import words
from .words import CALLBACK_ZH, OWED_BY_ZH

MAX_ID = 2**63 - 1  # SQLite's largest integer: a bigger id in a URL is simply "not found"
MAX_PAGE = 100_000
MAX_AMOUNT = 10**12  # yuan or workers: anything bigger is a typo, not a case


def _visible_case(case_id: int) -> dict:
    case = case_state.get_case(get_db(), case_id)
    if case is None:
        abort(404)
    with_people(case)
    if not auth.can_view(current_user(), case):
        abort(refused(case))
    return case


def with_people(case: dict) -> dict:
    """Attach who else may open the case beyond its own rows: the departments called to it (吹哨)
    and the duty roster's stand-ins for its township (``auth.called``, ``auth.stood_in``)."""
    case["called_departments"] = hard_cases.called_departments(get_db(), case["id"])
    case["stand_in_emails"] = roster.stand_in_emails(get_db(), case, now())
    return case


def refused(case: dict):
    """The polite refusal (status 403) for a case this officer may not open: which body holds it
    and whom to call, in Chinese, instead of a bare "Not Found". It names offices and their work
    numbers from the registry, never the worker; the attempt is in the audit log."""
    reg, user = get_registry(), current_user()
    holder = case_state.contact_for(reg, case["assignee_kind"], case["assignee_code"])
    desk = reg.county.desk
    audit.record(get_db(), user.id if user else None, "view_case_refused", case["id"], ip=client_ip(), now=now())
    page = render_template("desk/refused.html", case_id=case["id"], holder=holder, desk=desk,
                           responsible=case_state.label_for(reg, case["responsible_kind"], case["responsible_code"]))
    return make_response(page, 403)


def _actionable_case(case_id: int) -> dict:
    case = _visible_case(case_id)
    if not auth.can_act(current_user(), case):
        abort(403, description="此案件当前不由您办理 this case is not yours to act on")
    return case


@bp.route("/")
@bp.route("/cases")
def cases():
    cfg, reg, t = get_config(), get_registry(), now()
    f = Filters.from_args(request.args)
    page = page_arg()
    rows, total = list_cases(get_db(), current_user(), f, cfg, t, page)
    for r in rows:
        r["overdue"] = is_overdue(r, cfg.ack_hours, cfg.resolve_days, t)
        r["assignee_label"] = case_state.label_for(reg, r["assignee_kind"], r["assignee_code"])
        p = reg.project(r["project_code"] or "")
        r["project_name"] = p.name_zh if p else (r["site_address"] or "")
        r["first_only"] = auth.first_received(current_user(), r) and not auth.can_act(current_user(), r)
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return render_template("desk/cases.html", rows=rows, total=total, page=page, pages=pages, f=f,
                           args=f.as_args(), registry=reg, STATUS_ZH=case_state.STATUS_ZH,
                           SOURCES=sources.SOURCES, source_label=sources.label)


@bp.route(f"/cases/<int(max={MAX_ID}):case_id>")
def case(case_id: int):
    db, reg, cfg, user = get_db(), get_registry(), get_config(), current_user()
    case = _visible_case(case_id)
    personal = auth.can_see_personal(user, case)
    audit.record(db, user.id, "view_case", case_id, detail="with personal data" if personal else "",
                 ip=client_ip(), now=now())
    project = reg.project(case["project_code"] or "")
    redacted = _redacted_words(case)
    return render_template(
        "desk/case.html", case=case, parts=case_parts(db, case_id, story.Places(reg, partners_or_none())), project=project,
        registry=reg, redacted=redacted, money=money.of_case(db, case),
        can_act=auth.can_act(user, case), personal=personal, STATUS_ZH=case_state.STATUS_ZH,
        is_closed=case["status"] in case_state.CLOSED_STATUSES,
        files=_evidence_access(db, user, case, reg),
        assignee=case_state.label_for(reg, case["assignee_kind"], case["assignee_code"]),
        responsible=case_state.label_for(reg, case["responsible_kind"], case["responsible_code"]),
        overdue=is_overdue(case, cfg.ack_hours, cfg.resolve_days, now()), words=case_words(db, case),
        # the day by which it must be resolved, on the clock the reminder, the escalation and the worker's page use
        deadline=None if case["status"] in case_state.CLOSED_STATUSES else resolve_deadline(case, cfg.resolve_days),
        deadline_since=case_state.since_words_zh(case) or "自提交之日起", resolve_days=f"{cfg.resolve_days:g}",
        dead=list(db.query("SELECT * FROM notices WHERE complaint_id = ? AND status = 'dead' ORDER BY id", [case_id])),
        calls=hard_cases.calls(db, case_id), may_call=may_call(user, case), departments=reg.departments,
        next_level=cfg.next_level_name,
        word=words.word, NOTICE_KIND_ZH=words.NOTICE_KIND_ZH, CHANNEL_ZH=words.CHANNEL_ZH)


def partners_or_none():
    """The partner counties (their names on the timeline; none when partners.yaml is broken)."""
    from formsvc.web.context import get_partners

    return get_partners()


def may_call(user, case: dict) -> bool:
    """吹哨 belongs to the township that holds or first received the case, and to the county desk."""
    if case["status"] in case_state.CLOSED_STATUSES or user is None:
        return False
    return user.sees_all or (user.role == "township" and auth.can_view(user, case))


def case_words(db, case: dict) -> dict:
    """The case's coded values in words (the desk never shows ``team_leader`` or ``any``)."""
    entered = ""
    if case.get("entered_by"):
        row = db.execute("SELECT name FROM users WHERE email = ? COLLATE NOCASE", [case["entered_by"]]).fetchone()
        entered = row[0] if row else case["entered_by"]
    return {"source": sources.words(case.get("source") or "", case.get("source_ref") or "", partners_or_none()),
            "entered_by": entered,
            "source_ref": ("" if not case.get("source_ref") else
                           sources.ref_words("partner", case["source_ref"], partners_or_none())
                           if case.get("source") == "partner" else f"编号 {case['source_ref']}"),
            "owed_by_kind": OWED_BY_ZH.get(case["owed_by_kind"], case["owed_by_kind"]),
            "callback_time": CALLBACK_ZH.get(case["callback_time"], case["callback_time"])}


def _evidence_access(db, user, case: dict, reg) -> dict:
    """May this user download the files, share them, and with whom are they shared (issue 15)."""
    shared = auth.evidence_shared_with(db, case["id"])
    return {"download": auth.can_download_evidence(db, user, case), "share": auth.can_share_evidence(user, case),
            "shared": [reg.departments[c].name_zh if c in reg.departments else c for c in shared],
            "departments": [(code, d.name_zh) for code, d in reg.departments.items() if code not in shared]}


@bp.route(f"/cases/<int(max={MAX_ID}):case_id>/share-evidence", methods=["POST"])
def share_evidence(case_id: int):
    """The responsible township (or the county) lets one department download the case's evidence; logged."""
    user, db = current_user(), get_db()
    case = _visible_case(case_id)
    code = request.form.get("department", "")
    if code not in get_registry().departments:
        flash("请选择一个行业部门。", "error")
    elif not auth.can_share_evidence(user, case):
        abort(403, description="只有负责此案的镇街或县监察大队可以共享证据")
    else:
        auth.share_evidence(db, user, case, code, now(), client_ip())
        flash(f"证据材料已共享给{get_registry().departments[code].name_zh}（已记入审计日志）。", "ok")
    return redirect(url_for("desk.case", case_id=case_id)), 303


def _redacted_words(case: dict) -> dict | None:
    """The plain line that stands where a redacted case's personal data was, in both languages
    (the desk's labels carry both), or ``None`` while the data is still there."""
    if not case.get("redacted_at"):
        return None
    day = case["redacted_at"][:10]
    return {key: [i18n.t(key, lang, date=day) for lang in i18n.LANGS] for key in ("redacted_line", "redacted_file")}


def _int(name: str) -> int:
    try:
        value = int(request.form.get(name, "0") or 0)
    except ValueError:
        raise case_state.TransitionError(f"“{name}”需要填整数") from None
    if not 0 <= value <= MAX_AMOUNT:
        raise case_state.TransitionError(f"“{name}”需要填 0 到 {MAX_AMOUNT} 之间的整数")
    return value


def page_arg() -> int:
    """The ?page= of a list, clamped: SQLite's OFFSET is a 64-bit integer and a huge page is a typo."""
    try:
        return min(max(1, int(request.args.get("page", "1"))), MAX_PAGE)
    except ValueError:
        return 1


@bp.route(f"/cases/<int(max={MAX_ID}):case_id>/<any(acknowledge, start, transfer, resolve, close, note):action>",
          methods=["POST"])
def case_action(case_id: int, action: str):
    user, db, t = current_user(), get_db(), now()
    if action == "note":
        _visible_case(case_id)  # the responsible first township may still comment while a transfer waits
    else:
        _actionable_case(case_id)
    form = request.form
    try:
        if action == "acknowledge":
            case_state.acknowledge(db, case_id, user.email, t)
            flash("已确认受理。", "ok")
        elif action == "start":
            case_state.start_work(db, case_id, user.email, t)
            flash("已标记为处理中。", "ok")
        elif action == "transfer":
            kind, _, code = form.get("target", "").partition(":")
            case_state.transfer(db, get_registry(), get_config(), case_id, user.email, kind, code, form.get("reason", ""), t)
            flash("已转交，并已通知接收单位。接收单位确认受理前，本单位仍对此案负责。", "ok")
        elif action == "resolve":
            case_state.resolve(db, case_id, user.email, _int("workers_paid"), _int("amount_recovered_yuan"), t,
                          form.get("note", ""))
            flash("已标记为已解决。", "ok")
        elif action == "close":
            case_state.close_unfounded(db, case_id, user.email, form.get("reason", ""), t)
            flash("已关闭（不属实）。", "ok")
        elif action == "note":
            case_state.add_note(db, case_id, user.id, user.email, form.get("body", ""), t)
            flash("备注已保存（仅内部可见）。", "ok")
    except case_state.TransitionError as e:
        flash(str(e), "error")
        return redirect(url_for("desk.case", case_id=case_id)), 303
    if not auth.can_view(user, with_people(case_state.get_case(db, case_id))):
        return redirect(url_for("desk.cases")), 303  # transferred away and no longer ours to see
    return redirect(url_for("desk.case", case_id=case_id)), 303


@bp.route(f"/cases/<int(max={MAX_ID}):case_id>/evidence/<int(max={MAX_ID}):evidence_id>")
def evidence(case_id: int, evidence_id: int):
    """Stream one evidence file as a download (never rendered inline: it came from the public)."""
    db, cfg, user = get_db(), get_config(), current_user()
    case = _visible_case(case_id)
    if case.get("redacted_at"):
        abort(404)  # deleted under the retention period (formsvc.duties.retention): only the row's facts remain
    if not auth.can_download_evidence(db, user, case):
        audit.record(db, user.id, "refused_case", case_id, detail=f"evidence {evidence_id} not shared with "
                     f"{user.role} {user.scope_code}", ip=client_ip(), now=now())
        abort(404)
    rows = list(db.query("SELECT * FROM evidence WHERE id = ? AND complaint_id = ?", [evidence_id, case_id]))
    if not rows:
        abort(404)
    ev = rows[0]
    root = Path(cfg.upload_dir).resolve()
    path = (root / ev["stored_name"]).resolve()
    if root not in path.parents or not path.is_file():
        abort(404)
    audit.record(db, user.id, "download_evidence", case_id, detail=f"evidence {evidence_id} {ev['original_name']}",
                 ip=client_ip(), now=now())
    resp = send_file(path, mimetype=ev["mime"] or "application/octet-stream", as_attachment=True,
                     download_name=ev["original_name"] or f"evidence-{evidence_id}", max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
