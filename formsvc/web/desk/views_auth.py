"""Sign-in routes: password, one-time email link, sign-out. Thin: the rules live in ``formsvc.officers.auth``."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from itsdangerous import BadSignature, Signer

from formsvc.storage import audit
from formsvc.officers import auth, sessions
from formsvc.web.context import get_config, get_db
from .device_words import device_words
from .blueprint import bp
from .session import client_ip, current_user, now, safe_next, session_token, sign_in, sign_out


KNOWN_DEVICE_COOKIE = "wsdesk"
KNOWN_DEVICE_SECONDS = 180 * 24 * 3600


def _device_signer() -> Signer:
    return Signer(get_config().secret_key, salt="wagesafe-desk-known-device")


def _known_device(email: str) -> bool:
    """This browser signed in to ``email``'s account before (a cookie the desk signed): password
    guesses elsewhere never slow its owner down here (``auth.slowed_for``)."""
    value = request.cookies.get(KNOWN_DEVICE_COOKIE, "")
    user = auth.find_user(get_db(), email) if value and email else None
    if user is None:
        return False
    try:
        return _device_signer().unsign(value).decode() == str(user.id)
    except BadSignature:
        return False


def _signed_in(user, target: str):
    """The redirect after a sign-in, remembering this browser as the account's known device."""
    response = make_response(redirect(target))
    response.set_cookie(KNOWN_DEVICE_COOKIE, _device_signer().sign(str(user.id)).decode(),
                        max_age=KNOWN_DEVICE_SECONDS, httponly=True, samesite="Lax", secure=request.is_secure,
                        path="/desk")
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    nxt = safe_next(request.values.get("next"))
    if request.method == "GET" and current_user() is not None:
        return redirect(nxt)
    error = ""
    status = 200
    if request.method == "POST":
        db = get_db()
        email = request.form.get("email", "").strip()
        user, why = auth.check_password(db, email, request.form.get("password", ""), now(), client_ip(),
                                        known_device=_known_device(email), zone=get_config().timezone)
        if user is not None:
            sign_in(user)
            audit.record(db, user.id, "sign_in", detail="password", ip=client_ip(), now=now())
            return _signed_in(user, nxt)
        audit.record(db, None, "sign_in_failed", detail=f"{email[:120]} ({why})", ip=client_ip(), now=now())
        status = 429 if why in ("locked", "slowed") else 401
        if why == "locked":
            error = "登录失败次数过多，请 15 分钟后再试，或使用邮件登录链接。"
        elif why == "slowed":
            wait = auth.slowed_for(db, email, now())
            words = f"{wait} 秒" if wait < 90 else f"{-(-wait // 60)} 分钟"
            error = (f"这个账号最近有多次密码错误，为防止有人猜密码，密码登录要等 {words} 后再试。"
                     "用下面的“发送登录链接”可以马上登录；在您以前登录过的设备上不受影响。")
            return render_template("desk/login.html", next=nxt, error=error), 429, {"Retry-After": str(max(1, wait))}
        else:
            error = "邮箱或密码不正确。"
    return render_template("desk/login.html", next=nxt, error=error), status


@bp.route("/login/link", methods=["POST"])
def login_link():
    """Send a one-time link. The answer is the same whether or not the email has an account."""
    nxt = safe_next(request.form.get("next"))
    auth.send_login_link(get_db(), request.form.get("email", ""), nxt, get_config().public_base_url, now())
    return render_template("desk/login_sent.html")


@bp.route("/login/<token>", methods=["GET", "POST"])
def use_link(token: str):
    """GET only shows a button; the POST it sends uses the link. Mail scanners and chat apps'
    link previews open links by GET before the officer does: a link used up by GET would be
    spent by them, and the officer would find it "already used"."""
    if request.method == "GET":
        return render_template("desk/login_confirm.html", token=token)
    db = get_db()
    user, nxt = auth.use_login_token(db, token, now())
    if user is None:
        return render_template("desk/login.html", next=url_for("desk.cases"),
                               error="登录链接无效、已用过或已过期（15 分钟），请重新获取。"), 400
    sign_in(user)
    audit.record(db, user.id, "sign_in", detail="email link", ip=client_ip(), now=now())
    return _signed_in(user, safe_next(nxt))


@bp.route("/logout", methods=["POST"])
def logout():
    user = current_user()
    if user is not None:
        audit.record(get_db(), user.id, "sign_out", ip=client_ip(), now=now())
    sign_out()
    return redirect(url_for("desk.login"))


@bp.route("/sessions")
def my_sessions():
    """Where I am signed in; for an admin also every account, each with "sign out everywhere"."""
    db, user, cfg = get_db(), current_user(), get_config()
    accounts = []
    if user.role == "admin":
        accounts = [dict(id=r[0], email=r[1], name=r[2], role=r[3], open=r[4]) for r in db.conn.execute(
            "SELECT u.id, u.email, u.name, u.role, (SELECT count(*) FROM desk_sessions s WHERE s.user_id = u.id"
            " AND s.ended_at IS NULL) FROM users u WHERE u.active = 1 ORDER BY u.role, u.email")]
    mine = [s | {"device": device_words(s["user_agent"])} for s in sessions.open_sessions(db, user.id)]
    return render_template("desk/sessions.html", mine=mine, accounts=accounts,
                           idle=f"{cfg.session_idle_minutes:g}", hours=f"{cfg.session_hours:g}")


@bp.route("/sessions/end-others", methods=["POST"])
def end_other_sessions():
    db, user = get_db(), current_user()
    n = sessions.end_all(db, user.id, now(), "signed out by the officer", keep=session_token())
    audit.record(db, user.id, "sign_out_everywhere", detail=f"{n} other session(s) of {user.email}", ip=client_ip(),
                 now=now())
    flash(f"已退出其他 {n} 个设备。", "ok")
    return redirect(url_for("desk.my_sessions")), 303


@bp.route("/users/<int:user_id>/sign-out-everywhere", methods=["POST"])
def sign_out_everywhere(user_id: int):
    """An admin ends every session of an account (a lost phone, a colleague who left)."""
    db, user = get_db(), current_user()
    if user.role != "admin":
        abort(403)
    target = auth.get_user(db, user_id)
    if target is None:
        abort(404)
    n = sessions.end_all(db, target.id, now(), f"signed out everywhere by {user.email}",
                         keep=session_token() if target.id == user.id else "")
    audit.record(db, user.id, "sign_out_everywhere", detail=f"{n} session(s) of {target.email}", ip=client_ip(),
                 now=now())
    flash(f"{target.name} 的 {n} 个登录已全部退出。", "ok")
    return redirect(url_for("desk.my_sessions")), 303
