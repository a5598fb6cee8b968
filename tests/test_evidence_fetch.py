"""A partner's evidence fetched as files (issue 24 item 3), against a real HTTP server on loopback:
stored when size and SHA-256 match (re-encoded like an upload); refused for good when the hash differs,
the file is not a photo or PDF, or the link is dead (410); retried when the server is down."""

from __future__ import annotations

import hashlib
import http.server
import threading
from datetime import timedelta

import pytest

from formsvc.duties import evidence_fetch
from tests.desk_fixtures import T0, insert_case
from tests.images import JPEG

FILES = {"/photo.jpg": (200, JPEG), "/gone": (410, b"[]"), "/exe": (200, b"MZ\x90\x00" + b"\x00" * 300)}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        code, body = FILES.get(self.path.split("?")[0], (404, b""))
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Disposition", "attachment; filename*=UTF-8''%E5%B7%A5%E8%B5%84%E6%9D%A1.jpg")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def _link(base: str, path: str, size: int, sha: str) -> str:
    return f"{base}{path}?expires=9999999999&t=1&size={size}&sha256={sha}&sig=x"


def test_fetch_checks_and_stores(desk, server):
    cid = insert_case(desk.db, source="partner")
    good = hashlib.sha256(JPEG).hexdigest()
    evidence_fetch.enqueue(desk.db, cid, [
        _link(server, "/photo.jpg", len(JPEG), good),          # stored
        _link(server, "/photo.jpg", len(JPEG), "0" * 64),      # changed on the way: refused
        _link(server, "/gone", 0, ""),                         # used or expired: refused
        _link(server, "/exe", 304, ""),                        # not a photo or PDF: refused
        "http://127.0.0.1:1/photo.jpg",                        # the sender is down: tried again later
        "http://169.254.169.254/latest/meta-data",             # not a partner's host: never fetched
    ], T0)
    lines = evidence_fetch.fetch_due(desk.db, desk.config, T0)
    assert lines[0] == f"case {cid}: partner's evidence file stored"
    rows = evidence_fetch.of_case(desk.db, cid)
    assert [r["status"] for r in rows] == ["stored", "failed", "failed", "failed", "pending", "failed"]
    assert "不在任何协作县的地址下" in rows[5]["last_error"]
    assert "SHA-256" in rows[1]["last_error"] and "HTTP 410" in rows[2]["last_error"]
    assert "不是可接受的照片或 PDF" in rows[3]["last_error"] and "无法连接" in rows[4]["last_error"]
    ev = desk.db.conn.execute("SELECT original_name, mime, size FROM evidence WHERE complaint_id = ?", (cid,)).fetchall()
    assert ev == [("工资条.jpg", "image/jpeg", len(JPEG))]
    assert evidence_fetch.fetch_due(desk.db, desk.config, T0 + timedelta(seconds=5)) == []  # backing off
    page = desk.client("desk@qinghe.example.gov.cn").get(f"/desk/cases/{cid}").get_data(as_text=True)
    assert "已取回并存入本案证据 1 个，4 个未能取回，其余正在取回" in page
