"""The worker's path through the real app: form → submit → receipt → status, with CSRF on.

Every test runs create_app on a real SQLite file and upload folder in a temp dir and talks
to it through Flask's test client; the form is fetched first and its CSRF and submission
tokens parsed from the HTML, as a browser would.
"""

from __future__ import annotations

import html
import io
import re

import pytest

from formsvc import create_app
from formsvc.storage import store
from wagesafe.config import Config

from tests.images import JPEG, PNG  # noqa: E402  (real photos: the service re-encodes them)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
HTML = b"<!doctype html><html><script>alert(1)</script></html>"

GOOD = dict(name="张三", mobile="138 1234 5678", owed_by_kind="team_leader", owed_by_name="李四", trade="木工",
            workers="3", amount_yuan="12,000", months_owed="2", description="干了三个月，包工头一直拖着不发。",
            callback_time="evening", consent="y")


def make_app(tmp_path, data_dir, **env):
    settings = {"WAGESAFE_VAR_DIR": str(tmp_path / "var"), "WAGESAFE_DATA_DIR": str(data_dir),
                "PUBLIC_BASE_URL": "https://wagesafe.example", **env}
    app = create_app(Config.from_env(settings))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def app(tmp_path, data_dir):
    return make_app(tmp_path, data_dir)


@pytest.fixture
def client(app):
    return app.test_client()


def db_of(app):
    return store.connect(app.config["WAGESAFE"].database)


def count(app, table: str) -> int:
    return db_of(app).conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def tokens(page: bytes) -> dict:
    text = page.decode()
    out = {}
    for name in ("csrf_token", "submission_token"):
        m = re.search(rf'name="{name}"[^>]*value="([^"]*)"', text) or re.search(rf'value="([^"]*)"[^>]*name="{name}"', text)
        if m:
            out[name] = html.unescape(m.group(1))
    return out


def submit(client, url="/r/qh012", files=(), fresh=True, token_from=None, **fields):
    """Fetch the form, fill it with GOOD overridden by ``fields`` (None removes one), attach files, post."""
    page = token_from or client.get(url).data
    data = {**tokens(page), **GOOD, **fields}
    data = {k: v for k, v in data.items() if v is not None}
    data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(url, data=data, content_type="multipart/form-data")


def stored_nothing(app) -> bool:
    uploads = list(app.config["WAGESAFE"].upload_dir.iterdir())
    return (count(app, "complaints"), count(app, "notices"), count(app, "evidence"), count(app, "events"),
            len(uploads)) == (0, 0, 0, 0, 0)


# --- the form -------------------------------------------------------------------------------------------------

def test_intake_project_form_shows_the_site_and_works_without_javascript(client):
    r = client.get("/r/QH012")  # codes on posters are read case-insensitively
    assert r.status_code == 200
    page = r.data.decode()
    assert "河西街道" in page and "欠薪投诉" in page
    assert 'enctype="multipart/form-data"' in page and 'method="post"' in page
    assert re.search(r'<input type="file"[^>]*accept="image/\*,application/pdf"[^>]*multiple', page)
    assert 'name="csrf_token"' in page and 'name="submission_token"' in page
    # Plain HTML that works without JavaScript; the one script (drafts, smaller photos) is our own
    # file, deferred, and nothing inline (the CSP's script-src 'self').
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/intake.js" defer>']
    assert 'href="/r/qh012?lang=en"' in page.lower()


def test_intake_language_switch_is_remembered_in_a_cookie(client):
    r = client.get("/r/qh012?lang=en")
    assert "Report unpaid wages" in r.data.decode() and "Hexi Subdistrict" in r.data.decode()
    assert "lang=en" in " ".join(r.headers.getlist("Set-Cookie"))
    assert "Report unpaid wages" in client.get("/complain").data.decode()  # the cookie keeps English
    assert "欠薪投诉" in client.get("/complain?lang=zh").data.decode()


@pytest.mark.parametrize("code", ["nope123", "<script>alert(1)</script>", "qh012'--", "%00%0a", "a" * 500])
def test_intake_unknown_project_code_gets_a_helpful_escaped_404(client, code):
    r = client.get(f"/r/{code}")
    assert r.status_code == 404
    page = r.data.decode()
    assert 'href="/complain"' in page and "没有找到这个工地" in page
    assert "<script>alert" not in page


def test_intake_general_form_offers_townships(client):
    page = client.get("/complain").data.decode()
    assert '<select id="township" name="township">' in page and "清水镇" in page and "不清楚" in page


