"""Worker-facing routes. Each handler stays thin: parse the form, call a plain function, render.

The decisions live elsewhere: ``forms.check_complaint`` (is the input good?),
``complaints.submit`` (store it, route it, queue the notices: one transaction),
``complaints.find_for_status`` (what may this worker see?).
"""

from __future__ import annotations

import math
import unicodedata

from flask import Response, g, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import PathConverter

from wagesafe.registry import rules

from formsvc.case import cases, complaints, evidence, held_uploads, ratelimit, receipts, story
from formsvc.web.context import get_config, get_db, get_registry
from formsvc.web import i18n
from formsvc.storage import store, write_turns
from .blueprint import bp
from . import limits, next_steps
from .forms import (TOKEN_RE, ComplaintForm, StatusForm, check_complaint, form_with_errors, posted_complaint,
                    uploads)

LANG_COOKIE_SECONDS = 365 * 24 * 3600
DEVICE_COOKIE = limits.DEVICE_COOKIE


def current_lang() -> str:
    """The page language, computed once per request (also in error handlers that run before our hooks)."""
    if "lang" not in g:
        g.lang = i18n.choose_lang(request.args.get("lang"), request.cookies.get(i18n.COOKIE))
    return g.lang


@bp.before_request
def refuse_junk_floods():
    """A device (or, without our cookie, an address's cookieless clients) that sent too much junk
    is refused before its post is read any further (issue 25); everyone else goes on."""
    if request.method == "POST":
        refused = limits.junk_refused()
        if refused:
            return _rate_limited(refused)
    return None


@bp.after_request
def remember_lang(response):
    chosen = i18n.normalize_lang(request.args.get("lang"))
    if chosen and chosen != request.cookies.get(i18n.COOKIE):
        response.set_cookie(i18n.COOKIE, chosen, max_age=LANG_COOKIE_SECONDS, samesite="Lax",
                            secure=request.is_secure, httponly=True)
    if request.method in ("GET", "HEAD") and response.status_code == 200 and response.mimetype == "text/html":
        limits.give_device_cookie(response)  # every worker page: the form, the status check, a receipt
    return response


@bp.context_processor
def words():
    lang = current_lang()
    other = "en" if lang == "zh" else "zh"
    # The switch reloads the same page in the other language (a POST's page reloads as its form).
    switch = url_for(request.endpoint or "intake.general_form", **(request.view_args or {}), lang=other)
    return dict(t=lambda key, **kw: i18n.t(key, lang, **kw), lang=lang, switch_url=switch,
                county=get_registry().county)


def _place(kind: str, code: str, lang: str) -> str:
    """Where a case sits, as the worker may see it: a township or the county desk, never a person."""
    registry = get_registry()
    if kind == "township" and code in registry.townships:
        tw = registry.townships[code]
        return tw.name_en if lang == "en" else tw.name_zh
    if kind == "department" and code in registry.departments:
        dep = registry.departments[code]
        return dep.name_en if lang == "en" else dep.name_zh
    desk = registry.county.desk
    return desk.name_en if lang == "en" else desk.name_zh


def _township_choices(lang: str) -> list[tuple[str, str]]:
    registry = get_registry()
    return [("", i18n.t("township_unknown", lang))] + [
        (code, tw.name_en if lang == "en" else tw.name_zh) for code, tw in registry.townships.items()]


def _form_page(form, project, lang: str, config, **extra) -> str:
    return render_template("intake/form.html", form=form, project=project, config=config,
                           townships=_township_choices(lang),
                           township_name=_place("township", project.township, lang) if project else "", **extra)


def _hold(checked, config, token: str) -> list:
    """The files that passed, kept for the form shown again (a file already held keeps its reference)."""
    kept = []
    for storage, mime in checked:
        if held_uploads.is_held(storage):
            kept.append(held_uploads.Held(ref=storage.held_ref, name=evidence.clean_name(storage.filename)))
        else:
            kept.append(held_uploads.hold(storage, mime, config.upload_dir, config.secret_key, token))
    return kept


