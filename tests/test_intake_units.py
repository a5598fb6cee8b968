"""The plain functions behind the intake: receipts, the one-transaction submit, evidence files,
notices, rate limits, words for the worker. Real SQLite files and folders in tmp dirs."""

from __future__ import annotations

import io
import os
import re
import time
from datetime import timedelta

import pytest
from werkzeug.datastructures import FileStorage

from formsvc.case import complaints, evidence, ratelimit, receipts, routing, story
from formsvc.web import i18n
from formsvc.storage import store
from formsvc.case.complaints import ComplaintInput
from formsvc.notify.notices import new_case_notices
from wagesafe.config import Config
from wagesafe.registry import load_registry

from tests.images import JPEG, PNG  # noqa: E402  (real photos: the service re-encodes them)


@pytest.fixture
def env(tmp_path, data_dir):
    config = Config.from_env({"WAGESAFE_VAR_DIR": str(tmp_path / "var"), "WAGESAFE_DATA_DIR": str(data_dir),
                              "PUBLIC_BASE_URL": "https://wagesafe.example"})
    config.upload_dir.mkdir(parents=True)
    return config, store.open_db(config.database), load_registry(data_dir)


def complaint(**kw) -> ComplaintInput:
    base = dict(submission_token=os.urandom(12).hex(), project_code="qh012", name="张三", mobile="13812345678",
                workers=3, amount_yuan=12000, consent=True)
    return ComplaintInput(**{**base, **kw})


def stage_jpeg(config) -> evidence.StagedFile:
    storage = FileStorage(io.BytesIO(JPEG), filename="a.jpg")
    mime, problem = evidence.inspect(storage, 10 * 1024 * 1024)
    assert problem is None
    return evidence.stage(storage, mime, config.upload_dir)


def counts(db) -> tuple:
    return tuple(db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("complaints", "case_routing", "evidence", "case_events", "notices", "rate_events"))


# --- receipts -------------------------------------------------------------------------------------------------

def test_receipt_format_and_alphabet():
    assert len(receipts.ALPHABET) == 32 and not set("0O1I") & set(receipts.ALPHABET)  # 8 x 5 = 40 bits
    for _ in range(200):
        r = receipts.new_receipt()
        assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", r) and receipts.is_receipt(r)


def test_submission_tokens_are_unique_valid_and_sort_by_time():
    from formsvc.web.intake.forms import TOKEN_RE

    first = [complaints.new_submission_token() for _ in range(5_000)]
    time.sleep(0.003)
    later = complaints.new_submission_token()
    assert len(set(first)) == 5_000 and all(TOKEN_RE.match(t) for t in first)
    assert max(first) < later  # the UNIQUE index gets them near its right edge


def test_receipts_do_not_repeat():
    drawn = {receipts.new_receipt() for _ in range(20_000)}
    assert len(drawn) == 20_000


@pytest.mark.parametrize("typed, stored", [
    ("abcd-efgh", "ABCD-EFGH"), (" ABCD EFGH ", "ABCD-EFGH"), ("ABCDEFGH", "ABCD-EFGH"), ("ABCD－EFGH", "ABCD-EFGH"),
    ("ABCD-EFG", None), ("ABCD-EFG0", None), ("'; DROP TABLE complaints; --", None), ("", None)])
def test_receipt_normalize(typed, stored):
    assert receipts.normalize(typed) == stored


def test_submit_retries_on_a_receipt_collision(env, monkeypatch):
    config, db, registry = env
    first = complaints.submit(db, registry, config, complaint(), [], ip="10.0.0.1")
    draws = iter([first.receipt, "WXYZ-2345"])
    monkeypatch.setattr(receipts, "new_receipt", lambda: next(draws))
    second = complaints.submit(db, registry, config, complaint(mobile="13900000001"), [], ip="10.0.0.1")
    assert second.receipt == "WXYZ-2345" and second.created


# --- one transaction ------------------------------------------------------------------------------------------

def test_submit_writes_everything_together(env):
    config, db, registry = env
    staged = [stage_jpeg(config)]
    result = complaints.submit(db, registry, config, complaint(), staged, ip="10.0.0.1")
    assert result.created and counts(db) == (1, 1, 1, 2, 2, 3)  # rate events: address, mobile, county-wide
    assert staged[0].final_path.read_bytes() == JPEG and not staged[0].part_path.exists()


