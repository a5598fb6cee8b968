"""Sign-in routes: password, one-time email link, sign-out. Thin: the rules live in ``formsvc.officers.auth``."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from formsvc.storage import audit
from formsvc.officers import auth
from formsvc.web.context import get_config, get_db
from .blueprint import bp
from .session import client_ip, current_user, now, safe_next, sign_in, sign_out


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
        user, why = auth.check_password(db, email, request.form.get("password", ""), now(), client_ip())
        if user is not None:
            sign_in(user)
            audit.record(db, user.id, "sign_in", detail="password", ip=client_ip(), now=now())
            return redirect(nxt)
        audit.record(db, None, "sign_in_failed", detail=email[:120], ip=client_ip(), now=now())
        status = 429 if why == "locked" else 401
        error = ("登录失败次数过多，请 15 分钟后再试，或使用邮件登录链接。" if why == "locked"
                 else "邮箱或密码不正确。")
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
    return redirect(safe_next(nxt))


@bp.route("/logout", methods=["POST"])
def logout():
    user = current_user()
    if user is not None:
        audit.record(get_db(), user.id, "sign_out", ip=client_ip(), now=now())
    sign_out()
    return redirect(url_for("desk.login"))