def test_intake_healthz_checks_the_database(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.data == b"ok\n"


# --- submitting -----------------------------------------------------------------------------------------------

def test_intake_submit_stores_routes_notifies_in_one_go(app, client):
    r = submit(client, files=[("工资条.jpg", JPEG), ("欠条.pdf", PDF)])
    assert r.status_code == 303
    receipt = r.headers["Location"].rsplit("/", 1)[-1]
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", receipt)
    db = db_of(app)
    c = dict(db.conn.execute("SELECT * FROM complaints").fetchone() and next(db.query("SELECT * FROM complaints")))
    assert (c["receipt"], c["project_code"], c["mobile"], c["amount_yuan"], c["workers"]) == (
        receipt, "qh012", "13812345678", 12000, 3)
    assert (c["assignee_kind"], c["assignee_code"], c["responsible_kind"], c["responsible_code"]) == (
        "township", "hexi", "township", "hexi")
    assert c["consent"] == 1 and c["anonymous"] == 0 and c["urgent"] == 0 and c["status"] == "new"
    decisions = list(db.query("SELECT rule, reason FROM case_routing ORDER BY decided_at, seq"))
    assert decisions[0]["rule"] == "project" and "郭辉辉" in decisions[0]["reason"]
    assert [(e["kind"], e["public"]) for e in db.query("SELECT kind, public FROM case_events ORDER BY at, seq")] == [
        ("submitted", 1), ("routed", 1)]
    notices = {(n["channel"], n["recipient"]): n for n in db.query("SELECT * FROM notices")}
    assert set(notices) == {("email", "hexi.officer@qinghe.example.gov.cn"), ("sms", "13300000100")}
    email = notices[("email", "hexi.officer@qinghe.example.gov.cn")]
    assert email["subject"].startswith(f"[薪安通] 新欠薪投诉 {receipt} ")
    assert f"https://wagesafe.example/desk/cases/{c['id']}" in email["body"] and "张三" not in email["body"]
    sms = notices[("sms", "13300000100")]["body"]
    assert f"https://wagesafe.example/desk/cases/{c['id']}" in sms
    for private in ("张三", "13812345678", "12000", "李四"):
        assert private not in sms
    ev = list(db.query("SELECT * FROM evidence ORDER BY id"))
    assert [(e["original_name"], e["mime"]) for e in ev] == [("工资条.jpg", "image/jpeg"), ("欠条.pdf", "application/pdf")]
    upload_dir = app.config["WAGESAFE"].upload_dir
    import hashlib
    for e, content in zip(ev, (JPEG, PDF)):
        path = upload_dir / e["stored_name"]
        assert path.read_bytes() == content and e["sha256"] == hashlib.sha256(content).hexdigest()
        assert re.fullmatch(r"[0-9a-f]{32}\.(jpg|pdf)", e["stored_name"])
    assert not list(upload_dir.glob(".*.part"))
    page = client.get(r.headers["Location"]).data.decode()
    assert receipt in page and "河西街道" in page and "13300000100" not in page and "郭辉辉" not in page


def test_intake_general_form_routes_to_chosen_township_or_county(app, client):
    r = submit(client, url="/complain", township="qingshui", site_address="清水镇某小区工地")
    assert r.status_code == 303
    r = submit(client, url="/complain", township="", site_address="不知道是哪个镇", mobile="13900000009")
    assert r.status_code == 303
    r = submit(client, url="/complain", township="", project_code="QH012", site_address="", mobile="13900000008")
    assert r.status_code == 303
    rows = list(db_of(app).query("SELECT assignee_kind, assignee_code, project_code FROM complaints ORDER BY id"))
    assert [(x["assignee_kind"], x["assignee_code"], x["project_code"]) for x in rows] == [
        ("township", "qingshui", None), ("county", "", None), ("township", "hexi", "qh012")]
    desk = {n["recipient"] for n in db_of(app).query("SELECT recipient FROM notices WHERE complaint_id = 2")}
    assert "desk@qinghe.example.gov.cn" in desk


def test_intake_urgent_case_also_tells_the_county_desk(app, client):
    assert submit(client, workers="25").status_code == 303
    db = db_of(app)
    assert db.conn.execute("SELECT urgent FROM complaints").fetchone()[0] == 1
    kinds = {(n["kind"], n["recipient"]) for n in db.query("SELECT kind, recipient FROM notices")}
    assert ("urgent", "desk@qinghe.example.gov.cn") in kinds and ("new_case", "hexi.officer@qinghe.example.gov.cn") in kinds
    assert [r["rule"] for r in db.query("SELECT rule FROM case_routing ORDER BY decided_at, seq")] == ["project", "urgent"]


def test_intake_anonymous_tip_is_accepted_and_marked(app, client):
    r = submit(client, name="", mobile="", consent=None, anonymous="y")
    assert r.status_code == 303
    c = next(db_of(app).query("SELECT anonymous, name, mobile FROM complaints"))
    assert (c["anonymous"], c["name"], c["mobile"]) == (1, "", "")
    assert "匿名" in client.get(r.headers["Location"]).data.decode()
    receipt = r.headers["Location"].rsplit("/", 1)[-1]
    page = client.post("/status", data={**tokens(client.get("/status").data), "receipt": receipt.lower(), "mobile": ""})
    assert page.status_code == 200 and "已收到" in page.data.decode()


def test_intake_duplicate_submission_token_makes_one_complaint(app, client):
    form_page = client.get("/r/qh012").data
    first = submit(client, token_from=form_page, files=[("a.jpg", JPEG)])
    second = submit(client, token_from=form_page, files=[("a.jpg", JPEG)])
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert (count(app, "complaints"), count(app, "evidence"), count(app, "notices")) == (1, 1, 2)
    upload_dir = app.config["WAGESAFE"].upload_dir
    assert len(list(upload_dir.iterdir())) == 1  # the second copy of the file was not kept


def test_intake_honeypot_pretends_success_and_stores_nothing(app, client):
    r = submit(client, website="http://spam.example")
    assert r.status_code == 200 and "投诉已收到" in r.data.decode()
    assert stored_nothing(app)


# --- bad input: a clear message next to the field, and nothing stored ------------------------------------------

BAD = [
    ("mobile", dict(mobile="12345"), [], "手机号应为 11 位数字"),
    ("mobile letters", dict(mobile="138abcd5678"), [], "手机号应为 11 位数字"),
    ("missing mobile", dict(mobile=""), [], "请填写手机号"),
    ("missing name", dict(name=""), [], "请填写您的姓名"),
    ("negative amount", dict(amount_yuan="-5"), [], "请填写 0 到 100000000 之间的整数"),
    ("huge amount", dict(amount_yuan="999999999999"), [], "请填写 0 到 100000000 之间的整数"),
    ("amount words", dict(amount_yuan="很多"), [], "请只填写数字"),
    ("zero workers", dict(workers="0"), [], "请填写 1 到 10000 之间的整数"),
    ("huge workers", dict(workers="10001"), [], "请填写 1 到 10000 之间的整数"),
    ("months", dict(months_owed="121"), [], "请填写 0 到 120 之间的整数"),
    ("missing amount", dict(amount_yuan=""), [], "请填写一个数字"),
    ("missing consent", dict(consent=None), [], "请勾选同意"),
    ("long description", dict(description="欠" * 2001), [], "这里最多 2000 个字，现在是 2001 个"),
    ("long name", dict(name="张" * 51), [], "这里最多 50 个字"),
    ("owed kind", dict(owed_by_kind="government"), [], "请选择是谁欠您工资"),
    ("callback", dict(callback_time="midnight"), [], "请从列表中选择一项"),
    ("too many files", {}, [(f"{i}.jpg", JPEG) for i in range(6)], "最多只能上传 5 个文件，您选了 6 个"),
    ("exe as jpg", {}, [("photo.jpg", EXE)], "文件“photo.jpg”不是照片或 PDF"),
    ("html as jpg", {}, [("photo.jpg", HTML)], "文件“photo.jpg”不是照片或 PDF"),
    ("empty file", {}, [("photo.jpg", b"")], "文件“photo.jpg”是空的"),
    ("traversal name", {}, [("../../etc/passwd.jpg", b"root:x:0:0")], "文件“passwd.jpg”不是照片或 PDF"),
    ("bad token", dict(submission_token="x"), [], "页面已过期"),
]


@pytest.mark.parametrize("case, fields, files, message", BAD, ids=[b[0] for b in BAD])
def test_intake_bad_input_gets_a_clear_error_and_stores_nothing(app, client, case, fields, files, message):
    r = submit(client, files=files, **fields)
    assert r.status_code == 400, case
    page = html.unescape(r.data.decode())
    assert message in page
    assert "需要修改" in page
    assert stored_nothing(app)


def test_intake_general_form_bad_township_and_code(app, client):
    r = submit(client, url="/complain", township="atlantis", project_code="zz999", site_address="")
    page = html.unescape(r.data.decode())
    assert r.status_code == 400
    assert "请从列表中选择镇" in page and "没有找到编号为“zz999”的项目" in page
    assert stored_nothing(app)


def test_intake_errors_in_english_and_the_form_keeps_what_was_typed(app, client):
    client.get("/r/qh012?lang=en")
    r = submit(client, mobile="12345", owed_by_name="王<b>五</b>")
    page = r.data.decode()
    assert r.status_code == 400
    assert "A mobile number has 11 digits" in page
    assert 'value="12345"' in page and "王&lt;b&gt;五&lt;/b&gt;" in page  # kept, and escaped
    assert 'value="team_leader" checked' in page


def test_intake_oversize_file_is_refused(tmp_path, data_dir):
    app = make_app(tmp_path, data_dir, MAX_UPLOAD_MB="0.01")
    client = app.test_client()
    r = submit(client, files=[("big.jpg", JPEG + b"\x00" * 20_000)])
    assert r.status_code == 400 and "文件“big.jpg”太大" in r.data.decode()
    assert stored_nothing(app)


def test_intake_request_too_large_gets_a_polite_413(tmp_path, data_dir):
    app = make_app(tmp_path, data_dir, MAX_UPLOAD_MB="0.01", MAX_UPLOADS="1")
    client = app.test_client()
    r = submit(client, files=[("big.jpg", JPEG + b"\x00" * 2_000_000)])
    assert r.status_code == 413 and "提交的内容太大" in r.data.decode()
    assert stored_nothing(app)


def test_intake_missing_csrf_token_gets_a_polite_400(app, client):
    data = {**tokens(client.get("/r/qh012").data), **GOOD}
    del data["csrf_token"]
    r = client.post("/r/qh012", data=data, content_type="multipart/form-data")
    assert r.status_code == 400 and "页面已过期" in r.data.decode()
    data["csrf_token"] = "forged"
    assert client.post("/r/qh012", data=data, content_type="multipart/form-data").status_code == 400
    assert stored_nothing(app)


# --- abuse ----------------------------------------------------------------------------------------------------

def test_intake_rate_limit_per_ip(tmp_path, data_dir):
    app = make_app(tmp_path, data_dir, RATE_LIMIT_IP_PER_10_MINUTES="2")
    client = app.test_client()
    assert submit(client, mobile="13900000001").status_code == 303
    assert submit(client, mobile="13900000002").status_code == 303
    r = submit(client, mobile="13900000003")
    page = r.data.decode()
    assert r.status_code == 429 and "提交太频繁了" in page
    # The truth about when (the window is 10 minutes: the first event leaves it in 10 minutes at most),
    # and whom to phone instead.
    wait = int(r.headers["Retry-After"])
    assert 540 <= wait <= 600 and f"{-(-wait // 60)} 分钟" in page
    assert "12333" in page and get_registry_desk_phone(data_dir) in page
    assert count(app, "complaints") == 2
    other = app.test_client()
    r = submit(other, mobile="13900000004", token_from=None)
    assert r.status_code == 429  # same IP (the test client's), another browser: still limited
    # ... and the county desk was told, once for this address this hour.
    db = db_of(app)
    alerts = db.conn.execute("SELECT channel, body FROM notices WHERE kind = 'abuse_alert'").fetchall()
    assert [c for c, _ in alerts].count("email") == 1 and "127.0.0.1" in alerts[0][1]


def get_registry_desk_phone(data_dir) -> str:
    from wagesafe.registry import load_registry

    return load_registry(data_dir).county.desk.phone


def test_intake_rate_limit_per_device_not_per_address(tmp_path, data_dir):
    """One phone filing again and again is limited by its device cookie; the next phone on the same
    address (a crew on one Wi-Fi) is not."""
    app = make_app(tmp_path, data_dir, RATE_LIMIT_DEVICE_PER_HOUR="2")
    phone = app.test_client()
    for n in range(2):
        assert submit(phone, mobile=f"1390000001{n}").status_code == 303
    assert submit(phone, mobile="13900000019").status_code == 429
    assert submit(app.test_client(), mobile="13900000018").status_code == 303
    assert count(app, "complaints") == 3


def test_intake_junk_posts_never_use_the_address_allowance(tmp_path, data_dir):
    """Posts without a token, or with a bad field, are refused but not counted against the address."""
    app = make_app(tmp_path, data_dir, RATE_LIMIT_IP_PER_10_MINUTES="2")
    junk = app.test_client()
    for _ in range(10):
        assert junk.post("/complain", data={"name": "x"}).status_code == 400
        assert submit(junk, mobile="123").status_code == 400
    worker = app.test_client()
    assert submit(worker, mobile="13900000001").status_code == 303
    assert submit(app.test_client(), mobile="13900000002").status_code == 303


def test_intake_mobile_allowance_alerts_the_desk_instead_of_refusing(tmp_path, data_dir):
    """Anyone can type a worker's mobile: past the daily allowance the complaint is still stored,
    and the county desk is told once that day (without the number)."""
    app = make_app(tmp_path, data_dir, RATE_LIMIT_MOBILE_PER_DAY="1")
    client = app.test_client()
    assert submit(client).status_code == 303
    client.get("/complain?lang=en")
    assert submit(client).status_code == 303
    assert submit(app.test_client()).status_code == 303
    assert count(app, "complaints") == 3
    db = db_of(app)
    alerts = db.conn.execute("SELECT channel, subject, body FROM notices WHERE kind = 'abuse_alert'").fetchall()
    assert [a[0] for a in alerts].count("email") == 1, alerts
    assert "13812345678" not in " ".join(a[1] + a[2] for a in alerts)


def test_surge_alerts_the_desk_and_refuses_nobody(tmp_path, data_dir):
    app = make_app(tmp_path, data_dir, SURGE_ALERT_PER_10_MINUTES="3")
    for n in range(6):
        assert submit(app.test_client(), mobile=f"1390000002{n}").status_code == 303
    db = db_of(app)
    alerts = db.conn.execute("SELECT subject FROM notices WHERE kind = 'abuse_alert' AND channel = 'email'").fetchall()
    assert len(alerts) == 1 and "投诉激增" in alerts[0][0]


# Receipt guessing, status checks and the answer under limits: tests/test_worker_limits.py (issue 25).


# --- status ---------------------------------------------------------------------------------------------------

def check_status(client, receipt, mobile):
    return client.post("/status", data={**tokens(client.get("/status").data), "receipt": receipt, "mobile": mobile})


def test_status_shows_plain_words_and_public_events_only(app, client):
    r = submit(client)
    receipt = r.headers["Location"].rsplit("/", 1)[-1]
    db = db_of(app)
    with store.write_transaction(db):
        db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public) VALUES "
                        "(1, '2030-01-01T00:00:00+00:00', 'x@y', 'note', 'INTERNAL-NOTE-XYZ', 0),"
                        "(1, '2030-01-01T01:00:00+00:00', 'x@y', 'acknowledged', 'INTERNAL-DETAIL', 1)")
        db.conn.execute("UPDATE complaints SET status = 'acknowledged'")
    fresh = app.test_client()  # another phone: receipt + mobile is enough
    page = check_status(fresh, receipt.replace("-", " ").lower(), "+86 13812345678").data.decode()
    # the unit that took it is named (formsvc.case.story), never a person
    assert "河西街道已接手，正在处理" in page and "河西街道已接手您的投诉" in page and "您提交了投诉" in page
    assert "河西街道" in page
    for secret in ("INTERNAL-NOTE-XYZ", "INTERNAL-DETAIL", "郭辉辉", "13300000100", "hexi.officer", "张三"):
        assert secret not in page