def test_no_complaint_without_its_notices(env):
    """If queuing a notice fails, the complaint, its routing, events and files are not kept either."""
    config, db, registry = env
    db.conn.execute("CREATE TRIGGER outbox_down BEFORE INSERT ON notices BEGIN SELECT RAISE(ABORT, 'outbox down'); END")
    staged = [stage_jpeg(config)]
    with pytest.raises(Exception, match="outbox down"):
        complaints.submit(db, registry, config, complaint(), staged, ip="10.0.0.1")
    assert counts(db) == (0, 0, 0, 0, 0, 0)
    assert list(config.upload_dir.iterdir()) == []


def test_same_token_twice_returns_the_first_receipt(env):
    config, db, registry = env
    c = complaint()
    first = complaints.submit(db, registry, config, c, [], ip="10.0.0.1")
    staged = [stage_jpeg(config)]
    again = complaints.submit(db, registry, config, c, staged, ip="10.0.0.2")
    assert (again.receipt, again.complaint_id, again.created) == (first.receipt, first.complaint_id, False)
    assert counts(db) == (1, 1, 0, 2, 2, 3)
    assert list(config.upload_dir.iterdir()) == []  # the duplicate's file was discarded


def test_rate_limited_submit_stores_nothing(env):
    config, db, registry = env
    from dataclasses import replace

    tight = replace(config, rate_limit_ip_per_10_minutes=1)
    complaints.submit(db, registry, tight, complaint(), [], ip="10.0.0.1", device="phone-a")
    staged = [stage_jpeg(config)]
    with pytest.raises(ratelimit.RateLimited) as refused:
        complaints.submit(db, registry, tight, complaint(mobile="13900000001"), staged, ip="10.0.0.1",
                          device="phone-b")
    assert refused.value.key == ratelimit.ip_key("10.0.0.1")
    assert 1 <= refused.value.retry_after <= 600
    assert counts(db)[0] == 1 and list(config.upload_dir.iterdir()) == []
    # Nothing of the refused attempt is counted: the second phone still has its whole quota.
    assert ratelimit.count(db, ratelimit.device_key("phone-b"), ratelimit.HOUR, store.utcnow()) == 0


def test_mobile_allowance_is_an_alert_not_a_refusal(env):
    config, db, registry = env
    from dataclasses import replace

    tight = replace(config, rate_limit_mobile_per_day=1)
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert complaints.submit(db, registry, tight, complaint(), [], ip=ip).created
    alerts = db.conn.execute("SELECT count(*) FROM notices WHERE kind = 'abuse_alert' AND channel = 'email'")
    assert alerts.fetchone()[0] == 1


# --- evidence -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, ok", [
    (JPEG, True), (PNG, True), (b"\x89PNG\r\n\x1a\n" + b"\0" * 50, False), (b"%PDF-1.7\n" + b"0" * 50, True),
    (b"MZ\x90\x00" + b"\0" * 50, False), (b"<html><script>alert(1)</script>", False),
    (b"GIF89a" + b"\0" * 50, False), (b"PK\x03\x04" + b"\0" * 50, False)])
def test_evidence_type_is_checked_by_content(content, ok):
    mime, problem = evidence.inspect(FileStorage(io.BytesIO(content), filename="photo.jpg"), 1024 * 1024)
    assert (problem is None) is ok


@pytest.mark.parametrize("name, clean", [("../../etc/passwd", "passwd"), ("C:\\Users\\a\\工资条.jpg", "工资条.jpg"),
                                         ("a\x00b\nc.jpg", "abc.jpg"), ("", "file"), ("x" * 300, "x" * 100)])
def test_evidence_names_are_only_text(name, clean):
    assert evidence.clean_name(name) == clean


def test_evidence_recover_finishes_or_removes_parts(env):
    config, db, registry = env
    kept = stage_jpeg(config)
    orphan = stage_jpeg(config)
    with store.write_transaction(db):
        cid = db.conn.execute("INSERT INTO complaints (receipt, created_at, assignee_kind, responsible_kind)"
                              " VALUES ('AAAA-BBBB', 'x', 'county', 'county')").lastrowid
        db.conn.execute("INSERT INTO evidence (complaint_id, stored_name, mime, size, sha256, created_at)"
                        " VALUES (?, ?, 'image/jpeg', 1, 'x', 'x')", (cid, kept.stored_name))
    # While their request is in flight (the parts are locked), recovery leaves both alone, however old.
    assert evidence.recover(db, config.upload_dir, now=orphan.part_path.stat().st_mtime + 7200) == (0, 0)
    assert kept.part_path.exists() and orphan.part_path.exists()
    # A crash after COMMIT and before the rename: the dead process's locks are gone; recovery runs at once.
    kept.release()
    orphan.release()
    published, removed = evidence.recover(db, config.upload_dir)
    assert (published, removed) == (1, 1)
    assert kept.final_path.exists() and not orphan.part_path.exists()
    assert kept.final_path.read_bytes() == JPEG
    assert evidence.recover(db, config.upload_dir) == (0, 0)  # idempotent


