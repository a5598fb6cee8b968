"""Password guesses spread over many addresses are slowed per account (issue 25 item 4), and the
real officer is never locked out: their known browser and the email link still get in."""

from __future__ import annotations

from wagesafe.localtime import format_local

import re
from datetime import timedelta

import pytest

from formsvc.officers import auth
from tests.desk_fixtures import HEXI, PASSWORD, T0, Desk, login, post


@pytest.fixture
def desk(tmp_path, data_dir):
    d = Desk(tmp_path, data_dir, password=PASSWORD)
    yield d
    d.db.close()


def guess_from_many_addresses(desk, n: int, at=T0, email: str = HEXI):
    """``n`` wrong passwords, one per address (the per-address lock never trips), each after the
    account's delay (a patient guesser); returns the time of the last."""
    for i in range(n):
        at += timedelta(seconds=auth.slowed_for(desk.db, email, at))
        assert auth.check_password(desk.db, email, f"guess {i}", at, f"198.51.100.{i}") == (None, "invalid")
    return at


def test_guesses_over_many_addresses_slow_the_account_with_a_growing_delay(desk):
    guess_from_many_addresses(desk, auth.SLOW_AFTER)
    # the right password from yet another address is not even checked until the delay has passed
    assert auth.check_password(desk.db, HEXI, PASSWORD, T0, "203.0.113.9") == (None, "slowed")
    first = auth.slowed_for(desk.db, HEXI, T0)
    assert first == 2
    later = T0 + timedelta(seconds=first)
    assert auth.check_password(desk.db, HEXI, "wrong again", later, "203.0.113.10") == (None, "invalid")
    assert auth.slowed_for(desk.db, HEXI, later) == 4  # doubled
    for n in range(12):  # a patient guesser, waiting out every delay
        later += timedelta(seconds=auth.slowed_for(desk.db, HEXI, later))
        auth.check_password(desk.db, HEXI, f"patient {n}", later, f"203.0.113.{20 + n}")
    assert auth.slowed_for(desk.db, HEXI, later) == auth.SLOW_MAX_SECONDS  # a few tries an hour at most
    # other accounts are untouched
    user, why = auth.check_password(desk.db, "dongcheng.officer@qinghe.example.gov.cn", PASSWORD, later, "203.0.113.9")
    assert user is not None, why


def test_the_owner_is_emailed_once_when_slowing_starts(desk):
    guess_from_many_addresses(desk, auth.SLOW_AFTER + 5)
    mails = desk.notices("signin_slowed")
    assert len(mails) == 1 and mails[0]["recipient"] == HEXI
    body = mails[0]["body"]
    assert "登录链接" in body and "以前登录过" in body and "198.51.100" not in body
    # the time in the county's zone, said so (T0 is UTC), never "(UTC)"
    assert format_local(T0, "Asia/Shanghai", with_zone=True) in body and "UTC" not in body
    # an email with no account gets no mail (and the same answers)
    guess_from_many_addresses(desk, auth.SLOW_AFTER + 1, email="nobody@qinghe.example.gov.cn")
    assert len(desk.notices("signin_slowed")) == 1


def test_the_real_officer_gets_in_from_a_known_browser_and_by_email_link(desk):
    desk.app.config["DESK_CLOCK"] = lambda: T0
    phone = desk.app.test_client()
    login(phone, HEXI)  # the officer's own phone, earlier: the desk remembers it (a signed cookie)
    post(phone, "/desk/logout")
    last = guess_from_many_addresses(desk, auth.SLOW_AFTER + 3, at=T0 - timedelta(hours=1))
    desk.app.config["DESK_CLOCK"] = lambda: last
    stranger = desk.app.test_client()
    r = post(stranger, "/desk/login", {"email": HEXI, "password": PASSWORD})
    page = r.get_data(as_text=True)
    assert r.status_code == 429 and "密码登录要等" in page and "发送登录链接" in page
    assert int(r.headers["Retry-After"]) >= 1
    # a made-up "known device" cookie is not one
    stranger.set_cookie("wsdesk", "1.forged", path="/desk")
    assert post(stranger, "/desk/login", {"email": HEXI, "password": PASSWORD}).status_code == 429
    # the officer's phone: straight in with the password
    r = post(phone, "/desk/login", {"email": HEXI, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    # a new phone: the email link works at once
    fresh = desk.app.test_client()
    assert post(fresh, "/desk/login/link", {"email": HEXI}).status_code == 200
    token = re.search(r"/desk/login/([A-Za-z0-9_\-]+)", desk.notices("sign_in")[-1]["body"]).group(1)
    r = post(fresh, f"/desk/login/{token}")
    assert r.status_code == 302 and fresh.get("/desk/cases").status_code == 200