def _complaint_page(project):
    """GET: a fresh form with its submission token. POST: check, store, redirect to the receipt."""
    lang, config, registry = current_lang(), get_config(), get_registry()
    if request.method != "POST":  # GET, and HEAD like it (werkzeug drops the body)
        form = ComplaintForm()
        form.submission_token.data = complaints.new_submission_token()
        form.sms_updates.data = config.sms_consent_default  # ticked only if the county decided so
        for name in ("amount_yuan", "months_owed"):  # carried over from the wage calculator
            carried = request.args.get(name, "")[:12]
            if carried.isdigit():
                getattr(form, name).data = carried
        return _form_page(form, project, lang, config)
    posted = posted_complaint()
    if (posted.website.data or "").strip():
        # A bot filled the hidden field: look like success, store nothing (and count it as junk).
        limits.junk_seen()
        return render_template("intake/receipt.html", receipt=receipts.new_receipt(), place=_place("county", "", lang),
                               anonymous=True, urgent=False, kind="county")
    token = posted.submission_token.data or ""
    held_refs = request.form.getlist("held") if TOKEN_RE.match(token) else []
    held = held_uploads.claim(held_refs, config.upload_dir, config.secret_key, token) if held_refs else []
    files = held + uploads(request.files.getlist("evidence"))
    try:
        data, checked = check_complaint(posted, files, registry, config, lang, project)
        if data is None:
            limits.junk_seen()  # a device sending forms with errors again and again is refused after many
            kept = _hold(checked, config, token) if TOKEN_RE.match(token) else []
            return _form_page(form_with_errors(posted), project, lang, config, had_files=bool(files),
                              held=kept), 400
        staged = []
        try:
            for storage, mime in checked:
                staged.append(evidence.stage(storage, mime, config.upload_dir))
            db = get_db()
            result = complaints.submit(db, registry, config, data, staged, ip=request.remote_addr or "",
                                       device=limits.device(), session_token=str(session.get("csrf_token", "")))
        except ratelimit.RateLimited as refused:  # submit already deleted the staged files
            from formsvc.case import surge

            if refused.kind == "ip":
                surge.address_refused(get_db(), registry, ip=request.remote_addr or "", now=store.utcnow())
            elif refused.kind in ("device", "session"):
                surge.device_refused(get_db(), registry, ip=request.remote_addr or "", device=refused.key,
                                     now=store.utcnow())
            return _rate_limited(refused)
        except BaseException:
            evidence.discard(staged)
            raise
        held_uploads.release(held, delete=True)  # stored with the complaint: the held copies go
    finally:
        held_uploads.release(held, delete=False)
    # To the receipt: the path by hand (url_for cost more than the rest of the redirect; receipts are
    # URL-safe) and no body (every browser follows a 303; werkzeug's redirect also renders a page).
    limits.remember_receipt(result.receipt)  # its receipt page and status check are never refused here
    response = Response(b"", 303, {"Location": f"{request.script_root}/receipt/{result.receipt}"})
    if result.created:
        # Once the worker has the response: the WAL checkpoint, now and then (see write_turns).
        response.call_on_close(lambda: write_turns.checkpoint_now_and_then(db.conn, config.database))
    return response


class _AnyCode(PathConverter):
    """Whatever follows ``/r/`` (slashes, line breaks, NUL included) reaches the helpful 404 page."""

    regex = r"[\s\S]+?"
    part_isolating = False


@bp.record_once
def _register_converter(state):
    state.app.url_map.converters.setdefault("anycode", _AnyCode)


@bp.route("/r/<anycode:code>", methods=["GET", "POST"])
def project_form(code: str):
    """The form of one project. A code as people pass it on finds the project too: a trailing
    slash, spaces, full-width letters or other case (``/r/QH 001/``). The form is served at the
    path as it came (a redirect would cost a slow phone another round trip)."""
    project = get_registry().project(typed_code(code))
    if project is None:
        return render_template("intake/unknown_project.html", code=code[:40]), 404
    return _complaint_page(project)


def typed_code(code: str) -> str:
    """A project code as typed, spoken or copied: NFKC, no spaces of any kind, no slashes around it."""
    return "".join(unicodedata.normalize("NFKC", code or "").split()).strip("/")


@bp.route("/complain", methods=["GET", "POST"])
def general_form():
    return _complaint_page(None)


@bp.route("/receipt/<receipt>")
def receipt_page(receipt: str):
    """The receipt itself is the key: 40 random bits cannot be guessed, and the page shows no
    personal data (only where the case went), so it needs no session and can be bookmarked.
    Misses (guesses) are counted per device, and per address only far above a crew; a receipt this
    browser filed is never refused (``limits``)."""
    lang = current_lang()
    db = get_db()
    refused = limits.lookup_refused(receipt, per_device=ratelimit.RECEIPT_MISSES_PER_WINDOW, per_receipt=False)
    if refused:  # a guesser's misses used its bucket up: no look-up at all until one leaves the window
        return _rate_limited(refused)
    summary = complaints.receipt_summary(db, receipt) if receipts.is_receipt(receipt) else None
    if summary is None:
        limits.lookup_missed(receipt, per_receipt=False)  # only misses count
        return render_template("intake/receipt_gone.html"), 404
    return render_template("intake/receipt.html", receipt=summary["receipt"], anonymous=summary["anonymous"],
                           urgent=summary["urgent"], kind=summary["assignee_kind"], sms=summary["sms"],
                           place=_place(summary["assignee_kind"], summary["assignee_code"], lang))


