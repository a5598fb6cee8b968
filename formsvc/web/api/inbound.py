"""A partner's ``POST requests``: the Open311 parameters checked and turned into a ``ComplaintInput``.

Everything is refused rather than repaired: a partner system, unlike a worker on a phone, can
fix its request and send it again, and a silently cut or cleaned field would put words in a
worker's mouth. Each refusal names the parameter and says what is allowed, in Chinese then
English, and nothing is stored (``ApiError`` is raised before ``complaints.submit``).

Text with markup (``<`` or ``>``) or control characters is refused: the desk escapes what it
shows, but these fields are also forwarded (emails, other counties) where nobody can vouch for
the next reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wagesafe.registry import Registry, rules

from formsvc.case import open311_services
from formsvc.case.complaints import ComplaintInput, new_submission_token

# Limits of the complaint form (formsvc.web.intake.forms.LIMITS) and of Open311's own fields.
LIMITS = dict(first_name=25, last_name=25, phone=20, email=100, description=2000, address_string=200,
              project_code=32, township=24, owed_by_name=100, trade=30, service_code=32, jurisdiction_id=32,
              idempotency_key=100, lat=20, long=20, account_id=50, device_id=50)
NUMBERS = dict(workers=(1, 10000, 1), amount_yuan=(0, 100_000_000, 0), months_owed=(0, 120, 0))
MAX_MEDIA = 5
MAX_MEDIA_URL = 600
MAX_PARAMS = 60
BAD_TEXT = re.compile(r"[<>\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
IDEMPOTENCY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")


class ApiError(Exception):
    """An answer in the specification's error format: HTTP ``code`` and a ``description``."""

    def __init__(self, code: int, description: str, headers: dict | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.headers = headers or {}


@dataclass(frozen=True)
class Inbound:
    complaint: ComplaintInput
    service_code: str
    media_urls: tuple[str, ...] = ()


def _get(form, name: str) -> str:
    value = form.get(name, "")
    limit = LIMITS.get(name) or LIMITS.get(name.removeprefix("attribute[").removesuffix("]"), 200)
    if len(value) > limit:
        raise ApiError(400, f"参数 {name} 太长（最多 {limit} 个字符） {name} is too long (at most {limit} characters)")
    if BAD_TEXT.search(value) and name != "description":
        raise ApiError(400, f"参数 {name} 含有不允许的字符（< > 或控制字符） {name} contains markup or control characters")
    return value.strip()


def _attr(form, code: str) -> str:
    return _get(form, f"attribute[{code}]")


def _number(form, code: str) -> int:
    low, high, default = NUMBERS[code]
    raw = _attr(form, code)
    if raw == "":
        return default
    if not re.fullmatch(r"\d{1,10}", raw) or not low <= int(raw) <= high:
        raise ApiError(400, f"attribute[{code}] 需要 {low} 到 {high} 之间的整数 must be a whole number from {low} to {high}")
    return int(raw)


def _choice(form, code: str, allowed: tuple[tuple[str, str], ...], default: str) -> str:
    raw = _attr(form, code).lower()
    if raw == "":
        return default
    keys = [k for k, _ in allowed]
    if raw not in keys:
        raise ApiError(400, f"attribute[{code}] 只能是 {', '.join(keys)} must be one of {', '.join(keys)}")
    return raw


def _township(registry: Registry, form, address: str) -> str | None:
    code = _attr(form, "township").lower()
    if code:
        if code not in registry.townships:
            raise ApiError(400, f"attribute[township] 不是本县的镇街代码：{code}（见 services/<code>.json 的取值）"
                                f" is not a township of this county (see the service definition)")
        return code
    for c, t in registry.townships.items():  # a partner does not know our codes: the place's name will do
        if t.name_zh and t.name_zh in address:
            return c
    return None


def media_urls(form) -> list[str]:
    urls = form.getlist("media_url") if hasattr(form, "getlist") else [form.get("media_url", "")]
    urls = [u.strip() for u in urls if u and u.strip()]
    if len(urls) > MAX_MEDIA:
        raise ApiError(400, f"media_url 最多 {MAX_MEDIA} 个 at most {MAX_MEDIA} media_url")
    for u in urls:
        if len(u) > MAX_MEDIA_URL or not re.fullmatch(r"https?://[^\s<>\"']+", u):
            raise ApiError(400, "media_url 必须是 http(s) 地址 media_url must be an http(s) address")
    return urls


def parse(form, registry: Registry, service_codes: set[str], *, partner: str, idempotency_key: str) -> Inbound:
    """Check a POSTed request (``form``: the request's form fields) and build the complaint.

    :param partner: the API key's name, recorded as the case's ``source_ref`` prefix.
    :param idempotency_key: the partner's ``Idempotency-Key`` header (or parameter), if any: the
        same key again finds the first case instead of making a second one.
    :raises ApiError: 400/404 with the parameter at fault; nothing was stored.
    """
    if len(form) > MAX_PARAMS:
        raise ApiError(400, f"参数太多（最多 {MAX_PARAMS} 个） too many parameters")
    for name in form:
        _get(form, name)  # every field: length and characters, also the ones we do not use
    service_code = _get(form, "service_code")
    if not service_code:
        raise ApiError(400, "缺少 service_code（见 services.json） service_code is required (see services.json)")
    if service_code not in service_codes:
        raise ApiError(404, f"没有这个 service_code：{service_code} service_code not found")
    address = _get(form, "address_string")
    lat, lon = _get(form, "lat"), _get(form, "long")
    if lat or lon:
        try:
            rules.parse_coordinate(lat, lon)
        except ValueError:
            raise ApiError(400, "lat/long 需要中国境内的 WGS-84 十进制度数 lat/long must be WGS-84 degrees inside China") from None
    project_code = _attr(form, "project_code").lower()
    project = registry.project(project_code) if project_code else None
    if service_code == open311_services.WAGE_PROJECT:
        if not project_code:
            raise ApiError(400, "此服务需要 attribute[project_code]（工地二维码上的项目编号） attribute[project_code] is required")
        if project is None:
            raise ApiError(400, f"本县没有项目编号 {project_code} no such project in this county")
    elif project_code and project is None:
        raise ApiError(400, f"本县没有项目编号 {project_code} no such project in this county")
    township = _township(registry, form, address)
    if not (project or township or address or lat):
        raise ApiError(400, "需要地点：address_string、lat/long、attribute[township] 或 attribute[project_code] 之一"
                            " a location is required: address_string, lat/long, attribute[township] or attribute[project_code]")
    description = _get(form, "description")
    if BAD_TEXT.search(description.replace("\n", " ").replace("\r", " ").replace("\t", " ")):
        raise ApiError(400, "description 含有不允许的字符（< > 或控制字符） description contains markup or control characters")
    name = (_get(form, "last_name") + _get(form, "first_name")).strip()
    phone = _get(form, "phone")
    mobile = rules.normalize_mobile(phone) if phone else ""
    if phone and not rules.is_mobile(phone):
        raise ApiError(400, "phone 需要 11 位手机号 phone must be an 11-digit mainland mobile number")
    email = _get(form, "email")
    if email and not rules.is_email(email):
        raise ApiError(400, "email 格式不对 email is not an address")
    anonymous = _choice(form, "anonymous", open311_services.YES_NO, "false") == "true" or not (name or mobile)
    consent = _choice(form, "consent", open311_services.YES_NO, "false") == "true"
    if not anonymous and not consent:
        raise ApiError(400, "有姓名或手机号时需要 attribute[consent]=true（投诉人同意把个人信息交给办理部门，《个人信息保护法》第十三条、第二十三条）"
                            " attribute[consent]=true is required with a name or phone (the worker's consent)")
    urls = media_urls(form)  # fetched as files by the worker (formsvc.duties.evidence_fetch), never kept as text
    if lat and not address:
        address = f"{lat},{lon}"
    complaint = ComplaintInput(
        submission_token=new_submission_token(), lang="zh", project_code=project.code if project else None,
        site_address="" if project else address, chosen_township=township, anonymous=anonymous,
        name="" if anonymous else name, mobile="" if anonymous else mobile,
        owed_by_kind=_choice(form, "owed_by_kind", open311_services.OWED_BY, "unknown"),
        owed_by_name=_attr(form, "owed_by_name"), trade=_attr(form, "trade"),
        workers=_number(form, "workers"), amount_yuan=_number(form, "amount_yuan"),
        months_owed=_number(form, "months_owed"), description=description,
        callback_time=_choice(form, "callback_time", open311_services.CALLBACK, "any"),
        consent=consent, source="partner", source_ref=f"{partner}:{idempotency_key}",
        sms_consent=_choice(form, "sms_consent", open311_services.YES_NO, "false") == "true" and not anonymous)
    return Inbound(complaint=complaint, service_code=service_code, media_urls=tuple(urls))


def check_idempotency_key(value: str) -> str:
    if value and not IDEMPOTENCY_RE.match(value):
        raise ApiError(400, "Idempotency-Key 只能用字母、数字和 . _ : -（8–100 个字符） Idempotency-Key: 8–100 of A-Z a-z 0-9 . _ : -")
    return value
