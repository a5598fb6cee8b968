"""Open311 GeoReport v2 under ``/open311/v2/``: discovery, services, requests (read and POST).

Thin, like the desk's views: parse, check, call ``complaints.submit`` (the one way a case is
made: the same routing and notices as the web form), answer in the format the path asks for.
Every refusal is a 4xx in the specification's error format; nothing is stored before every
check has passed. Reads are public and carry no personal data (``public.represent``).
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import request, send_file
from werkzeug.exceptions import HTTPException

from formsvc.case import complaints, evidence_links, open311_services, ratelimit, sources
from formsvc.case.cases import label_for
from formsvc.officers import api_keys
from formsvc.storage import store
from formsvc.web.context import get_config, get_db, get_partners, get_registry
from . import formats, public
from .blueprint import bp
from .inbound import ApiError, check_idempotency_key, parse

log = logging.getLogger("wagesafe.open311")
FORMATS = "any(json, xml)"
MAX_LIST = 1000      # rows one list answers a partner with a key
PAGE_SIZE = 100      # rows one keyless list answers, at most (issue 25: a list is a cheap load for anyone)
KEYLESS_READS_PER_10_MINUTES = 120  # keyless request reads per address: a dashboard's polling, not a scraper
DEFAULT_DAYS = 90
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00+08:00"
BAD_KEY_PER_HOUR = 30  # failed key checks per IP: enough for a typo, too few to guess


def _fmt() -> str:
    return (request.view_args or {}).get("fmt", "json") if request.view_args else "json"


def _partners():
    return get_partners()


def _service_codes() -> set[str]:
    return {s.code for s in open311_services.services(_partners().services)}


def _check_jurisdiction() -> None:
    given = request.values.get("jurisdiction_id", "")
    if given and given.strip() != get_registry().county.code:
        raise ApiError(404, f"jurisdiction_id 不对：本系统是 {get_registry().county.code}"
                            f" jurisdiction_id not found (this endpoint serves {get_registry().county.code})")


@bp.errorhandler(ApiError)
def api_error(e: ApiError):
    return formats.error(e.code, e.description, _fmt(), e.headers)


@bp.errorhandler(HTTPException)
def http_error(e: HTTPException):
    words = {404: "没有这个地址 not found", 405: "不支持这个方法 method not allowed",
             413: "请求太大 request too large", 400: "请求无法解析 bad request"}
    return formats.error(e.code or 400, words.get(e.code, e.description or "error"), _fmt())


@bp.errorhandler(sqlite3.OperationalError)
def busy(e):
    log.warning("open311 %s %s: database unavailable (%s)", request.method, request.path, e)
    return formats.error(503, "系统繁忙，未保存，请稍后重试 busy: nothing was stored, try again later", _fmt(),
                         {"Retry-After": "60"})


@bp.route(f"/v2/discovery.<{FORMATS}:fmt>", methods=["GET"])
def discovery(fmt):
    cfg, county = get_config(), get_registry().county
    data = {"changeset": CHANGESET, "contact": f"{county.desk.name_zh} {county.desk.email}",
            "key_service": f"API 密钥由 {county.desk.name_zh} 发放 keys are issued by the county desk",
            "endpoints": [{"specification": SPEC, "url": f"{cfg.public_base_url}/open311/v2", "changeset": CHANGESET,
                           "type": "production", "formats": ["application/json", "text/xml"]}]}
    return formats.respond(data, fmt, "discovery")


@bp.route(f"/v2/services.<{FORMATS}:fmt>", methods=["GET"])
def services(fmt):
    _check_jurisdiction()
    data = [{"service_code": s.code, "service_name": s.name, "description": s.description, "metadata": True,
             "type": "realtime", "keywords": s.keywords, "group": open311_services.GROUP}
            for s in open311_services.services(_partners().services)]
    return formats.respond(data, fmt, "services", "service")


@bp.route(f"/v2/services/<string(maxlength=32):code>.<{FORMATS}:fmt>", methods=["GET"])
def service_definition(code, fmt):
    _check_jurisdiction()
    if code not in _service_codes():
        raise ApiError(404, f"没有这个 service_code：{code} service_code not found")
    attrs = [{"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
              "datatype_description": "", "order": i, "description": a.description,
              **({"values": [{"key": k, "name": n} for k, n in a.values]} if a.values else {})}
             for i, a in enumerate(open311_services.attributes(code, get_registry().townships), 1)]
    return formats.respond({"service_code": code, "attributes": attrs}, fmt, "service_definition")


def _w3c(name: str) -> str | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{name} 需要 W3C 时间，如 2026-01-01T00:00:00+08:00 {name} must be a W3C datetime") from None
    return store.iso(dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc))


def _ids(raw: str) -> list[int]:
    ids = [p.strip() for p in raw.split(",") if p.strip()]
    if len(ids) > MAX_LIST or not all(p.isdigit() and len(p) <= 18 for p in ids):
        raise ApiError(400, "service_request_id 需要逗号分隔的数字 service_request_id: comma-separated numbers")
    return [int(p) for p in ids]


def _rows(where: str, params: list, limit: int = MAX_LIST, offset: int = 0) -> list[dict]:
    return list(get_db().query(f"SELECT {public.COLUMNS} FROM complaints c WHERE {where}"
                               f" ORDER BY c.id DESC LIMIT {int(limit)} OFFSET {int(offset)}", params))


def _reader_has_key() -> bool:
    """A read with an API key (checked: a wrong one is refused and counted like on a POST) gets
    whole lists and no per-address limit; its partner's hourly limit is the POSTs' as before."""
    if not (request.args.get("api_key") or request.headers.get("X-Api-Key")):
        return False
    _partner_name()
    return True


def _limit_keyless_read() -> None:
    """Keyless reads: ``KEYLESS_READS_PER_10_MINUTES`` per address, then 429 with Retry-After."""
    db = get_db()
    try:
        with store.write_transaction(db):
            ratelimit.take(db, f"open311-read:{_client_ip()}", KEYLESS_READS_PER_10_MINUTES, ratelimit.IP_WINDOW,
                           store.utcnow())
    except ratelimit.RateLimited as e:
        raise ApiError(429, f"查询太频繁，请 {e.retry_after} 秒后再试（有密钥的合作方不受此限）"
                            f" too many reads without an api_key: try again in {e.retry_after} seconds",
                       {"Retry-After": str(e.retry_after)}) from None


def _page() -> tuple[int, int]:
    """``(page, page_size)`` of a keyless list: ``page`` from 1, ``page_size`` at most ``PAGE_SIZE``."""
    def number(name: str, default: int) -> int:
        raw = request.args.get(name, "").strip()
        if not raw:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= 10**6:
            raise ApiError(400, f"{name} 需要正整数 {name}: a positive whole number")
        return int(raw)

    return number("page", 1), min(number("page_size", PAGE_SIZE), PAGE_SIZE)


def _list_requests(fmt):
    _check_jurisdiction()
    keyed = _reader_has_key()
    if not keyed:
        _limit_keyless_read()
    page, size = (1, MAX_LIST) if keyed else _page()
    where, params = ["1 = 1"], []
    if request.args.get("service_request_id"):
        ids = _ids(request.args["service_request_id"])
        if not keyed and len(ids) > PAGE_SIZE:
            raise ApiError(400, f"不带密钥一次最多查 {PAGE_SIZE} 个 service_request_id"
                                f" at most {PAGE_SIZE} service_request_id without an api_key")
        where.append(f"c.id IN ({', '.join('?' * len(ids))})")
        params += ids
    else:
        codes = [c.strip() for c in request.args.get("service_code", "").split(",") if c.strip()]
        unknown = [c for c in codes if c not in _service_codes()]
        if unknown:
            raise ApiError(404, f"没有这个 service_code：{unknown[0]} service_code not found")
        if codes:
            kinds = []
            if open311_services.WAGE_PROJECT in codes:
                kinds.append("c.project_code IS NOT NULL")
            if open311_services.WAGE_OTHER in codes:
                kinds.append("c.project_code IS NULL")
            where.append("(" + (" OR ".join(kinds) or "0") + ")")
        start, end = _w3c("start_date"), _w3c("end_date")
        if start and end and start > end:
            raise ApiError(400, "start_date 晚于 end_date start_date is after end_date")
        if not start and not end:
            start = store.iso(store.utcnow() - timedelta(days=DEFAULT_DAYS))
        if start:
            where.append("c.created_at >= ?")
            params.append(start)
        if end:
            where.append("c.created_at <= ?")
            params.append(end)
        statuses = {s.strip().lower() for s in request.args.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise ApiError(400, "status 只能是 open 或 closed status: open or closed")
        closed = "c.status IN ('resolved', 'closed_unfounded', 'transferred_out')"
        if statuses == {"open"}:
            where.append(f"NOT {closed}")
        elif statuses == {"closed"}:
            where.append(closed)
    reg, cfg = get_registry(), get_config()
    rows = _rows(" AND ".join(where), params, limit=size + 1, offset=(page - 1) * size)
    data = [public.represent(r, reg, cfg) for r in rows[:size]]
    response = formats.respond(data, fmt, "service_requests", "request")
    if not keyed and len(rows) > size:  # more behind this page: where the next one is (RFC 8288)
        args = request.args.to_dict()
        args.update(page=str(page + 1), page_size=str(size))
        from urllib.parse import urlencode

        response.headers["Link"] = f'<{request.path}?{urlencode(args)}>; rel="next"'
    return response


def _client_ip() -> str:
    return request.remote_addr or ""


def _partner_name() -> str:
    key = request.values.get("api_key", "") or request.headers.get("X-Api-Key", "")
    name = api_keys.check(get_db(), key)
    if name is None:
        db = get_db()
        try:
            with store.write_transaction(db):
                ratelimit.take(db, f"open311-badkey:{_client_ip()}", BAD_KEY_PER_HOUR, ratelimit.HOUR, store.utcnow())
        except ratelimit.RateLimited:
            raise ApiError(429, "密钥错误次数太多，请一小时后再试 too many bad keys: try again in an hour") from None
        raise ApiError(403, "api_key 缺失或无效（向县劳动保障监察大队申请） api_key is missing or invalid")
    return name


def _post_request(fmt):
    _check_jurisdiction()
    partner = _partner_name()
    idem = check_idempotency_key(request.headers.get("Idempotency-Key", "") or request.form.get("idempotency_key", ""))
    if not idem:
        import secrets

        idem = "auto-" + secrets.token_urlsafe(12)
    form = request.form.copy()
    for name in ("api_key", "jurisdiction_id", "idempotency_key"):
        form.pop(name, None)
    inbound = parse(form, get_registry(), _service_codes(), partner=partner, idempotency_key=idem)
    cfg = get_config()
    # The per-key limit is the submit's own per-"IP" limit, counted for the key instead of an address.
    try:
        result = complaints.submit(get_db(), get_registry(), cfg, inbound.complaint, [], ip=f"open311:{partner}",
                                   ip_limit=(cfg.open311_rate_limit_per_hour, ratelimit.HOUR),
                                   sent_by=sources.sending_county("partner", inbound.complaint.source_ref,
                                                                  get_partners()),
                                   incoming_files=len(inbound.media_urls))
    except ratelimit.RateLimited as e:
        what = "此密钥" if e.key.startswith("submit-ip:") else "此手机号"
        raise ApiError(429, f"{what}提交太多，请稍后再试 rate limit reached; try again later") from None
    _same_body_or_refuse(partner, idem, form, result)
    if result.created and inbound.media_urls:
        from formsvc.duties import evidence_fetch

        evidence_fetch.enqueue(get_db(), result.complaint_id, inbound.media_urls, store.utcnow())
    log.info("open311: partner %s %s case %s", partner, "made" if result.created else "repeated", result.complaint_id)
    notice = (f"已受理，回执号 {result.receipt}，由{label_for(get_registry(), *_assignee(result.complaint_id))}办理"
              if result.created else "此请求已收到过（同一 Idempotency-Key），未重复立案 already received")
    # "receipt" (beside the specification's fields, which clients ignore when unknown): the worker's number
    # here, told only to the partner that posted the request, so it can tell the worker how to follow it.
    data = [{"service_request_id": str(result.complaint_id), "service_notice": notice, "account_id": "",
             "receipt": result.receipt}]
    return formats.respond(data, fmt, "service_requests", "request", status=201 if result.created else 200)


def body_fingerprint(form) -> str:
    """SHA-256 of the request's fields, in order of name then value. ``media_url`` is left out: a
    WageSafe sender signs fresh, short-lived evidence links at each attempt (the same case, sent again)."""
    import hashlib
    import json

    items = sorted((k, v) for k in form for v in form.getlist(k) if k != "media_url")
    return hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest()


def _same_body_or_refuse(partner: str, idem: str, form, result) -> None:
    """The first body an Idempotency-Key came with is remembered; the same key again with another body
    is a partner's bug (two different complaints under one key), refused with 409 instead of
    silently answering with the first case."""
    db, ref, digest = get_db(), f"{partner}:{idem}", body_fingerprint(form)
    with store.write_transaction(db):
        row = db.conn.execute("SELECT body_sha256 FROM open311_bodies WHERE source_ref = ?", (ref,)).fetchone()
        if row is None:
            db.conn.execute("INSERT INTO open311_bodies (source_ref, body_sha256, complaint_id) VALUES (?, ?, ?)",
                            (ref, digest, result.complaint_id))
            return
    if row[0] != digest:
        raise ApiError(409, "此 Idempotency-Key 已用于另一份不同的请求，未重复立案；新的投诉请用新的 Idempotency-Key"
                            f"（原请求编号 {result.complaint_id}） Idempotency-Key reused with a different body: "
                            "nothing was stored; use a new key for a new request")


def _assignee(complaint_id: int) -> tuple[str, str]:
    return get_db().conn.execute("SELECT assignee_kind, assignee_code FROM complaints WHERE id = ?",
                                 (complaint_id,)).fetchone()


@bp.route(f"/v2/requests.<{FORMATS}:fmt>", methods=["GET", "POST"])
def requests_(fmt):
    if request.method == "POST":
        return _post_request(fmt)
    return _list_requests(fmt)


@bp.route(f"/v2/requests/<string(maxlength=40):request_id>.<{FORMATS}:fmt>", methods=["GET"])
def request_one(request_id, fmt):
    _check_jurisdiction()
    if not _reader_has_key():
        _limit_keyless_read()
    if not request_id.isdigit() or len(request_id) > 18:
        raise ApiError(404, "没有这个 service_request_id service_request_id not found")
    rows = _rows("c.id = ?", [int(request_id)])
    if not rows:
        raise ApiError(404, "没有这个 service_request_id service_request_id not found")
    data = public.represent(rows[0], get_registry(), get_config())
    report = _report_for_sender(int(request_id))
    if report is not None:
        data["wagesafe_case"] = report
    return formats.respond([data], fmt, "service_requests", "request")


def _report_for_sender(case_id: int) -> dict | None:
    """What the county that sent us a case may read back about it (issue 24), and nobody else: when we
    took it on and our outcome (kind, amounts and the note to the worker; no person). Only with the key that POSTed it
    (``X-Api-Key``); a missing or wrong key just gets the public answer."""
    key = request.headers.get("X-Api-Key", "")
    partner = api_keys.check(get_db(), key) if key else None
    if partner is None:
        return None
    row = get_db().conn.execute(
        "SELECT acknowledged_at, resolved_at, outcome, amount_recovered_yuan, outcome_left_yuan,"
        " outcome_promised_yuan, outcome_due_date, status, outcome_text FROM complaints"
        " WHERE id = ? AND source = 'partner' AND source_ref LIKE ?", (case_id, f"{partner}:%")).fetchone()
    if row is None:
        return None
    closed = row[7] in ("resolved", "closed_unfounded", "transferred_out")
    kind = row[2] or ("not_substantiated" if row[7] == "closed_unfounded" else "")
    out = {"acknowledged_at": row[0] or "", "resolved_at": (row[1] or "") if closed else ""}
    if closed and kind:
        # ``text``: the officer's note to the worker (给投诉人的说明, written for the worker to read): for
        # 不属本县管辖 it says where the case belongs, which the sender needs to act on the case it gets back.
        out.update(kind=kind, recovered_yuan=row[3] or 0, left_yuan=row[4] or 0, promised_yuan=row[5] or 0,
                   due_date=row[6] or "", text=row[8] or "")
    return out


@bp.route(f"/v2/servicerequestupdates.<{FORMATS}:fmt>", methods=["POST"])
def post_update(fmt):
    """An update to a request that this key POSTed (the FixMyStreet Open311 extension:
    ``service_request_id``, ``update_id``, ``status``, ``description``, ``updated_datetime``).
    Recorded on the case's internal timeline; the worker and the public never see it raw."""
    _check_jurisdiction()
    partner = _partner_name()
    f = request.form
    rid, update_id = f.get("service_request_id", "").strip(), f.get("update_id", "").strip()
    status, text = f.get("status", "").strip().upper(), f.get("description", "").strip()
    if not rid.isdigit() or len(rid) > 18 or not update_id or len(update_id) > 100:
        raise ApiError(400, "需要 service_request_id 和 update_id service_request_id and update_id are required")
    if len(status) > 40 or len(text) > 500 or any(c in status + text + update_id for c in "<>"):
        raise ApiError(400, "status/description 太长或含有 < > status/description too long or with markup")
    db = get_db()
    row = db.conn.execute("SELECT id FROM complaints WHERE id = ? AND source = 'partner' AND source_ref LIKE ?",
                          (int(rid), f"{partner}:%")).fetchone()
    if row is None:
        raise ApiError(404, "没有此密钥提交的这个请求 no request of this key with that id")
    detail = f"{partner} 更新 {update_id}：{status} {text}".strip()
    with store.write_transaction(db):
        if not db.conn.execute("SELECT 1 FROM events WHERE complaint_id = ? AND kind = 'partner_update' AND detail = ?",
                               (row[0], detail)).fetchone():
            db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public) VALUES (?, ?, ?, ?, ?, 0)",
                            (row[0], store.iso(store.utcnow()), f"open311:{partner}", "partner_update", detail))
    return formats.respond([{"update_id": update_id}], fmt, "service_request_updates", "request_update")


