"""Sign-in (password and one-time link), lockout, session expiry, CSRF, accounts from the registry."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from formsvc.officers import auth
from formsvc.storage import store
from tests.desk_fixtures import HEXI, PASSWORD, T0, Desk, csrf, insert_case, login, post


@pytest.fixture
def desk(tmp_path, data_dir):
    d = Desk(tmp_path, data_dir, password=PASSWORD)
    yield d
    d.db.close()


def test_auth_password_sign_in_returns_to_the_case(desk):
    cid = insert_case(desk.db, township="hexi")
    c = desk.app.test_client()
    r = c.get(f"/desk/cases/{cid}")
    assert r.status_code == 302
    nxt = r.headers["Location"]
    assert nxt.endswith(f"/desk/login?next=/desk/cases/{cid}")
    r = post(c, "/desk/login", {"email": HEXI.upper(), "password": PASSWORD, "next": f"/desk/cases/{cid}"})
    assert r.status_code == 302 and r.headers["Location"] == f"/desk/cases/{cid}"
    page = c.get(f"/desk/cases/{cid}").get_data(as_text=True)
    # one tap: the acknowledge button is the first form on the page
    assert page.index("确认受理 Acknowledge") < page.index("<h1>")


def test_auth_wrong_password_refused(desk):
    c = desk.app.test_client()
    r = post(c, "/desk/login", {"email": HEXI, "password": "wrong password"})
    assert r.status_code == 401
    assert c.get("/desk/cases").status_code == 302


def test_auth_lockout_after_repeated_failures(desk):
    for _ in range(auth.LOCK_FAILURES):
        user, why = auth.check_password(desk.db, HEXI, "nope", T0, "10.0.0.1")
        assert user is None and why == "invalid"
    # now even the right password is refused for a while from that address ...
    assert auth.check_password(desk.db, HEXI, PASSWORD, T0 + timedelta(minutes=1), "10.0.0.1") == (None, "locked")
    # ... and accepted once the window has passed
    user, _ = auth.check_password(desk.db, HEXI, PASSWORD, T0 + timedelta(minutes=auth.LOCK_WINDOW_MINUTES + 1),
                                  "10.0.0.1")
    assert user is not None and user.email == HEXI


def test_auth_lockout_on_the_route(desk):
    c = desk.app.test_client()
    for _ in range(auth.LOCK_FAILURES):
        post(c, "/desk/login", {"email": HEXI, "password": "bad"})
    r = post(c, "/desk/login", {"email": HEXI, "password": PASSWORD})
    assert r.status_code == 429


def _link_token(desk) -> str:
    [notice] = desk.notices("sign_in")
    return re.search(r"/desk/login/([A-Za-z0-9_\-]+)", notice["body"]).group(1)


def test_auth_one_time_link_works_once(desk):
    cid = insert_case(desk.db, township="hexi")
    c = desk.app.test_client()
    r = post(c, "/desk/login/link", {"email": HEXI, "next": f"/desk/cases/{cid}"})
    assert r.status_code == 200
    token = _link_token(desk)
    # only a hash is stored
    assert desk.db.execute("SELECT count(*) FROM login_tokens WHERE token_hash = ?", [token]).fetchone()[0] == 0
    # Opening the link (as a mail scanner or a chat preview would) shows a button and spends nothing.
    for _ in range(3):
        page = desk.app.test_client().get(f"/desk/login/{token}")
        assert page.status_code == 200 and "登录 Sign in" in page.get_data(as_text=True)
    r = post(c, f"/desk/login/{token}")
    assert r.status_code == 302 and r.headers["Location"] == f"/desk/cases/{cid}"
    assert c.get(f"/desk/cases/{cid}").status_code == 200
    again = desk.app.test_client()
    assert post(again, f"/desk/login/{token}").status_code == 400
    assert again.get("/desk/cases").status_code == 302


def test_auth_one_time_link_expires(desk):
    assert auth.send_login_link(desk.db, HEXI, "/desk/", "http://x", T0)
    token = _link_token(desk)
    user, _ = auth.use_login_token(desk.db, token, T0 + timedelta(minutes=auth.LINK_MINUTES, seconds=1))
    assert user is None
    assert auth.send_login_link(desk.db, HEXI, "/desk/", "http://x", T0)
    token2 = re.search(r"/desk/login/(\S+)", desk.notices("sign_in")[-1]["body"]).group(1)
    user, nxt = auth.use_login_token(desk.db, token2, T0 + timedelta(minutes=auth.LINK_MINUTES - 1))
    assert user.email == HEXI and nxt == "/desk/"


def test_auth_link_for_unknown_email_sends_nothing_but_says_the_same(desk):
    c = desk.app.test_client()
    known = post(c, "/desk/login/link", {"email": HEXI}).get_data(as_text=True)
    unknown = post(c, "/desk/login/link", {"email": "nobody@example.com"}).get_data(as_text=True)
    assert known == unknown
    assert len(desk.notices("sign_in")) == 1


def test_auth_next_never_leaves_the_desk(desk):
    c = desk.app.test_client()
    r = post(c, "/desk/login", {"email": HEXI, "password": PASSWORD, "next": "https://evil.example/desk/"})
    assert r.headers["Location"].startswith("/desk/") and "evil" not in r.headers["Location"]
    c2 = desk.app.test_client()
    r = post(c2, "/desk/login", {"email": HEXI, "password": PASSWORD, "next": "//evil.example/desk"})
    assert r.headers["Location"].startswith("/desk/") and "evil" not in r.headers["Location"]


def _age_session(desk, **delta) -> None:
    """Move every open session's sign-in and last request back by ``delta``."""
    from formsvc.storage.store import iso

    for sid, created, seen in desk.db.conn.execute("SELECT id_hash, created_at, last_seen_at FROM desk_sessions"):
        desk.db.conn.execute("UPDATE desk_sessions SET created_at = ?, last_seen_at = ? WHERE id_hash = ?",
                             (iso(datetime.fromisoformat(created) - timedelta(**delta)),
                              iso(datetime.fromisoformat(seen) - timedelta(**delta)), sid))


