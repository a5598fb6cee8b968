"""Sign-in (password and one-time link), lockout, session expiry, CSRF, accounts from the registry."""

from __future__ import annotations

import re
from datetime import timedelta

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
    # now even the right password is refused for a while ...
    assert auth.check_password(desk.db, HEXI, PASSWORD, T0 + timedelta(minutes=1), "10.0.0.2") == (None, "locked")
    # ... and accepted once the window has passed
    user, _ = auth.check_password(desk.db, HEXI, PASSWORD, T0 + timedelta(minutes=auth.LOCK_WINDOW_MINUTES + 1))
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


def test_auth_session_expires(desk):
    c = desk.app.test_client()
    login(c, HEXI)
    assert c.get("/desk/cases").status_code == 200
    with c.session_transaction() as s:
        s["desk_at"] = store.iso(store.utcnow() - timedelta(hours=desk.config.session_hours, minutes=-1))
    assert c.get("/desk/cases").status_code == 200  # a minute before the limit
    with c.session_transaction() as s:
        s["desk_at"] = store.iso(store.utcnow() - timedelta(hours=desk.config.session_hours, minutes=1))
    r = c.get("/desk/cases")
    assert r.status_code == 302 and "/desk/login" in r.headers["Location"]
    with c.session_transaction() as s:
        assert "desk_uid" not in s


def test_auth_post_without_csrf_token_refused(desk):
    cid = insert_case(desk.db, township="hexi")
    c = desk.app.test_client()
    login(c, HEXI)
    csrf(c)
    r = c.post(f"/desk/cases/{cid}/acknowledge")
    assert r.status_code == 400
    assert desk.case(cid)["status"] == "new"
    assert c.post("/desk/login", data={"email": HEXI, "password": PASSWORD}).status_code == 400


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