def test_evidence_recover_leaves_a_live_process_part_alone(env, tmp_path):
    """A part staged by another, living process (another gunicorn worker) is never touched."""
    import subprocess
    import sys

    config, db, registry = env
    code = ("import io, sys, time; from pathlib import Path; from werkzeug.datastructures import FileStorage;"
            "from formsvc import evidence;"
            f"f = evidence.stage(FileStorage(io.BytesIO({JPEG!r})), 'image/jpeg', Path({str(config.upload_dir)!r}));"
            "print(f.part_path, flush=True); sys.stdin.read()")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        part = child.stdout.readline().strip()
        assert part.endswith(".part")
        assert evidence.recover(db, config.upload_dir, now=10**12) == (0, 0)
        assert os.path.exists(part)
    finally:
        child.kill()
        child.wait()
    assert evidence.recover(db, config.upload_dir) == (0, 1)  # its process died: an orphan
    assert not os.path.exists(part)


def test_evidence_stage_publish_and_discard_release_their_locks(env):
    config, db, registry = env
    a, b = stage_jpeg(config), stage_jpeg(config)
    assert a.lock_fd is not None and b.lock_fd is not None
    evidence.publish([a])
    evidence.discard([b])
    assert a.lock_fd is None and b.lock_fd is None
    assert a.final_path.read_bytes() == JPEG and not b.part_path.exists()


# --- notices --------------------------------------------------------------------------------------------------

def test_notices_sms_carries_only_the_link(env):
    config, db, registry = env
    decision = routing.route(registry, routing.Thresholds(10, 200_000), project_code="qh012", workers=30)
    c = dict(vars(complaint(workers=30, owed_by_name="李四\r\nBcc: x@evil", description="欠薪")), id=7,
             receipt="ABCD-EFGH", evidence_count=0)
    notices = {(n.kind, n.channel): n for n in new_case_notices(c, decision, registry, "https://w.example")}
    assert set(notices) == {("new_case", "email"), ("new_case", "sms"), ("urgent", "email")}
    sms = notices[("new_case", "sms")].body
    assert "https://w.example/desk/cases/7" in sms
    for private in ("张三", "13812345678", "12000", "李四"):
        assert private not in sms
    email = notices[("new_case", "email")]
    assert email.subject.startswith("[薪安通] 新欠薪投诉 ABCD-EFGH ") and "\n" not in email.subject
    assert notices[("urgent", "email")].recipient == registry.county.desk.email


def test_officer_notices_carry_no_personal_data_by_default(env):
    """Issue 15: mailboxes are forwarded, printed and kept forever. By default every officer email and
    SMS has the case number, township, project, urgency, counts and link, and not the worker's name,
    mobile, words, nor the other party's name; OFFICER_NOTICE_PERSONAL=1 puts them back."""
    config, db, registry = env
    decision = routing.route(registry, routing.Thresholds(10, 200_000), project_code="qh012", workers=30)
    c = dict(vars(complaint(workers=30, owed_by_name="李四包工头", description="老板跑路了，住在幸福小区")), id=7,
             receipt="ABCD-EFGH", evidence_count=2)
    private = ("张三", "13812345678", "老板跑路了", "幸福小区", "李四包工头")
    for n in new_case_notices(c, decision, registry, "https://w.example"):
        text = n.subject + n.body
        assert not [p for p in private if p in text], (n.kind, n.channel, text)
        assert "https://w.example/desk/cases/7" in text
        if n.channel == "email":
            project = registry.project("qh012")
            for needed in ("案件编号：7", "ABCD-EFGH", registry.townships[project.township].name_zh, project.name_zh,
                           "紧急", "30 人", "证据文件：2 个"):
                assert needed in n.body, (needed, n.body)
    full = new_case_notices(c, decision, registry, "https://w.example", personal=True)
    assert all(p in full[0].body for p in private)


# --- rate limits ----------------------------------------------------------------------------------------------

def test_ratelimit_window_slides(env):
    _, db, _ = env
    now = store.utcnow()
    with store.write_transaction(db):
        ratelimit.take(db, "k", 2, ratelimit.HOUR, now - timedelta(minutes=61))
        ratelimit.take(db, "k", 2, ratelimit.HOUR, now - timedelta(minutes=30))
        ratelimit.take(db, "k", 2, ratelimit.HOUR, now)  # the first one has left the window
    with pytest.raises(ratelimit.RateLimited), store.write_transaction(db):
        ratelimit.take(db, "k", 2, ratelimit.HOUR, now)
    assert ratelimit.count(db, "k", ratelimit.HOUR, now + timedelta(minutes=31)) == 1


