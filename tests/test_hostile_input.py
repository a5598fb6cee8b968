"""Hostile and odd input (catalogue: ``tests/hostile_inputs.py``): each gets a clear 4xx page, or is
stored faithfully and shown escaped everywhere it appears (the desk case page, the officer's
email, the CSV export, the worker's receipt and status pages). Never a 5xx, nothing in the
error log, and the complaint stored before the barrage is untouched after every case.

Flask's test client (with exceptions turned into 500s, as in production) for most; a real
gunicorn for malformed multipart bodies and huge headers, which never reach Flask's test client.
"""

from __future__ import annotations

import csv
import email
import io
import logging
import re
import shutil
import socket
import sys
from email import policy
from pathlib import Path

import markupsafe
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import hostile_inputs as H  # noqa: E402
from bench.common import Gunicorn, service_env  # noqa: E402
from formsvc.officers import auth  # noqa: E402
from formsvc.storage import store  # noqa: E402
from formsvc.web.desk.csv_export import FORMULA_START  # noqa: E402
from formsvc.notify.notifiers.email import build_message  # noqa: E402
from test_faults import make_app, post_form, tokens  # noqa: E402
from wagesafe.registry import load_registry  # noqa: E402

COUNTY = "desk@qinghe.example.gov.cn"
TABLES = ("complaints", "routing_decisions", "evidence", "events", "notices", "users")
NUMERIC = {"workers", "amount_yuan", "months_owed"}
SHOWN_TEXT = ("name", "owed_by_name", "trade", "description", "site_address")


class Service:
    """One app for the whole module, a county desk browser, and the seed complaint's snapshot."""

    def __init__(self, tmp: Path):
        data = tmp / "data"
        shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("README.md"))
        self.app = make_app(tmp, data, testing=False)
        self.config = self.app.config["WAGESAFE"]
        db = store.open_db(self.config.database)
        auth.sync_users(db, load_registry(data), demo_password="hostile-test-password")
        self.county = self.app.test_client()
        user = auth.find_user(db, COUNTY)
        from formsvc.officers import sessions

        with self.county.session_transaction() as s:  # a server-side session, as the sign-in route makes
            s["desk_sid"] = sessions.start(db, user.id, store.utcnow())
        db.conn.close()
        r = post_form(self.app.test_client(), files=[("工资条.jpg", H.JPEG)])
        assert r.status_code == 303
        self.seed = self.snapshot()

    def db(self):
        return store.connect(self.config.database)

    def snapshot(self) -> dict:
        db = self.db()
        try:
            return {t: db.conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES}
        finally:
            db.conn.close()

    def assert_seed_intact(self) -> None:
        """Rows stored before may gain nothing but their own later rows; each old row is unchanged."""
        now = self.snapshot()
        for t, rows in self.seed.items():
            assert now[t][:len(rows)] == rows, f"{t}: a stored row was changed"
        for row in self.seed["evidence"]:
            assert (Path(self.config.upload_dir) / row[2]).exists()

    def count(self, table: str = "complaints") -> int:
        db = self.db()
        try:
            return db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            db.conn.close()


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    return Service(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(autouse=True)
def no_errors_logged(caplog, request):
    """The app's error log stays empty (a known-defect xfail case is allowed its traceback)."""
    caplog.set_level(logging.WARNING)
    yield
    if request.node.get_closest_marker("xfail"):
        return
    errors = [r for r in caplog.get_records("setup") + caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage()[:300] for r in errors]


def assert_polite_4xx(r, status):
    assert r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:500])
    if status is None:
        assert 400 <= r.status_code < 500, r.status_code
    else:
        assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:500])


def no_raw_markup(page: str, value: str) -> None:
    """What a worker typed never appears as live markup (the form's own script tag aside)."""
    page = page.replace('<script src="/static/intake.js" defer></script>', "")
    for bad in ("<script", "<img", "<svg"):  # an escaped tag (&lt;img ... onerror=) is harmless text
        if bad in value.lower():
            assert bad not in page.lower(), bad
    if "<" in value:
        assert value not in page


def receipt_of(r) -> str:
    assert r.status_code == 303, (r.status_code, r.get_data(as_text=True)[:800])
    return r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


# --- stored faithfully and shown escaped -------------------------------------------------------------

def _params(cases) -> list:
    """One param per case; a case naming a known defect in another part is a strict xfail."""
    return [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason="known defect: " + c.defect)]
                         if getattr(c, "defect", "") else []) for c in cases]


