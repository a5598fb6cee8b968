"""The demo's mail catcher: a real SMTP client talks to it on loopback; its inbox page shows the mail."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest
from flask import Flask

from formsvc.demo import mailcatcher
from formsvc.demo.mailcatcher import MailCatcher
from formsvc.notify.notifiers.email import build_message
from wagesafe.config import Config

NOTICE = {"id": 3, "kind": "new_case", "recipient": "officer.wang@qinghe.example.cn", "created_at": "x",
          "subject": "新案件：白沙镇 12 名工人欠薪（紧急）",
          "body": "请在 24 小时内受理：http://127.0.0.1:8000/desk/cases/3?from=mail&x=1\n<script>alert(1)</script>"}


@pytest.fixture
def inbox(tmp_path: Path):
    with MailCatcher(tmp_path / "mail", port=0) as catcher:
        app = Flask(__name__)
        app.config["WAGESAFE"] = Config.from_env({}, var_dir=tmp_path)
        app.register_blueprint(mailcatcher.bp)
        yield catcher, app.test_client()


def send(port: int, notice: dict) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        smtp.send_message(build_message(notice, "WageSafe 薪安通 <noreply@wagesafe.localhost>"))


def test_each_message_is_stored_as_one_eml_file(inbox):
    catcher, _ = inbox
    send(catcher.port, NOTICE)
    send(catcher.port, {**NOTICE, "id": 4})
    files = sorted(catcher.directory.iterdir())
    assert len(files) == 2 and all(f.suffix == ".eml" for f in files)  # no temporary files left behind
    assert b"X-Envelope-To: officer.wang@qinghe.example.cn" in files[0].read_bytes()


def test_inbox_lists_newest_first_and_shows_the_decoded_message(inbox):
    catcher, client = inbox
    send(catcher.port, NOTICE)
    send(catcher.port, {**NOTICE, "id": 4, "subject": "第二封 second"})
    page = client.get("/dev/mail/").get_data(as_text=True)
    assert page.index("第二封 second") < page.index(NOTICE["subject"])
    assert "officer.wang@qinghe.example.cn" in page
    name = sorted(p.name for p in catcher.directory.iterdir())[0]
    shown = client.get(f"/dev/mail/{name}").get_data(as_text=True)
    assert NOTICE["subject"] in shown and "请在 24 小时内受理" in shown
    assert '<a href="http://127.0.0.1:8000/desk/cases/3?from=mail&amp;x=1">' in shown
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert client.get(f"/dev/mail/{name}/raw").data == (catcher.directory / name).read_bytes()


@pytest.mark.parametrize("name", ["..%2F..%2Fetc%2Fpasswd", "20260101T000000000000Z-deadbeef.eml", "x.eml"])
def test_inbox_refuses_names_it_did_not_write(inbox, name):
    _, client = inbox
    assert client.get(f"/dev/mail/{name}").status_code == 404


def test_inbox_shows_the_sms_files_beside_the_mail(inbox, tmp_path):
    """The file SMS provider writes var/sms/notice-*.json; the inbox lists them, newest first, escaped."""
    from formsvc.notify.notifiers import FileSmsProvider

    _, client = inbox
    sms = FileSmsProvider(tmp_path / "sms")
    sms.send({"id": 7, "kind": "worker_receipt", "recipient": "138 1234 5678", "complaint_id": 1,
              "body": "【薪安通】回执号ABCD-EFGH http://127.0.0.1:8000/status?receipt=ABCD-EFGH <b>x</b>"})
    sms.send({"id": 8, "kind": "worker_acknowledged", "recipient": "13812345678", "complaint_id": 1,
              "body": "第二条 second"})
    page = client.get("/dev/mail/").get_data(as_text=True)
    assert "短信 SMS" in page and "13812345678" in page and "worker_receipt" in page
    assert page.index("第二条 second") < page.index("回执号ABCD-EFGH")
    assert '<a href="http://127.0.0.1:8000/status?receipt=ABCD-EFGH">' in page and "<b>x</b>" not in page
