"""The form on a bad network, server side: HEAD, project codes as people type them, the favicon,
the form's script, and files kept when the form comes back with errors (JavaScript off).

Real app (create_app on a SQLite file and an upload folder in a temp dir), Flask's test client.
The browser half (smaller photos, drafts, offline resend) is tests/e2e/test_e2e_phone.py.
"""

from __future__ import annotations

import hashlib
import re
import time

import pytest

from formsvc.case import held_uploads
from tests.test_intake import GOOD, PDF, PNG, app, client, count, submit, tokens  # noqa: F401  (fixtures)

PATHS = ["/r/qh012", "/complain", "/status"]


# --- HEAD --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PATHS)
def test_intake_phone_head_answers_like_get_without_a_body(client, path):
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert int(head.headers["Content-Length"]) > 1000  # the length GET's body would have


def test_intake_phone_head_counts_against_no_rate_limit(app, client):
    for _ in range(50):
        assert client.head("/status").status_code == 200
        assert client.head("/r/qh012").status_code == 200
    assert count(app, "rate_events") == 0
    assert count(app, "complaints") == 0


def test_intake_phone_head_of_an_unknown_project_is_404(client):
    r = client.head("/r/nosuchcode")
    assert r.status_code == 404 and r.data == b""


# --- project codes as people pass them on -------------------------------------------------------------

@pytest.mark.parametrize("typed", ["/r/qh012/", "/r/QH012", "/r/QH012/", "/r/qh%20012", "/r/%20qh012%20",
                                   "/r/Q%20H%200%201%202", "/r/%EF%BC%B1%EF%BC%A8012",  # full-width ＱＨ
                                   "/r/qh012%E3%80%80"])  # an ideographic space
def test_intake_phone_project_code_typed_loosely_finds_the_project(client, typed):
    r = client.get(typed)
    assert r.status_code == 200, typed
    page = r.get_data(as_text=True)
    assert "河西街道" in page
    assert 'data-ws-draft="/r/qh012"' in page  # one draft per project, however the code was typed


def test_intake_phone_complaint_posted_to_a_slash_path_is_stored(app, client):
    r = submit(client, url="/r/QH012/")
    assert r.status_code == 303, r.get_data(as_text=True)[:300]
    row = app.config["WAGESAFE"]
    from formsvc.storage import store

    db = store.connect(row.database)
    assert db.conn.execute("SELECT project_code FROM complaints").fetchall() == [("qh012",)]


def test_intake_phone_unknown_code_still_404(client):
    assert client.get("/r/qh0120").status_code == 404
    assert client.get("/r/q/h012").status_code == 404  # a slash inside is not a typo we forgive


# --- favicon and the form's script -------------------------------------------------------------------

def test_intake_phone_favicon_and_script_are_served(client):
    page = client.get("/complain").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    r = client.get(icon)
    assert r.status_code == 200 and b"<svg" in r.data and r.mimetype == "image/svg+xml"
    script = re.search(r'<script src="([^"]+)" defer>', page).group(1)
    js = client.get(script)
    assert js.status_code == 200 and "javascript" in js.mimetype
    assert b"emulateNetwork" not in js.data and b"http://" not in js.data and b"https://" not in js.data
    # Every message the script shows comes from the page, in the page's language.
    for name in re.findall(rb'msg\("(\w+)"', js.data):
        attr = "data-msg-" + re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), name.decode()[3:])[1:]
        assert f'{attr}="' in page, attr


# --- files kept across a form returned with errors ---------------------------------------------------

def held_refs(page: str) -> list[str]:
    return re.findall(r'name="held" value="([^"]+)"', page)


