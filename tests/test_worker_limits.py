"""Every limit path of every worker-facing POST (and the receipt page), in the real app (issue 25).

The rule under test: the limits refuse only the one who floods. Everyone here shares one address
(the test client's 127.0.0.1, like a dormitory Wi-Fi); a "phone" is a test client with its own
cookies. A cookie the client made up (``session=x``, ``wsdev=x``) is no cookie at all.
"""

from __future__ import annotations

import pytest

from formsvc.case import ratelimit
from tests.test_intake import check_status, count, db_of, make_app, submit, tokens


@pytest.fixture
def app(tmp_path, data_dir):
    return make_app(tmp_path, data_dir)


def receipt_of(response) -> str:
    assert response.status_code == 303, response.data.decode()[:500]
    return response.headers["Location"].rsplit("/", 1)[-1]


def junk_post(client, path="/complain"):
    return client.post(path, data={"csrf_token": "forged", "name": "x"})


def refused_politely(response, words: str = "") -> bool:
    page = response.data.decode()
    title = "查询太频繁了" if "没有查询" in page else "提交太频繁了"  # a look-up, or a submission
    return response.status_code == 429 and title in page and "12333" in page and words in page \
        and int(response.headers["Retry-After"]) >= 1


# --- the complaint form ------------------------------------------------------------------------------------------

def test_device_cookie_is_signed_and_a_made_up_one_is_replaced(app):
    phone = app.test_client()
    phone.get("/complain")
    issued = phone.get_cookie("wsdev").value
    assert "." in issued  # id.signature
    liar = app.test_client()
    liar.set_cookie("wsdev", "made-up")
    liar.get("/complain")
    assert liar.get_cookie("wsdev").value != "made-up"


def test_junk_from_one_device_is_refused_after_many_and_the_crew_files(app):
    flooder = app.test_client()
    flooder.get("/complain")  # a real, signed device cookie and session
    seen = [junk_post(flooder).status_code for _ in range(ratelimit.JUNK_PER_DEVICE + 1)]
    assert seen[:ratelimit.JUNK_PER_DEVICE] == [400] * ratelimit.JUNK_PER_DEVICE
    refused = junk_post(flooder)
    assert refused_politely(refused, "已过期或没填好") and "提交太频繁了" in refused.data.decode()
    # Forms with errors count as junk too, and its valid complaint waits as well.
    assert submit(flooder).status_code == 429
    for n in range(3):  # the same address, other phones: untouched
        assert submit(app.test_client(), mobile=f"1390000010{n}").status_code == 303


@pytest.mark.parametrize("made_up", [{"session": "x"}, {"wsdev": "x"}, {}])
def test_junk_with_a_made_up_cookie_or_none_meets_the_cookieless_bucket_only(app, made_up):
    for _ in range(ratelimit.JUNK_WITHOUT_COOKIE):
        bot = app.test_client()
        for name, value in made_up.items():
            bot.set_cookie(name, value)
        assert junk_post(bot).status_code == 400
    bot = app.test_client()
    for name, value in made_up.items():
        bot.set_cookie(name, value)
    assert refused_politely(junk_post(bot), "Cookie")
    assert receipt_of(submit(app.test_client()))  # a real browser holds our signed cookie: it files


def test_form_with_errors_counts_as_junk_for_that_device(app):
    phone = app.test_client()
    for _ in range(ratelimit.JUNK_PER_DEVICE):
        assert submit(phone, mobile="123").status_code == 400
    assert refused_politely(submit(phone, mobile="123"))


def test_valid_flood_is_refused_per_device_the_address_stays_open_and_the_desk_is_told(tmp_path, data_dir):
    app = make_app(tmp_path, data_dir, RATE_LIMIT_DEVICE_PER_HOUR="3")
    phone = app.test_client()
    for n in range(3):
        receipt_of(submit(phone, mobile=f"1390000020{n}"))
    assert refused_politely(submit(phone, mobile="13900000209"), "这部手机")
    assert receipt_of(submit(app.test_client(), mobile="13900000210"))  # the next phone on the Wi-Fi
    alerts = db_of(app).conn.execute(
        "SELECT subject FROM notices WHERE kind = 'abuse_alert' AND channel = 'email'").fetchall()
    assert len(alerts) == 1 and "同一部手机" in alerts[0][0]
    assert count(app, "complaints") == 4