# --- words for the worker -------------------------------------------------------------------------------------

def test_every_message_has_both_languages():
    for key, (zh, en) in i18n.MESSAGES.items():
        assert zh and en, key
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key


@pytest.mark.parametrize("arg, cookie, lang", [(None, None, "zh"), ("en", None, "en"), (None, "en", "en"),
                                               ("zh", "en", "zh"), ("fr", "en", "en"), ("<x>", None, "zh")])
def test_choose_lang(arg, cookie, lang):
    assert i18n.choose_lang(arg, cookie) == lang


def test_public_text_never_shows_detail():
    assert story.worker_line({"kind": "acknowledged", "detail": "内部"}, "zh") == "工作人员已接手您的投诉"
    assert story.worker_line({"kind": "weird-new-kind", "detail": "内部"}, "en") == "There is news on your case"
    assert story.worker_status({"status": "resolved"}, "en") == "Resolved"


@pytest.mark.parametrize("typed, stored", [
    ("张三\r\nBcc", "张三 Bcc"), ("👷\u200d♂️", "👷\u200d♂️"), ("李\u200b四\u200d\ufeff", "李四"),
    ("张三\u202egnp.exe\u202c 工资", "张三gnp.exe 工资"), ("张\x00三", "张三"), ("  a   b ", "a b")])
def test_clean_text_drops_invisible_characters_only(typed, stored):
    from formsvc.web.intake.forms import clean_text

    assert clean_text(typed) == stored


def test_clean_text_fast_path_equals_the_character_loop():
    """The shortcut for text with nothing invisible gives what the full loop gives, for any text."""
    import random

    from formsvc.web.intake.forms import _clean_text_slow, clean_text

    rng = random.Random(7)
    pool = ("张三李四 abcXYZ09,.-_/\\'\"<>&\n\r\t\u3000\u00a0\u200b\u200c\u200d\u202e\u2066\ufeff\x00\x1b\x7f"
            "\u00ad\u2028\u2029\ud7ff\ue000\U0001f477\u2642\ufe0f\u0301\u0627\u0644")
    for _ in range(20_000):
        v = "".join(rng.choice(pool) for _ in range(rng.randint(0, 12)))
        for multiline in (False, True):
            norm = v.replace("\r\n", "\n").replace("\r", "\n")
            assert clean_text(v, multiline) == _clean_text_slow(norm, multiline), (v, multiline)


# --- evidence images: decoded with a pixel limit and re-encoded (issue 15) -------------------------------------

def _upload(content: bytes, name: str = "x.png"):
    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=io.BytesIO(content), filename=name)


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` × ``height`` (a decompression bomb's shape)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\0" * 4096, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def test_evidence_decompression_bomb_is_refused_before_decoding():
    started = time.monotonic()
    mime, problem = evidence.inspect(_upload(_png_claiming(52_000, 52_000)), 10 * 1024 * 1024)
    assert mime is None and problem.key == "err_file_pixels"
    assert time.monotonic() - started < 1  # refused from the header: 2.7 gigapixels never decoded
    assert "百万像素" in i18n.t(problem.key, "zh", **problem.values)


def test_evidence_polyglot_loses_everything_but_its_pixels():
    from PIL import Image

    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    for content in (JPEG + page, JPEG[:2] + b"\xff\xfe\x00\x50" + page[:78] + JPEG[2:]):  # appended / in a comment
        upload = _upload(content, "poly.jpg")
        mime, problem = evidence.inspect(upload, 10 * 1024 * 1024)
        assert (mime, problem) == ("image/jpeg", None)
        stored = upload.stream.read()
        assert b"<script" not in stored and b"<html" not in stored
        assert Image.open(io.BytesIO(stored)).size == (16, 16)


def test_evidence_photo_loses_its_gps_and_is_turned_upright():
    from PIL import Image

    img = Image.new("RGB", (40, 20), (10, 200, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to show upright
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPS
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    upload = _upload(buf.getvalue(), "photo.jpg")
    assert evidence.inspect(upload, 10 * 1024 * 1024) == ("image/jpeg", None)
    stored = Image.open(io.BytesIO(upload.stream.read()))
    assert stored.size == (20, 40) and not stored.getexif().get_ifd(0x8825)


def test_evidence_broken_image_is_refused_politely():
    mime, problem = evidence.inspect(_upload(JPEG[:60], "half.jpg"), 10 * 1024 * 1024)
    assert mime is None and problem.key == "err_file_broken"