def test_intake_phone_form_with_errors_keeps_the_files_already_accepted(app, client):
    jpeg = PNG  # any accepted photo
    r = submit(client, files=[("slip.png", jpeg), ("contract.pdf", PDF)], mobile="12345")
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    refs = held_refs(page)
    assert len(refs) == 2 and "slip.png" in page and "contract.pdf" in page
    assert "请重新选择" not in page  # no "choose them again" when they are kept
    assert count(app, "complaints") == 0 and count(app, "evidence") == 0

    # The worker fixes the mobile and sends again without choosing the files: both arrive.
    data = {**tokens(r.data), **GOOD, "held": refs}
    r2 = client.post("/r/qh012", data=data, content_type="multipart/form-data")
    assert r2.status_code == 303, r2.get_data(as_text=True)[:500]
    upload_dir = app.config["WAGESAFE"].upload_dir
    from formsvc.storage import store

    db = store.connect(app.config["WAGESAFE"].database)
    rows = db.conn.execute("SELECT original_name, stored_name, sha256 FROM evidence ORDER BY original_name").fetchall()
    assert [r[0] for r in rows] == ["contract.pdf", "slip.png"]
    assert (upload_dir / rows[0][1]).read_bytes() == PDF  # byte for byte
    assert rows[0][2] == hashlib.sha256(PDF).hexdigest()
    assert list((upload_dir / held_uploads.HELD_DIR).iterdir()) == []  # the held copies are gone


def test_intake_phone_unticked_held_file_is_dropped(app, client):
    r = submit(client, files=[("slip.png", PNG), ("contract.pdf", PDF)], mobile="12345")
    refs = held_refs(r.get_data(as_text=True))
    data = {**tokens(r.data), **GOOD, "held": refs[1:]}
    assert client.post("/r/qh012", data=data, content_type="multipart/form-data").status_code == 303
    assert count(app, "evidence") == 1


def test_intake_phone_held_reference_cannot_be_forged_or_moved(app, client):
    r = submit(client, files=[("contract.pdf", PDF)], mobile="12345")
    refs = held_refs(r.get_data(as_text=True))
    assert len(refs) == 1
    # Another form (another submission token) cannot claim it; a tampered reference is ignored.
    other = client.get("/r/qh012").data
    for bad in (refs[0], refs[0][:-2] + "xx", "../../etc/passwd"):
        data = {**tokens(other), **GOOD, "held": [bad]}
        r2 = client.post("/r/qh012", data=data, content_type="multipart/form-data")
        assert r2.status_code == 303
    assert count(app, "evidence") == 0


def test_intake_phone_held_files_expire(app, client, tmp_path):
    r = submit(client, files=[("contract.pdf", PDF)], mobile="12345")
    upload_dir = app.config["WAGESAFE"].upload_dir
    held = list((upload_dir / held_uploads.HELD_DIR).iterdir())
    assert len(held) == 1
    assert held_uploads.sweep(upload_dir, now=time.time() + held_uploads.MAX_AGE_SECONDS + 5) == 1
    data = {**tokens(r.data), **GOOD, "held": held_refs(r.get_data(as_text=True))}
    assert client.post("/r/qh012", data=data, content_type="multipart/form-data").status_code == 303
    assert count(app, "evidence") == 0


def test_intake_phone_held_files_count_against_the_limit(app, client):
    n = app.config["WAGESAFE"].max_uploads
    r = submit(client, files=[(f"p{i}.pdf", PDF) for i in range(n)], mobile="12345")
    refs = held_refs(r.get_data(as_text=True))
    assert len(refs) == n
    data = {**tokens(r.data), **GOOD, "held": refs}
    import io

    data["evidence"] = [(io.BytesIO(PDF), "one-more.pdf")]
    r2 = client.post("/r/qh012", data=data, content_type="multipart/form-data")
    assert r2.status_code == 400 and count(app, "complaints") == 0


def test_intake_phone_worker_tick_deletes_held_files_past_their_age(app, client):
    from datetime import datetime, timedelta, timezone

    from formsvc.duties import scheduler
    from formsvc.storage import store

    submit(client, files=[("contract.pdf", PDF)], mobile="12345")
    config = app.config["WAGESAFE"]
    folder = config.upload_dir / held_uploads.HELD_DIR
    assert len(list(folder.iterdir())) == 1
    db = store.connect(config.database)
    registry = app.extensions["wagesafe_registry"]
    now = datetime.now(timezone.utc)
    scheduler.tick(db, registry, config, now)
    assert len(list(folder.iterdir())) == 1  # young: kept for the worker's next try
    lines = scheduler.tick(db, registry, config, now + timedelta(seconds=held_uploads.MAX_AGE_SECONDS + 60))
    assert list(folder.iterdir()) == [] and "held uploads past their age deleted" in lines