def test_a_made_up_device_cookie_is_not_a_device_for_the_complaint_limit(tmp_path, data_dir):
    """Rotating made-up ``wsdev`` values gains nothing: the session (signed by us) still counts."""
    app = make_app(tmp_path, data_dir, RATE_LIMIT_DEVICE_PER_HOUR="2")
    phone = app.test_client()
    for n in range(2):
        phone.get("/complain")
        phone.set_cookie("wsdev", f"invented-{n}")
        receipt_of(submit(phone, mobile=f"1390000030{n}"))
    phone.set_cookie("wsdev", "invented-9")
    assert refused_politely(submit(phone, mobile="13900000309"), "这部手机")  # the session's limit, in a phone's words
    keys = [k for (k,) in db_of(app).conn.execute("SELECT key FROM rate_events")]
    assert not any(k == ratelimit.device_key("invented-0") for k in keys)


# --- receipt page ------------------------------------------------------------------------------------------------

def test_receipt_guessing_is_throttled_per_device_never_the_workers_own_receipt(app):
    worker = app.test_client()
    mine = submit(worker).headers["Location"]
    guesser = app.test_client()
    guesser.get("/status")
    for n in range(ratelimit.RECEIPT_MISSES_PER_WINDOW):
        assert guesser.get(f"/receipt/ABCD-{n:04d}").status_code == 404
    assert refused_politely(guesser.get("/receipt/ABCD-EFGH"))
    assert refused_politely(guesser.get(mine))  # the guesser learns nothing more, not even a hit
    assert worker.get(mine).status_code == 200  # the worker on the same Wi-Fi: never blocked
    other = app.test_client()  # another phone there, with a bookmarked receipt
    assert other.get(mine).status_code == 200


def test_receipt_page_of_a_filer_is_never_refused_even_past_the_address_bucket(app, monkeypatch):
    monkeypatch.setattr(ratelimit, "MISSES_PER_ADDRESS", 5)
    worker = app.test_client()
    mine = submit(worker).headers["Location"]
    for n in range(5):
        app.test_client().get(f"/receipt/ABCD-{n:04d}")
    assert refused_politely(app.test_client().get("/receipt/ABCD-9999"), "远远超过")
    assert worker.get(mine).status_code == 200


# --- status check ------------------------------------------------------------------------------------------------

def test_status_misses_are_limited_per_device_and_the_next_worker_checks(app):
    worker = app.test_client()
    receipt = receipt_of(submit(worker))
    guesser = app.test_client()
    for n in range(ratelimit.STATUS_MISSES_PER_DEVICE):
        assert check_status(guesser, f"ABCD-{n:04d}", "13812345678").status_code == 404
    refused = check_status(guesser, "ABCD-EFGH", "13812345678")
    assert refused_politely(refused, "这部手机") and "查询太频繁了" in refused.data.decode()  # a look-up's words
    assert check_status(app.test_client(), receipt, "13812345678").status_code == 200


def test_status_guessing_one_receipt_is_paused_except_for_its_own_browser(app):
    worker = app.test_client()
    receipt = receipt_of(submit(worker))
    for n in range(ratelimit.STATUS_MISSES_PER_RECEIPT):  # many phones trying mobiles against one receipt
        assert check_status(app.test_client(), receipt, f"1390000{n:04d}").status_code == 404
    assert refused_politely(check_status(app.test_client(), receipt, "13812345678"), "这个回执号")
    assert check_status(worker, receipt, "13812345678").status_code == 200  # the browser that filed it


def test_status_per_address_limit_only_far_above_a_crew(app, monkeypatch):
    assert ratelimit.MISSES_PER_ADDRESS >= 10 * 30  # a crew of 30, each mistyping ten times
    monkeypatch.setattr(ratelimit, "MISSES_PER_ADDRESS", 4)
    worker = app.test_client()
    receipt = receipt_of(submit(worker))
    for n in range(4):
        assert check_status(app.test_client(), f"ABCD-{n:04d}", "13812345678").status_code == 404
    assert refused_politely(check_status(app.test_client(), receipt, "13812345678"))
    assert check_status(worker, receipt, "13812345678").status_code == 200


