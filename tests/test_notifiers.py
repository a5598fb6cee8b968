"""Senders: SMTP reply codes sorted into temporary/permanent, the SMS file provider, and the Aliyun
adapter against a fake Aliyun endpoint on loopback that checks the signature the way Aliyun does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from formsvc.notify.notifiers import (AliyunSmsProvider, EmailSender, FileSmsProvider, NoSms, PermanentFailure, TemporaryFailure, senders_from_config, sms_provider)
from formsvc.notify.notifiers.aliyun import sign
from formsvc.notify.notifiers.email import build_message
from wagesafe.config import Config

NOTICE = {"id": 7, "kind": "new_case", "channel": "sms", "recipient": "138 0013 8000", "complaint_id": 42,
          "created_at": "2026-05-01T08:00:00+00:00", "subject": "",
          "body": "【薪安通】新欠薪案件，请处理：http://127.0.0.1:8000/desk/cases/42"}


# --- Aliyun -------------------------------------------------------------------------------------

def test_aliyun_signature_matches_the_documented_example():
    """The worked example of Aliyun's SMS signature documentation (AccessKeySecret ``testSecret``)."""
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
        "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
    }
    assert sign("GET", params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


SECRETS = {"LTAI-test-id": "test-secret-薪"}


def _expected_signature(method: str, form: dict, secret: str) -> str:
    """Aliyun's v1 check, written again from the documentation (not imported from the adapter)."""
    def enc(s):
        return urllib.parse.quote(s, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")
    query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(form.items()) if k != "Signature")
    to_sign = f"{method}&{enc('/')}&{enc(query)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class FakeAliyun(BaseHTTPRequestHandler):
    """Answers like dysmsapi: checks key, signature, timestamp and nonce, then the number."""

    received: list[dict] = []
    nonces: set[str] = set()

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("ascii"), keep_blank_values=True))
        secret = SECRETS.get(form.get("AccessKeyId", ""))
        stamp = datetime.strptime(form.get("Timestamp", "1970-01-01T00:00:00Z"), "%Y-%m-%dT%H:%M:%SZ")
        if secret is None:
            return self.answer(404, "InvalidAccessKeyId.NotFound")
        if form.get("Signature") != _expected_signature("POST", form, secret):
            return self.answer(400, "SignatureDoesNotMatch")
        if abs(datetime.now(timezone.utc) - stamp.replace(tzinfo=timezone.utc)) > timedelta(minutes=15):
            return self.answer(400, "InvalidTimeStamp.Expired")
        if form["SignatureNonce"] in self.nonces:
            return self.answer(400, "SignatureNonceUsed")
        self.nonces.add(form["SignatureNonce"])
        if (form["Action"], form["Version"], form["SignatureMethod"]) != ("SendSms", "2017-05-25", "HMAC-SHA1"):
            return self.answer(400, "InvalidParameter")
        self.received.append(form)
        number = form["PhoneNumbers"]
        if number.startswith("100"):
            return self.answer(200, "isv.MOBILE_NUMBER_ILLEGAL")
        if number.startswith("199"):
            return self.answer(200, "isv.BUSINESS_LIMIT_CONTROL")
        return self.answer(200, "OK")

    def answer(self, status: int, code: str):
        body = json.dumps({"Code": code, "Message": code, "RequestId": "REQ-1", "BizId": "BIZ-1"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def aliyun_endpoint():
    FakeAliyun.received, FakeAliyun.nonces = [], set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAliyun)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def provider(endpoint: str, secret: str = SECRETS["LTAI-test-id"]) -> AliyunSmsProvider:
    return AliyunSmsProvider(access_key_id="LTAI-test-id", access_key_secret=secret, sign_name="青禾县人社局",
                             template_code="SMS_123456789", endpoint=endpoint, timeout=5)


def test_aliyun_sends_a_signed_request_the_fake_endpoint_accepts(aliyun_endpoint):
    sms = provider(aliyun_endpoint)
    sms.send(NOTICE)
    sms.send(NOTICE)  # a second request needs a fresh nonce
    [form, _] = FakeAliyun.received
    assert form["PhoneNumbers"] == "13800138000"
    assert form["SignName"] == "青禾县人社局" and form["TemplateCode"] == "SMS_123456789"
    assert json.loads(form["TemplateParam"]) == {"case": "42", "link": "http://127.0.0.1:8000/desk/cases/42"}
    assert form["OutId"] == "7"


def test_aliyun_wrong_secret_is_refused_by_the_fake_and_retried(aliyun_endpoint):
    with pytest.raises(TemporaryFailure, match="SignatureDoesNotMatch"):
        provider(aliyun_endpoint, secret="not-the-secret").send(NOTICE)
    assert FakeAliyun.received == []


@pytest.mark.parametrize("number, failure, code", [
    ("10000000000", PermanentFailure, "isv.MOBILE_NUMBER_ILLEGAL"),
    ("19900000000", TemporaryFailure, "isv.BUSINESS_LIMIT_CONTROL"),
])
def test_aliyun_error_codes_are_sorted(aliyun_endpoint, number, failure, code):
    with pytest.raises(failure, match=code):
        provider(aliyun_endpoint).send({**NOTICE, "recipient": number})


def test_aliyun_unreachable_is_temporary():
    with pytest.raises(TemporaryFailure, match="cannot reach"):
        provider("http://127.0.0.1:9/").send(NOTICE)


def test_aliyun_needs_its_settings():
    config = Config.from_env({"SMS_PROVIDER": "aliyun", "ALIYUN_SMS_ACCESS_KEY_ID": "id"})
    with pytest.raises(ValueError, match="ALIYUN_SMS_ACCESS_KEY_SECRET, ALIYUN_SMS_SIGN_NAME"):
        sms_provider(config)


# --- SMS file provider and the factory ---------------------------------------------------------------

def test_file_sms_provider_writes_one_json_file_per_notice(tmp_path: Path):
    sms = FileSmsProvider(tmp_path / "sms")
    sms.send(NOTICE)
    sms.send(NOTICE)  # a retry rewrites the same file
    [path] = list((tmp_path / "sms").iterdir())
    record = json.loads(path.read_text("utf-8"))
    assert record["to"] == "13800138000" and record["body"] == NOTICE["body"] and record["notice_id"] == 7
    with pytest.raises(PermanentFailure):
        sms.send({**NOTICE, "recipient": " "})


def test_factory_picks_senders_by_config(tmp_path: Path):
    senders = senders_from_config(Config.from_env({}, var_dir=tmp_path))
    assert isinstance(senders["email"], EmailSender) and isinstance(senders["sms"], FileSmsProvider)
    assert senders["sms"].directory == tmp_path / "sms"
    assert isinstance(sms_provider(Config.from_env({"SMS_PROVIDER": "none"})), NoSms)
    with pytest.raises(ValueError, match="not one of"):
        sms_provider(Config.from_env({"SMS_PROVIDER": "pigeon"}))


# --- Email ----------------------------------------------------------------------------------------

class Refusing:
    """A real SMTP server's handler that refuses some recipients, as a mail server does."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 no such user"
        if address.startswith("full@"):
            return "452 4.2.2 mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


@pytest.fixture
def refusing_smtp():
    from formsvc.demo.mailcatcher import _Controller

    controller = _Controller(Refusing(), hostname="127.0.0.1", port=0)
    controller.start()
    yield controller.port
    controller.stop()


@pytest.mark.parametrize("recipient, failure", [("gone@example.cn", PermanentFailure),
                                                ("full@example.cn", TemporaryFailure)])
def test_email_recipient_refusals_are_sorted(refusing_smtp, recipient, failure):
    sender = EmailSender("127.0.0.1", refusing_smtp, mail_from="noreply@wagesafe.localhost", timeout=5)
    with pytest.raises(failure):
        sender.send({**NOTICE, "channel": "email", "recipient": recipient, "subject": "测试"})
    sender.send({**NOTICE, "channel": "email", "recipient": "ok@example.cn", "subject": "测试"})


def test_email_message_id_is_the_same_for_every_attempt():
    a = build_message({**NOTICE, "recipient": "x@example.cn"}, "WageSafe <noreply@wagesafe.localhost>")
    b = build_message({**NOTICE, "recipient": "x@example.cn"}, "WageSafe <noreply@wagesafe.localhost>")
    c = build_message({**NOTICE, "recipient": "x@example.cn", "id": 8}, "WageSafe <noreply@wagesafe.localhost>")
    assert a["Message-ID"] == b["Message-ID"] != c["Message-ID"]
    assert a["Message-ID"].endswith("@wagesafe.localhost>")