def test_status_wrong_pair_says_not_found_without_saying_which(app, client):
    receipt = submit(client).headers["Location"].rsplit("/", 1)[-1]
    wrong_mobile = check_status(client, receipt, "13900000000")
    wrong_receipt = check_status(client, "ABCD-EFGH", "13812345678")
    assert wrong_mobile.status_code == wrong_receipt.status_code == 404
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.data.decode())  # noqa: E731
    assert strip(wrong_mobile) == strip(wrong_receipt)
    assert "请检查回执号和手机号是否都填对了" in wrong_mobile.data.decode()


def test_receipt_page_needs_the_exact_receipt(app, client):
    location = submit(client).headers["Location"]
    assert app.test_client().get(location).status_code == 200  # bookmarkable: the receipt is the key
    for wrong in ("ABCD-EFGH", "<b>x", location.rsplit("/", 1)[-1].lower()):
        r = client.get(f"/receipt/{wrong}")
        assert r.status_code == 404 and "查询进度" in r.data.decode()


@pytest.mark.parametrize("url, home", [("/complain", "https://wagesafe.example/"),
                                       ("/r/qh012", "https://wagesafe.example/"),
                                       ("/status", "https://wagesafe.example/"),
                                       ("/status?lang=en", "https://wagesafe.example/en/"),
                                       ("/r/no-such-site", "https://wagesafe.example/")])
def test_intake_worker_pages_lead_back_to_the_portal(client, url, home):
    """Issue 23: every worker page links to the portal's home (PUBLIC_BASE_URL), in the page's language."""
    page = client.get(url).get_data(as_text=True)
    assert page.count(f'href="{home}"') >= 2, page[-800:]  # the brand in the header and the footer's words