@bp.route("/status", methods=["GET", "POST"])
def status():
    lang = current_lang()
    form = StatusForm()
    if request.method != "POST":  # GET, and HEAD like it (werkzeug drops the body)
        form.receipt.data = request.args.get("receipt", "")[:20]
        return render_template("intake/status.html", form=form, case=None)
    db = get_db()
    form.validate()
    receipt = receipts.normalize(form.receipt.data or "")
    refused = limits.lookup_refused(receipt)  # misses per device, per receipt, per address far above a crew
    if refused:
        return _rate_limited(refused)
    mobile_typed = (form.mobile.data or "").strip()
    mobile = rules.normalize_mobile(mobile_typed) if mobile_typed else ""
    if not (form.receipt.data or "").strip():
        form.receipt.errors = [i18n.t("err_receipt_required", lang)]
        return render_template("intake/status.html", form=form, case=None), 400
    if mobile_typed and not rules.is_mobile(mobile_typed):
        form.mobile.errors = [i18n.t("err_mobile_bad", lang)]
        return render_template("intake/status.html", form=form, case=None), 400
    case = complaints.find_for_status(db, receipt, mobile) if receipt else None
    if case is None:
        limits.lookup_missed(receipt)
        return render_template("intake/status.html", form=form, case=None, not_found=True), 404
    limits.remember_receipt(receipt)
    return render_case(db, form, case, mobile, lang)


def render_case(db, form, case: dict, mobile: str, lang: str, **extra):
    """The status page of one found case: state, timeline, outcome and next steps, the answer form.
    Every sentence about the case comes from ``formsvc.case.story``, every amount from ``money``."""
    from formsvc.web.context import get_partners

    partners = get_partners()
    places = story.Places(get_registry(), partners)
    row = cases.get_case(db, case["id"])
    elsewhere = ""
    if case["status"] == "transferred_out":  # sent to another county (issue 18): where, and how to follow it
        from formsvc.case import county_transfer

        case["county_transfer"] = county_transfer.worker_view(db, case["id"], partners, lang)
        elsewhere = case["county_transfer"]["county"] if case["county_transfer"] else ""
    elif row["status"] not in cases.CLOSED_STATUSES:  # given back by the other county? said before our state
        from formsvc.case import county_transfer

        case["county_return"] = county_transfer.returned_view(db, case["id"], partners, lang)
    closed_there = bool(case.get("county_transfer") and case["county_transfer"].get("closed"))
    case["status_text"] = story.worker_status(row, lang, places, elsewhere=elsewhere, closed_there=closed_there)
    unit, waiting = story.holder(row, places)
    case["place"] = elsewhere or unit.name(lang)
    case["place_waiting"] = waiting and row["status"] == "new"
    _, routing = story.timeline(db, case["id"])
    case["events"] = [dict(e, text=story.worker_line(e, lang, places))
                      for e in story.with_places(case["events"], routing)]
    case["next"] = next_steps.for_worker(db, get_registry(), get_config(), case, case["place"], lang, places)
    return render_template("intake/status.html", form=form, case=case, mobile=mobile, **extra)


@bp.route("/healthz")
def healthz():
    """Up and able to read the database (what a load balancer or systemd watchdog asks)."""
    try:
        get_db().conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
    except Exception:
        return "database unavailable\n", 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


LOOKUP_ENDPOINTS = ("intake.status", "intake.status_answer", "intake.receipt_page")


def _wait_words(seconds: int, lang: str) -> str:
    if seconds < 90:
        return i18n.t("rate_wait_seconds", lang, n=seconds)
    return i18n.t("rate_wait_minutes", lang, n=math.ceil(seconds / 60))


def _rate_limited(refused: ratelimit.RateLimited):
    """The honest refusal: why, exactly when to try again (also in Retry-After), and whom to phone."""
    lang = current_lang()
    why_key = f"rate_why_{'device' if refused.kind == 'session' else refused.kind}"  # a session is one phone
    why = i18n.t(why_key, lang) if why_key in i18n.MESSAGES else ""
    desk = get_registry().county.desk
    values = {"why": why, "wait": _wait_words(refused.retry_after, lang),
              "desk": desk.name_en if lang == "en" else desk.name_zh, "desk_phone": desk.phone}
    # A look-up (status, receipt, the answer, the application's prefill) is not a submission: its own words.
    lookup = request.endpoint in LOOKUP_ENDPOINTS or request.form.get("action") == "prefill"
    html = render_template("intake/message.html", title_key="rate_title_lookup" if lookup else "rate_title",
                           body_key="rate_body_lookup" if lookup else "rate_body", body_values=values)
    return html, 429, {"Retry-After": str(refused.retry_after), "Cache-Control": "no-store"}


@bp.errorhandler(CSRFError)
def csrf_failed(_e):
    """An expired or forged token: junk. Counted per device (or per address without our cookie);
    past the limit the refusal page answers instead of "page expired"."""
    refused = limits.junk_refused()
    if refused:
        return _rate_limited(refused)
    limits.junk_seen()
    return render_template("intake/message.html", title_key="csrf_title", body_key="csrf_body", back=True), 400


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_e):
    mb = f"{get_config().max_upload_mb * get_config().max_uploads:g}"
    return render_template("intake/message.html", title_key="too_large_title", body_key="too_large_body",
                           body_values={"mb": mb}, back=True), 413
