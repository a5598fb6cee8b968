"""Requests no form of ours makes get the polite bilingual page, never Werkzeug's English or a 500;
staged uploads a crash left behind are recovered when the app starts."""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage

from formsvc.case import evidence
from formsvc.storage import store
from test_intake import GOOD, make_app, stored_nothing, tokens

from tests.images import JPEG  # noqa: E402  (a real photo: the service re-encodes it)


def nameless_body(csrf: str, submission: str) -> bytes:
    parts = [b'--H\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + csrf.encode() + b"\r\n",
             b'--H\r\nContent-Disposition: form-data; name="submission_token"\r\n\r\n' + submission.encode() + b"\r\n"]
    parts += [b'--H\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (k.encode(), v.encode())
              for k, v in GOOD.items()]
    parts.append(b"--H\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n")  # no name
    return b"".join(parts) + b"--H--\r\n"


def test_a_part_without_a_name_gets_the_polite_400_and_stores_nothing(tmp_path, data_dir, caplog):
    app = make_app(tmp_path, data_dir)  # CSRF on, as in production
    client = app.test_client()
    t = tokens(client.get("/r/qh012").data)
    for lang, words in (("", "无法读取提交的内容"), ("?lang=en", "We could not read what was sent")):
        r = client.post("/r/qh012" + lang, data=nameless_body(t["csrf_token"], t["submission_token"]),
                        content_type="multipart/form-data; boundary=H")
        assert r.status_code == 400, r.data[:500]
        page = r.data.decode()
        assert words in page and 'href="/complain"' in page and "Traceback" not in page
    assert stored_nothing(app)
    assert not [rec for rec in caplog.records if rec.levelname == "ERROR"]


def test_the_same_form_with_names_is_stored(tmp_path, data_dir):
    """The check refuses only the nameless part: a browser's form still goes through."""
    app = make_app(tmp_path, data_dir)
    client = app.test_client()
    t = tokens(client.get("/r/qh012").data)
    body = nameless_body(t["csrf_token"], t["submission_token"]).replace(
        b"Content-Disposition: form-data\r\n", b'Content-Disposition: form-data; name="extra"\r\n')
    r = client.post("/r/qh012", data=body, content_type="multipart/form-data; boundary=H")
    assert r.status_code == 303, r.data[:800]


def test_a_wrong_method_gets_the_polite_405_in_the_workers_language(tmp_path, data_dir):
    client = make_app(tmp_path, data_dir).test_client()
    r = client.put("/r/qh012")
    assert r.status_code == 405
    assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    page = r.data.decode()
    assert "这个页面不能这样打开" in page and 'href="/complain"' in page and "Method Not Allowed" not in page
    r = client.delete("/complain?lang=en")
    assert r.status_code == 405 and "This page cannot be opened this way" in r.data.decode()
    client.set_cookie("lang", "en")
    r = client.post("/receipt/ABCD-EFGH")
    assert r.status_code == 405 and "This page cannot be opened this way" in r.data.decode()


def test_app_start_recovers_staged_uploads(tmp_path, data_dir):
    app = make_app(tmp_path, data_dir)
    config = app.config["WAGESAFE"]

    def staged():
        f = evidence.stage(FileStorage(io.BytesIO(JPEG), filename="a.jpg"), "image/jpeg", config.upload_dir)
        f.release()  # as if its process had been killed
        return f

    kept, orphan = staged(), staged()
    db = store.connect(config.database)
    with store.write_transaction(db):
        cid = db.conn.execute("INSERT INTO complaints (receipt, created_at, assignee_kind, responsible_kind)"
                              " VALUES ('AAAA-BBBB', 'x', 'county', 'county')").lastrowid
        db.conn.execute("INSERT INTO evidence (complaint_id, stored_name, mime, size, sha256, created_at)"
                        " VALUES (?, ?, 'image/jpeg', 1, 'x', 'x')", (cid, kept.stored_name))
    db.conn.close()
    make_app(tmp_path, data_dir)  # a restart
    assert kept.final_path.read_bytes() == JPEG and not kept.part_path.exists()
    assert not orphan.part_path.exists() and not orphan.final_path.exists()