def test_auth_session_expires(desk):
    """Absolute timeout (SESSION_HOURS from sign-in, whatever the activity) and idle timeout."""
    c = desk.app.test_client()
    login(c, HEXI)
    assert c.get("/desk/cases").status_code == 200
    for _ in range(int(desk.config.session_hours * 60 // 50)):  # busy all day: a request every 50 minutes
        _age_session(desk, minutes=50)
        desk.db.conn.execute("UPDATE desk_sessions SET last_seen_at = ?", (store.iso(store.utcnow()),))
        assert c.get("/desk/cases").status_code == 200
    _age_session(desk, minutes=desk.config.session_hours * 60 % 50 + 1)
    desk.db.conn.execute("UPDATE desk_sessions SET last_seen_at = ?", (store.iso(store.utcnow()),))
    r = c.get("/desk/cases")
    assert r.status_code == 302 and "/desk/login" in r.headers["Location"]
    with c.session_transaction() as s:
        assert "desk_sid" not in s
    c2 = desk.app.test_client()
    login(c2, HEXI)
    _age_session(desk, minutes=desk.config.session_idle_minutes - 1)
    assert c2.get("/desk/cases").status_code == 200  # a minute before the idle limit
    _age_session(desk, minutes=desk.config.session_idle_minutes + 1)
    assert c2.get("/desk/cases").status_code == 302
    why = [r[0] for r in desk.db.conn.execute("SELECT ended_why FROM desk_sessions ORDER BY created_at")]
    assert why == ["absolute timeout", "idle timeout"]


def _copied_cookie(c) -> str:
    return next(cookie.value for cookie in c._cookies.values() if cookie.key == "session")


def _browser_with(desk, cookie: str):
    thief = desk.app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def test_a_copied_session_cookie_is_refused_after_sign_out(desk):
    c = desk.app.test_client()
    login(c, HEXI)
    copied = _copied_cookie(c)
    assert _browser_with(desk, copied).get("/desk/cases").status_code == 200  # the copy works while signed in
    post(c, "/desk/logout", {"csrf_token": csrf(c)})
    assert _browser_with(desk, copied).get("/desk/cases").status_code == 302


def test_a_copied_session_cookie_is_refused_after_a_password_change(desk):
    c = desk.app.test_client()
    login(c, HEXI)
    copied = _copied_cookie(c)
    auth.set_password(desk.db, HEXI, "a-new-password-2026")
    assert _browser_with(desk, copied).get("/desk/cases").status_code == 302
    assert c.get("/desk/cases").status_code == 302


def test_admin_signs_an_account_out_everywhere(desk):
    officer_phone, officer_pc = desk.app.test_client(), desk.app.test_client()
    login(officer_phone, HEXI)
    login(officer_pc, HEXI)
    admin = desk.client(auth.ADMIN_EMAIL)
    page = admin.get("/desk/sessions").get_data(as_text=True)
    assert HEXI in page and "全部退出" in page
    uid = auth.find_user(desk.db, HEXI).id
    r = admin.post(f"/desk/users/{uid}/sign-out-everywhere", data={"csrf_token": csrf(admin)})
    assert r.status_code == 303
    assert officer_phone.get("/desk/cases").status_code == 302 and officer_pc.get("/desk/cases").status_code == 302
    assert admin.get("/desk/cases").status_code == 200
    # an officer may not do it to someone else
    other = desk.client(HEXI)
    assert other.post(f"/desk/users/{uid}/sign-out-everywhere", data={"csrf_token": csrf(other)}).status_code == 403


def test_a_stranger_cannot_lock_an_officer_out(desk):
    """Five wrong passwords from elsewhere lock that address for that account, not the officer's own."""
    for _ in range(auth.LOCK_FAILURES):
        assert auth.check_password(desk.db, HEXI, "nope", T0, "203.0.113.66") == (None, "invalid")
    assert auth.check_password(desk.db, HEXI, PASSWORD, T0 + timedelta(minutes=1), "203.0.113.66") == (None, "locked")
    user, _ = auth.check_password(desk.db, HEXI, PASSWORD, T0 + timedelta(minutes=1), "10.0.0.2")
    assert user is not None and user.email == HEXI


def test_auth_post_without_csrf_token_refused(desk):
    cid = insert_case(desk.db, township="hexi")
    c = desk.app.test_client()
    login(c, HEXI)
    csrf(c)
    r = c.post(f"/desk/cases/{cid}/acknowledge")
    assert r.status_code == 400
    assert "页面已过期" in r.get_data(as_text=True)  # a polite page in Chinese, not a bare "Bad Request"
    assert desk.case(cid)["status"] == "new"
    r = c.post("/desk/login", data={"email": HEXI, "password": PASSWORD})
    assert r.status_code == 400 and "这次操作没有保存" in r.get_data(as_text=True)


def test_auth_deactivated_account_is_signed_out(desk):
    c = desk.app.test_client()
    login(c, HEXI)
    with store.write_transaction(desk.db):
        desk.db.conn.execute("UPDATE users SET active = 0 WHERE email = ?", [HEXI])
    assert c.get("/desk/cases").status_code == 302


def test_auth_sync_users_from_registry(desk):
    rows = {r["email"]: r for r in desk.db.query("SELECT * FROM users")}
    assert rows[HEXI]["role"] == "township" and rows[HEXI]["scope_code"] == "hexi"
    assert rows["hexi.deputy@qinghe.example.gov.cn"]["scope_code"] == "hexi"
    assert rows["housing@qinghe.example.gov.cn"]["role"] == "department"
    assert rows["desk@qinghe.example.gov.cn"]["role"] == "county"
    assert rows[auth.ADMIN_EMAIL]["role"] == "admin"
    assert len([r for r in rows.values() if r["role"] == "township"]) == 2 * len(desk.registry.townships)
    assert all(r["password_hash"].startswith("$argon2") for r in rows.values())
    # an account the registry no longer names is deactivated, and a re-sync changes nothing else
    with store.write_transaction(desk.db):
        desk.db.conn.execute("INSERT INTO users (email, name, role, scope_code, created_at)"
                             " VALUES ('old@x', 'old', 'township', 'hexi', '2020-01-01')")
    counts = auth.sync_users(desk.db, desk.registry)
    assert counts["created"] == 0 and counts["deactivated"] == 1
    assert auth.find_user(desk.db, "old@x").active is False
    assert auth.find_user(desk.db, HEXI).active is True
