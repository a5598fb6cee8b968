"""A new case from any channel (12333, 12345, a visit, the national platform, 网格排查, 上级交办 ...).

Seed 002 asks that every lead be "录入…建立问题台账，实现销号管理": one ledger whatever the
channel. So the desk's form is the worker's form (the same fields, checked by the same
``intake.forms.check_complaint``) plus the channel and its own number, and it goes through the
same ``complaints.submit``: the same routing, notices, timeline and receipt. What differs:

- who may enter: a township officer for their own township (the lead is routed there), the
  county desk for any township, any project or none (the county then takes it);
- consent: the officer records that the worker agreed by phone or in person (the worker's own
  tick box is not there to tick); SMS updates only with the worker's yes and a mobile;
- no rate limit (a signed-in officer typing the day's hotline sheet is not a flood), but an
  audit row and the officer's email on the case (``entered_by``);
- a channel's own number (the national platform's clue number, a 12345 work order) is unique per
  channel: entering it again opens the case it made the first time.
"""

from __future__ import annotations

from dataclasses import replace

from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from formsvc.case import complaints, evidence, sources
from formsvc.storage import audit
from formsvc.web.context import get_config, get_db, get_registry
from formsvc.web.intake.forms import PostedComplaint, check_complaint, clean_text, uploads
from .blueprint import bp
from .session import client_ip, current_user, now
from .words import CALLBACK_ZH, OWED_BY_ZH

# Channels an officer enters on the desk (a partner system comes through the API, not this form).
DESK_SOURCES = tuple(code for code in sources.SOURCES if code != "partner")
# Channels whose own number must be given: the platform's clue number is how the case is 销号.
REF_REQUIRED = ("national_platform",)
REF_MAX = 64


def _may_enter(user) -> bool:
    return user is not None and (user.sees_all or user.role == "township")


def _page(values: dict, errors: dict, status: int = 200):
    user, reg = current_user(), get_registry()
    townships = {c: t for c, t in reg.townships.items() if user.sees_all or c == user.scope_code}
    page = render_template("desk/new_case.html", v=values, errors=errors, townships=townships,
                           SOURCES={c: sources.SOURCES[c][0] for c in DESK_SOURCES}, REF_REQUIRED=REF_REQUIRED,
                           OWED_BY_ZH=OWED_BY_ZH, CALLBACK_ZH=CALLBACK_ZH, county_may_pick_none=user.sees_all)
    return page, status


@bp.route("/cases/new", methods=["GET", "POST"])
def new_case():
    user, reg, cfg = current_user(), get_registry(), get_config()
    if not _may_enter(user):
        return render_template("desk/not_for_role.html",
                               what="录入新线索", who="镇街专员（本镇街）和县监察大队（全县）"), 403
    if request.method == "GET":
        return _page({"submission_token": complaints.new_submission_token(), "workers": "1",
                      "owed_by_kind": "unknown", "callback_time": "any",
                      "township": "" if user.sees_all else user.scope_code}, {})
    form = request.form
    values = {k: form.get(k, "") for k in form}
    errors: dict[str, list[str]] = {}
    source = form.get("source", "")
    if source not in DESK_SOURCES:
        errors["source"] = ["请选择线索来源（例如 12333 电话、来访、全国根治欠薪线索反映平台）。"]
    source_ref = clean_text(form.get("source_ref"))
    if len(source_ref) > REF_MAX:
        errors["source_ref"] = [f"编号最多 {REF_MAX} 个字符（现在 {len(source_ref)} 个）。"]
    elif source in REF_REQUIRED and not source_ref:
        errors["source_ref"] = ["请填写平台上的线索编号：同一线索再次录入时，系统据此找到已有案件。"]
    if not user.sees_all:
        # A township officer's lead is their township's: the chosen township is theirs, whatever was posted.
        values["township"] = user.scope_code
    posted = PostedComplaint(CombinedMultiDict((request.files, _with_township(form, values.get("township", "")))))
    files = uploads(request.files.getlist("evidence"))
    data, checked = check_complaint(posted, files, reg, cfg, "zh", None)
    for field in posted:
        if field.errors:
            errors.setdefault(field.name, []).extend(field.errors)
    if "consent" in errors:
        errors["consent"] = ["请向工人说明其信息只用于办理此案，征得同意后勾选；不愿留个人信息的按匿名线索录入。"]
    if data is not None and not user.sees_all and data.project_code:
        project = reg.project(data.project_code)
        if project is not None and project.township != user.scope_code:
            errors["project_code"] = [f"项目 {project.code} 属于{reg.townships[project.township].name_zh}，"
                                      "不在本镇街：请联系县监察大队录入，或不填项目编号。"]
    if source and source_ref and source in DESK_SOURCES:
        found = complaints.find_by_source_ref(get_db(), source, source_ref)
        if found is not None:
            flash(f"{sources.label(source)}编号 {source_ref} 已登记为案件 #{found.complaint_id}，没有重复录入。", "ok")
            return redirect(url_for("desk.case", case_id=found.complaint_id)), 303
    if errors or data is None:
        return _page(values, errors, 400)
    data = _for_desk(data, source, source_ref, user, form)
    staged = []
    db = get_db()
    try:
        for storage, mime in checked:
            staged.append(evidence.stage(storage, mime, cfg.upload_dir))
        result = complaints.submit(db, reg, cfg, data, staged, ip=client_ip(), now=now(), rate_limited=False)
    except BaseException:
        evidence.discard(staged)
        raise
    if result.created:
        audit.record(db, user.id, "desk_new_case", result.complaint_id,
                     detail=f"{sources.label(source)}{' ' + source_ref if source_ref else ''}", ip=client_ip(),
                     now=now())
        flash(f"已录入为案件 #{result.complaint_id}（回执 {result.receipt}），"
              f"已按首问负责制分派并通知承办人。", "ok")
    else:
        flash(f"这条线索已登记为案件 #{result.complaint_id}，没有重复录入。", "ok")
    return redirect(url_for("desk.case", case_id=result.complaint_id)), 303


def _with_township(form, township: str):
    """The posted form with the township the officer may use (a township officer's own)."""
    d = MultiDict(form)
    d.setlist("township", [township] if township else [])
    return d


def _for_desk(data: complaints.ComplaintInput, source: str, source_ref: str, user, form) -> complaints.ComplaintInput:
    sms = form.get("sms_consent") in ("1", "y", "on") and not data.anonymous and bool(data.mobile)
    return replace(data, source=source, source_ref=source_ref or None, sms_consent=sms, entered_by=user.email)

