"""Aliyun (阿里云) SMS: the Dysms ``SendSms`` API over plain HTTP(S), signed with signature v1.

No SDK: the API is one signed form POST, and the SDKs pull in a large dependency tree.
Signature v1 ("RPC" style, HMAC-SHA1), as Aliyun documents it:

1. every parameter except ``Signature``, sorted by name; name and value each percent-encoded
   the RFC 3986 way (unreserved ``A-Z a-z 0-9 - _ . ~`` kept, space as ``%20``), joined
   ``name=value`` with ``&``: the canonicalized query string;
2. ``StringToSign = METHOD + "&" + enc("/") + "&" + enc(canonicalized query string)``;
3. ``Signature = base64(HMAC-SHA1(key=AccessKeySecret + "&", StringToSign))``.

The template registered with Aliyun decides the words, one template per kind of notice
(``Config.sms_template_codes``: a new case, a transfer, and the worker's receipt, acknowledgement,
transfer and outcome); ``template_param`` fills its variables: ``${case}`` (the case number) and
``${link}`` (the address taken from the notice body), plus, for the worker's SMS, the variables
its composer stored as JSON in the notice's ``subject`` (``formsvc.notify.notices.WorkerSms``:
receipt, place, outcome). Nothing else of the notice, and nothing about the worker, leaves the
building.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone

from wagesafe.config import SMS_TEMPLATE_SETTINGS, Config

from .base import Notice, PermanentFailure, TemporaryFailure

API_VERSION = "2017-05-25"
# Codes that say the request itself can never succeed; any other error code is retried.
PERMANENT_CODES = {
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.INVALID_PARAMETERS",
    "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.PARAM_LENGTH_LIMIT", "isv.PARAM_NOT_SUPPORT_URL", "isv.INVALID_JSON_PARAM",
    "isv.BLACK_KEY_CONTROL_LIMIT", "isv.SMS_CONTENT_ILLEGAL", "isv.SMS_SIGN_ILLEGAL",
}
_URL = re.compile(r"https?://\S+")


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun signs it: only ``A-Z a-z 0-9 - _ . ~`` stay as they are."""
    return urllib.parse.quote(str(value), safe="~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def sign(method: str, params: Mapping[str, str], secret: str) -> str:
    """The v1 signature of ``params`` (without ``Signature``) for ``method``."""
    digest = hmac.new((secret + "&").encode("utf-8"), string_to_sign(method, params).encode("utf-8"),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def template_param(notice: Notice) -> dict[str, str]:
    """The template's variables for one notice: the case number and the case link."""
    match = _URL.search(notice.get("body") or "")
    params = {"case": str(notice.get("complaint_id") or ""), "link": match.group(0) if match else ""}
    subject = notice.get("subject") or ""
    if notice.get("channel", "sms") == "sms" and subject.startswith("{"):
        try:
            extra = json.loads(subject)
        except ValueError:
            extra = {}
        params.update({str(k): str(v) for k, v in extra.items()} if isinstance(extra, dict) else {})
    return params


class AliyunSmsProvider:
    """Sends a notice as one SMS through Aliyun Dysms ``SendSms``."""

    def __init__(self, *, access_key_id: str, access_key_secret: str, sign_name: str, template_code: str,
                 endpoint: str = "https://dysmsapi.aliyuncs.com/", timeout: float = 10.0, region: str = "cn-hangzhou",
                 clock: Callable[[], datetime] | None = None, template_codes: Mapping[str, str] | None = None):
        missing = [n for n, v in (("ALIYUN_SMS_ACCESS_KEY_ID", access_key_id),
                                  ("ALIYUN_SMS_ACCESS_KEY_SECRET", access_key_secret),
                                  ("ALIYUN_SMS_SIGN_NAME", sign_name),
                                  ("ALIYUN_SMS_TEMPLATE_CODE", template_code)) if not v]
        if missing:
            raise ValueError("SMS_PROVIDER=aliyun needs " + ", ".join(missing))
        self.access_key_id, self.access_key_secret = access_key_id, access_key_secret
        self.sign_name, self.template_code = sign_name, template_code
        self.endpoint, self.timeout, self.region = endpoint, timeout, region
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        # kind → template code; the new-case code stands in only for the kinds without a setting.
        self.template_codes = {k: v for k, v in (template_codes or {}).items() if v}

    def template_for(self, notice: Notice) -> str:
        """The template registered for the notice's kind. A kind that has a setting but no code
        is refused (PermanentFailure), never sent with another kind's wording."""
        kind = notice.get("kind", "")
        if kind in self.template_codes:
            return self.template_codes[kind]
        if kind in SMS_TEMPLATE_SETTINGS and kind != "new_case":
            raise PermanentFailure(f"no Aliyun template for {kind} SMS: set {SMS_TEMPLATE_SETTINGS[kind]}")
        return self.template_code

    @classmethod
    def from_config(cls, config: Config) -> "AliyunSmsProvider":
        return cls(access_key_id=config.aliyun_sms_access_key_id,
                   access_key_secret=config.aliyun_sms_access_key_secret,
                   sign_name=config.aliyun_sms_sign_name, template_code=config.aliyun_sms_template_code,
                   endpoint=config.aliyun_sms_endpoint, timeout=config.smtp_timeout,
                   template_codes=config.sms_template_codes())

    def signed_params(self, notice: Notice) -> dict[str, str]:
        """Every form field of the request, ``Signature`` included."""
        number = re.sub(r"[\s-]", "", notice.get("recipient") or "")
        params = {
            "AccessKeyId": self.access_key_id, "Action": "SendSms", "Format": "JSON", "RegionId": self.region,
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "Timestamp": self.clock().astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION, "PhoneNumbers": number, "SignName": self.sign_name,
            "TemplateCode": self.template_for(notice),
            "TemplateParam": json.dumps(template_param(notice), ensure_ascii=False, separators=(",", ":")),
            "OutId": str(notice["id"]),  # Aliyun echoes it in delivery receipts: which notice this was
        }
        params["Signature"] = sign("POST", params, self.access_key_secret)
        return params

    def send(self, notice: Notice) -> None:
        """POST the signed request; ``Code == "OK"`` is success.

        :raises PermanentFailure: a bad number, template or parameter (``PERMANENT_CODES``), or no number.
        :raises TemporaryFailure: network errors, HTTP 5xx, throttling and any other error code.
        """
        if not re.sub(r"[\s-]", "", notice.get("recipient") or ""):
            raise PermanentFailure("no mobile number to send the SMS to")
        body = urllib.parse.urlencode(self.signed_params(notice), quote_via=urllib.parse.quote).encode("ascii")
        request = urllib.request.Request(self.endpoint, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                payload = resp.read()
        except urllib.error.HTTPError as e:  # Aliyun answers errors with 4xx/5xx and a JSON body
            payload = e.read()
            if e.code >= 500:
                raise TemporaryFailure(f"Aliyun SMS answered HTTP {e.code}") from e
        except (urllib.error.URLError, OSError) as e:
            raise TemporaryFailure(f"cannot reach Aliyun SMS at {self.endpoint}: {e}") from e
        try:
            answer = json.loads(payload)
        except ValueError as e:
            raise TemporaryFailure(f"Aliyun SMS answered something that is not JSON: {payload[:200]!r}") from e
        code = answer.get("Code", "")
        if code == "OK":
            return None
        message = f"Aliyun SMS refused: {code} {answer.get('Message', '')} (RequestId {answer.get('RequestId', '?')})"
        if code in PERMANENT_CODES:
            raise PermanentFailure(message)
        raise TemporaryFailure(message)