@pytest.mark.parametrize("case", _params(H.STORED))
def test_hostile_input_stored_faithfully_and_escaped_everywhere(svc, case):
    # Each case from its own address, so the per-IP limits of intake and status never interfere.
    n = sum(map(ord, case.id))
    worker = svc.app.test_client()
    worker.environ_base["REMOTE_ADDR"] = f"10.{n % 250}.{len(case.id)}.{n % 199 + 1}"
    fields = dict(case.fields)
    if "mobile" not in fields:
        fields["mobile"] = "1370000" + f"{abs(hash(case.id)) % 10000:04d}"
    receipt = receipt_of(post_form(worker, url=case.url, **fields))
    db = svc.db()
    row = next(db.query("SELECT * FROM complaints WHERE receipt = ?", [receipt]))
    notices_ = list(db.query("SELECT * FROM notices WHERE complaint_id = ? ORDER BY id", [row["id"]]))
    db.conn.close()
    expected = {}
    for f, sent in case.fields.items():
        if f in ("township", "consent") or sent is None:
            continue
        want = case.expect.get(f, int(sent) if f in NUMERIC and sent.isdigit() else sent)
        if f == "anonymous":
            want = case.expect.get(f, 1)
        expected[f] = want
        assert row[f] == want, (f, row[f], want)
    texts = {f: v for f, v in expected.items() if f in SHOWN_TEXT and isinstance(v, str) and v}

    # The desk case page: escaped.
    page = svc.county.get(f"/desk/cases/{row['id']}").get_data(as_text=True)
    for f, v in texts.items():
        if f == "name" and row["anonymous"]:
            continue
        assert str(markupsafe.escape(v)) in page, (f, v)
        no_raw_markup(page, v)

    # The officer's email: verbatim in a plain-text body; no header can be injected through the subject.
    emails = [n for n in notices_ if n["channel"] == "email"]
    assert emails
    for n in emails:
        raw = build_message(n, "WageSafe <noreply@wagesafe.localhost>").as_bytes()
        msg = email.message_from_bytes(raw, policy=policy.default)
        assert msg.get_content_type() == "text/plain"
        assert msg["Bcc"] is None and "\n" not in str(msg["Subject"])
        body = msg.get_content()
        for f, v in texts.items():
            if f in ("name", "mobile", "description", "owed_by_name", "trade"):
                # Not in an officer's mailbox by default (issue 15): behind the desk link only.
                assert v not in body or len(v) < 3, (f, v)
                continue
            assert v in body, (f, v)
    for n in notices_:
        if n["channel"] == "sms":  # an SMS carries no personal data at all
            for f in ("name", "description", "owed_by_name"):
                if row[f]:
                    assert row[f] not in n["body"]

    # The CSV export: the same text, and never a live formula.
    r = svc.county.get("/desk/export.csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    header, mine = rows[0], next(x for x in rows[1:] if x[1] == receipt)
    for cell in mine:
        assert not cell.startswith(FORMULA_START), cell
    col = {f: header.index(h) for f, h in (("name", "姓名 name"), ("owed_by_name", "欠薪方 owed_by"),
                                          ("site_address", "工地地址 site"), ("description", "情况 description"))}
    for f, v in texts.items():
        if f in col and not (f == "name" and row["anonymous"]):
            assert mine[col[f]] in (v, "'" + v), (f, mine[col[f]], v)
            assert mine[col[f]] == ("'" + v if v.startswith(FORMULA_START) else v)

    # The worker's receipt and status pages.
    r = worker.get(f"/receipt/{receipt}")
    assert r.status_code == 200 and receipt in r.get_data(as_text=True)
    r = worker.post("/status", data={**tokens(worker.get("/status").data), "receipt": receipt,
                                     "mobile": row["mobile"]})
    assert r.status_code == 200, r.get_data(as_text=True)[:400]
    for v in texts.values():
        no_raw_markup(r.get_data(as_text=True), v)
    svc.assert_seed_intact()


# --- refused with a clear 4xx, nothing stored --------------------------------------------------------

@pytest.mark.parametrize("case", H.REFUSED, ids=lambda c: c.id)
def test_hostile_input_refused_politely_and_nothing_stored(svc, case):
    # No case, notice or evidence file; a good photo is held for the form shown again (held/, held_uploads).
    before = svc.count(), svc.count("notices"), sorted(p.name for p in svc.config.upload_dir.iterdir() if p.name != "held")
    r = post_form(svc.app.test_client(), url=case.url, files=[("a.jpg", H.JPEG)], **case.fields)
    assert_polite_4xx(r, case.status)
    page = r.get_data(as_text=True)
    assert "<html" in page.lower() and "薪安通" in page  # our page, in Chinese, not a bare error
    if case.says:
        assert case.says in page
    for v in case.fields.values():
        if isinstance(v, str) and len(v) < 5000:
            no_raw_markup(page, v)
    assert (svc.count(), svc.count("notices"),
            sorted(p.name for p in svc.config.upload_dir.iterdir() if p.name != "held")) == before
    svc.assert_seed_intact()


def test_hostile_input_csrf_token_of_another_session_is_refused(svc):
    a, b = svc.app.test_client(), svc.app.test_client()
    page_a = a.get("/r/qh012").data
    before = svc.count()
    r = post_form(b, page=page_a)  # b's session never saw a's token
    assert_polite_4xx(r, 400)
    assert "过期" in r.get_data(as_text=True)
    assert svc.count() == before


# --- odd paths and methods ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", _params(H.PATHS))
def test_hostile_input_paths_and_methods_get_4xx(svc, case):
    client = svc.county if case.path.startswith("/desk") else svc.app.test_client()
    r = client.open(case.path, method=case.method, data=case.body)
    assert r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:500])
    if case.status:
        assert r.status_code == case.status
    page = r.get_data(as_text=True)
    assert "<script>alert" not in page and "pwned" not in r.headers.get("Set-Cookie", "")
    svc.assert_seed_intact()