@bp.route("/evidence/<int(max=9223372036854775807):evidence_id>", methods=["GET"])
def evidence_file(evidence_id):
    """One evidence file through a signed, short-lived link that opens once (``formsvc.case.evidence_links``)."""
    cfg, db = get_config(), get_db()
    if not evidence_links.valid(cfg.secret_key, evidence_id, request.args, store.utcnow()):
        raise ApiError(403, "链接无效或已过期 the link is invalid or has expired")
    sig = request.args.get("sig", "")
    if db.conn.execute("SELECT 1 FROM evidence_links_used WHERE sig = ?", (sig,)).fetchone():
        raise ApiError(410, "此链接已用过一次，已失效 the link has been used and no longer opens")
    row = db.conn.execute("SELECT e.stored_name, e.mime, e.original_name, c.redacted_at, e.complaint_id"
                          " FROM evidence e JOIN complaints c ON c.id = e.complaint_id WHERE e.id = ?",
                          (evidence_id,)).fetchone()
    if row is None or row[3]:
        raise ApiError(404, "文件已不存在 the file no longer exists")
    root = Path(cfg.upload_dir).resolve()
    path = (root / row[0]).resolve()
    if root not in path.parents or not path.is_file():
        raise ApiError(404, "文件已不存在 the file no longer exists")
    from formsvc.storage import audit

    with store.write_transaction(db):  # used once: a second GET of the same link is refused
        cur = db.conn.execute("INSERT OR IGNORE INTO evidence_links_used (sig, evidence_id, transfer_id, used_at, ip)"
                              " VALUES (?, ?, ?, ?, ?)", (sig, evidence_id, int(request.args.get("t", "0") or 0),
                                                          store.iso(store.utcnow()), _client_ip()))
        if cur.rowcount != 1:
            raise ApiError(410, "此链接已用过一次，已失效 the link has been used and no longer opens")
    audit.record(db, None, "download_evidence", row[4], detail=f"evidence {evidence_id} by signed link (transfer)",
                 ip=_client_ip(), now=store.utcnow())
    resp = send_file(path, mimetype=row[1] or "application/octet-stream", as_attachment=True,
                     download_name=row[2] or f"evidence-{evidence_id}", max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(rest):
    """Anything else under /open311: 405 when the path exists for another method (with ``Allow``),
    else 404, in the specification's format (JSON unless .xml was asked)."""
    from flask import current_app

    fmt = "xml" if rest.endswith(".xml") else "json"
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST"):
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    if allowed:
        return formats.error(405, f"不支持 {request.method} 方法，只能用 {'、'.join(allowed)} method not allowed",
                             fmt, {"Allow": ", ".join(allowed)})
    return formats.error(404, "没有这个地址，见 /open311/v2/discovery.json not found (see /open311/v2/discovery.json)", fmt)