def test_status_without_our_cookie_has_a_small_bucket_of_its_own(app):
    for n in range(ratelimit.MISSES_WITHOUT_COOKIE):
        bot = app.test_client()
        page = bot.get("/status").data
        bot.set_cookie("wsdev", "x")
        assert bot.post("/status", data={**tokens(page), "receipt": f"ABCD-{n:04d}"}).status_code == 404
    bot = app.test_client()
    page = bot.get("/status").data
    bot.set_cookie("wsdev", "x")
    assert refused_politely(bot.post("/status", data={**tokens(page), "receipt": "ABCD-EFGH"}))
    worker = app.test_client()
    receipt = receipt_of(submit(worker))
    assert check_status(app.test_client(), receipt, "13812345678").status_code == 200


# --- the worker's answer -----------------------------------------------------------------------------------------

def answer(client, receipt, mobile="13812345678"):
    page = client.get("/status").data
    return client.post("/status/answer", data={**tokens(page), "receipt": receipt, "mobile": mobile,
                                               "paid": "no", "rating": "1", "comment": ""})


def test_status_answer_refused_politely_never_500(app):
    guesser = app.test_client()
    for n in range(ratelimit.STATUS_MISSES_PER_DEVICE):
        assert answer(guesser, f"ABCD-{n:04d}").status_code == 404
    r = answer(guesser, "ABCD-EFGH")
    assert refused_politely(r), (r.status_code, r.data[:300])


def test_status_answer_of_the_workers_own_case_passes_whatever_others_did(app, monkeypatch):
    monkeypatch.setattr(ratelimit, "MISSES_PER_ADDRESS", 3)
    worker = app.test_client()
    receipt = receipt_of(submit(worker))
    for n in range(3):
        check_status(app.test_client(), f"ABCD-{n:04d}", "13812345678")
    assert answer(app.test_client(), receipt).status_code == 429
    assert answer(worker, receipt).status_code in (200, 400)  # judged on its words (no outcome yet), not refused


# --- the arbitration application's prefill -----------------------------------------------------------------------

def prefill(client, receipt, mobile="13812345678"):
    page = client.get("/tools/application").data
    return client.post("/tools/application", data={**tokens(page), "action": "prefill", "receipt": receipt,
                                                    "prefill_mobile": mobile})


def test_application_prefill_shares_the_status_limits(app):
    worker = app.test_client()
    receipt = receipt_of(submit(worker))
    guesser = app.test_client()
    for n in range(ratelimit.STATUS_MISSES_PER_DEVICE):
        assert prefill(guesser, f"ABCD-{n:04d}").status_code == 404
    assert refused_politely(prefill(guesser, "ABCD-EFGH"))
    r = prefill(app.test_client(), receipt)
    assert r.status_code == 200 and "张三" in r.data.decode()


# --- issue 25's done-when, without nginx (as `make run` serves it) ---------------------------------------------

def test_after_junk_with_made_up_cookies_and_70_wrong_checks_a_worker_files_and_checks(app):
    first = receipt_of(submit(app.test_client(), mobile="13800000001"))
    for n in range(40):
        bot = app.test_client()
        bot.set_cookie("session", f"made-up-{n}")
        assert junk_post(bot).status_code in (400, 429)
    guesser = app.test_client()
    statuses = [check_status(guesser, f"ABCD-{n:04d}", "13812345678").status_code for n in range(70)]
    assert set(statuses) <= {404, 429} and 429 in statuses
    worker = app.test_client()
    receipt_of(submit(worker, mobile="13800000002"))
    assert check_status(worker, first, "13800000001").status_code == 200
    assert check_status(app.test_client(), first, "13800000001").status_code == 200


def test_application_form_junk_gets_the_polite_page_and_the_junk_limit(app):
    """A forged or expired token on the tools' form: the polite Chinese page (was werkzeug's English
    "Bad Request"), counted as junk for that device like on the complaint form."""
    phone = app.test_client()
    phone.get("/tools/application")
    for _ in range(ratelimit.JUNK_PER_DEVICE):
        r = phone.post("/tools/application", data={"csrf_token": "forged"})
        assert r.status_code == 400 and "页面已过期" in r.data.decode()
    assert refused_politely(phone.post("/tools/application", data={"csrf_token": "forged"}))
    other = app.test_client()
    assert other.get("/tools/application").status_code == 200
    page = other.get("/tools/application").data
    assert other.post("/tools/application", data={**tokens(page)}).status_code == 400  # judged on its fields