# --- uploads -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", H.UPLOADS, ids=lambda c: c.id)
def test_hostile_input_uploads(svc, case):
    before = sorted(p.name for p in svc.config.upload_dir.iterdir())
    r = post_form(svc.app.test_client(), files=[(case.name, case.content)], mobile="13911112222")
    if not case.accept:
        assert_polite_4xx(r, 400)
        assert sorted(p.name for p in svc.config.upload_dir.iterdir()) == before
        return
    receipt = receipt_of(r)
    db = svc.db()
    cid = db.conn.execute("SELECT id FROM complaints WHERE receipt = ?", (receipt,)).fetchone()[0]
    ev = next(db.query("SELECT * FROM evidence WHERE complaint_id = ?", [cid]))
    db.conn.close()
    name = ev["original_name"]
    assert name == (case.stored_name or name)
    assert "/" not in name and "\\" not in name and name not in ("", ".", "..") and len(name) <= 100
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
    assert re.fullmatch(r"[0-9a-f]{32}\.(jpg|png|pdf)", ev["stored_name"])
    stored = svc.config.upload_dir / ev["stored_name"]
    # A photo is stored re-encoded (formsvc/case/image_check.py): a polyglot keeps its pixels, not its page.
    expected = H.JPEG if case.content.startswith(H.JPEG) else case.content  # JPEG + a page → the JPEG alone
    assert stored.read_bytes() == expected
    if case.content[:3] == b"\xff\xd8\xff":
        assert b"<script" not in stored.read_bytes()
    assert set(p.name for p in svc.config.upload_dir.iterdir()) - set(before) == {ev["stored_name"]}
    page = svc.county.get(f"/desk/cases/{cid}").get_data(as_text=True)
    assert str(markupsafe.escape(name)) in page
    no_raw_markup(page, name)
    d = svc.county.get(f"/desk/cases/{cid}/evidence/{ev['id']}")
    assert d.status_code == 200 and d.data == stored.read_bytes()
    assert d.headers["Content-Disposition"].startswith("attachment")
    assert d.headers["X-Content-Type-Options"] == "nosniff"
    assert d.headers["Content-Type"].split(";")[0] in ("image/jpeg", "image/png", "application/pdf")
    svc.assert_seed_intact()


# --- raw bytes to a real gunicorn -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    var = tmp_path_factory.mktemp("hostile-gunicorn")
    with Gunicorn(service_env(var), workers=1, threads=2) as g:
        yield g


def send_raw(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, socket.timeout):
            pass
    return b"".join(chunks)


@pytest.mark.parametrize("case", _params(H.RAW))
def test_hostile_input_raw_http_to_gunicorn(gunicorn, case):
    reply = send_raw(gunicorn.port, case.request)
    m = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
    assert m, reply[:200]
    status = int(m.group(1))
    lo, hi = case.status_range
    assert lo <= status <= hi, (status, reply[:400])
    assert b"<script>alert" not in reply
    assert b"Traceback" not in reply


def test_hostile_input_gunicorn_logged_no_errors_and_still_serves(gunicorn):
    r = send_raw(gunicorn.port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert r.startswith(b"HTTP/1.1 200")
    # Each traceback in the error log must belong to a known defect whose case is still marked xfail.
    known: dict[str, str] = {}
    assert set(known) <= {c.id for c in H.RAW if c.defect}
    blocks = gunicorn.log().split("Exception on ")[1:]
    unexplained = [b[:1500] for b in blocks if not any(sig in b.split("\n127.0.0.1", 1)[0] for sig in known.values())]
    assert not unexplained, unexplained


def test_hostile_input_catalogue_is_large_enough():
    ids = [c.id for c in H.ALL]
    assert len(ids) >= 50 and len(set(ids)) == len(ids)
