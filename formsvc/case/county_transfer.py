"""转送外县: a case that belongs to another county goes there through its Open311 API.

The seeds: "不属于本地管辖的，及时通过系统转送相关地区" (002); "一点举报、全网联动" (004).
《劳动保障监察条例》第十三条: labour inspection belongs to the county (or city) labour department
where the employer uses the labour, so the county where the wages are owed handles the complaint;
《保障农民工工资支付条例》第十条: the office that first received it passes it on and tells the worker
the result, so a worker who complained here must not have to start again there.

One transaction (``start``) writes the transfer row, the case's new status ``transferred_out``
(it is closed here: nobody here must act, no escalation nags), a public timeline entry, the
Open311 request as an outbox notice (``channel = 'open311'``: retried with backoff while the
other county is down, ``dead`` and resendable if refused) and, when the worker said yes to SMS,
an SMS saying where the case went. The request carries an idempotency key, so a retry after a
lost answer, or a replayed notice, finds the first case there instead of making a second one.

What goes: the case as the worker gave it, with the worker's consent as recorded (a named
complaint needed the worker's yes to pass their data to the officers who act: 《个人信息保护法》
第十三条、第二十三条; an anonymous tip goes anonymous); evidence as signed links that expire
(``evidence_links``), never public. Afterwards ``formsvc.duties.remote_follow`` asks the other
county for the status until it closes, and the desk and the worker's status page show it.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime

from formsvc.notify import notices, outbox
from formsvc.storage.store import iso, write_transaction

from . import evidence_links, open311_services
from .cases import TransitionError, _event, _load, _require, OPEN_STATUSES, get_case

MAX_REASON = 500
MAX_ADDRESS = 200


def _params(case: dict, address: str, links: list[str]) -> list[tuple[str, str]]:
    """The Open311 request for the other county (``formsvc.web.api.inbound`` reads the same names)."""
    params = [("service_code", open311_services.WAGE_OTHER), ("address_string", address),
              ("description", case["description"] or ""),
              ("attribute[workers]", str(case["workers"])), ("attribute[amount_yuan]", str(case["amount_yuan"])),
              ("attribute[months_owed]", str(case["months_owed"])),
              ("attribute[owed_by_kind]", case["owed_by_kind"] or "unknown"),
              ("attribute[owed_by_name]", case["owed_by_name"] or ""), ("attribute[trade]", case["trade"] or ""),
              ("attribute[callback_time]", case["callback_time"] or "any")]
    if case["anonymous"] or not case["consent"]:
        params.append(("attribute[anonymous]", "true"))
    else:
        name = case["name"] or ""
        params += [("last_name", name[:1]), ("first_name", name[1:]), ("phone", case["mobile"] or ""),
                   ("attribute[consent]", "true"),
                   ("attribute[sms_consent]", "true" if case.get("sms_consent") else "false")]
    params += [("media_url", u) for u in links]
    return [(k, v) for k, v in params if v != ""]


def start(db, partners, config, case_id: int, actor: str, county_code: str, reason: str, address: str,
          now: datetime) -> dict:
    """Send an open case to a partner county; returns the case (now ``transferred_out``).

    :param address: where the wages are owed, in words the other county can route on (their
        township's name); defaults to the site address the worker gave.
    :raises TransitionError: unknown county, no reason, a case already closed or sent.
    """
    county = partners.counties.get(county_code or "")
    if county is None:
        raise TransitionError("没有这个协作县 no such partner county")
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError("转送外县必须填写原因 a transfer needs a reason")
    if len(reason) > MAX_REASON or len(address or "") > MAX_ADDRESS:
        raise TransitionError(f"原因最多 {MAX_REASON} 字、地址最多 {MAX_ADDRESS} 字")
    with write_transaction(db):
        case = _load(db, case_id)
        _require(case, OPEN_STATUSES, "转送外县")
        if case.get("redacted_at"):
            raise TransitionError("此案个人信息已删除，不能转送")
        address = (address or "").strip() or case["site_address"] or ""
        if not address:
            raise TransitionError("请填写欠薪发生地（对方县的镇街和地址），对方据此分派")
        idem = f"{config_county(config)}-{case_id}-{secrets.token_hex(8)}"
        cur = db.conn.execute(
            "INSERT INTO county_transfers (complaint_id, county_code, county_name, idempotency_key, reason, address,"
            " actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (case_id, county.code, county.name_zh, idem, reason, address, actor, iso(now)))
        transfer_id = cur.lastrowid
        rows = db.conn.execute("SELECT id FROM evidence WHERE complaint_id = ? ORDER BY id", (case_id,)).fetchall()
        links = [evidence_links.make(config.public_base_url, config.secret_key, r[0], now,
                                     config.open311_evidence_link_hours) for r in rows]
        job = {"target": f"county:{county.code}", "op": "post_request", "idempotency_key": idem,
               "transfer_id": transfer_id, "complaint_id": case_id, "params": _params(case, address, links)}
        outbox.enqueue(db, kind="county_transfer", channel="open311", recipient=f"county:{county.code}",
                       complaint_id=case_id, subject=f"转送 {county.name_zh}", body=json.dumps(job, ensure_ascii=False),
                       dedupe_key=f"county-transfer:{transfer_id}")
        db.conn.execute("UPDATE complaints SET status = 'transferred_out' WHERE id = ?", (case_id,))
        # The reason stays on the transfer row (the desk card; retention blanks it), not in the timeline.
        _event(db, case_id, now, actor, "transferred_out", detail=f"转送 {county.name_zh}", public=True)
        # The worker's SMS (only with their yes to SMS): the same "passed to <place>" message, and Aliyun
        # template, as a transfer inside the county; the status page link shows their number and status.
        place = county.name_en if case.get("lang") == "en" else county.name_zh
        sms = notices.worker_sms("worker_transferred", case, config.public_base_url, place=place)
        if sms is not None:
            outbox.enqueue(db, kind=sms.kind, channel="sms", recipient=sms.recipient, subject=sms.subject,
                           body=sms.body, complaint_id=case_id, dedupe_key=f"county-transfer:{transfer_id}:worker-sms")
    return get_case(db, case_id)


def config_county(config) -> str:
    """Our own county code, as the first part of an idempotency key (readable in the other county's logs)."""
    from wagesafe.registry import load_registry

    try:
        return load_registry(config.data_dir).county.code
    except Exception:  # the key only needs to be unique; the code is a courtesy
        return "county"


def transfers_of(db, case_id: int) -> list[dict]:
    """The case's transfers to other counties, newest first, with their notice's delivery state."""
    return list(db.query(
        "SELECT t.*, n.id AS notice_id, n.status AS notice_status, n.attempts AS notice_attempts,"
        " n.last_error AS notice_error, n.next_attempt_at AS notice_next FROM county_transfers t"
        " LEFT JOIN notices n ON n.dedupe_key = 'county-transfer:' || t.id"
        " WHERE t.complaint_id = ? ORDER BY t.id DESC", (case_id,)))


def resend(db, case_id: int, transfer_id: int, now: datetime) -> bool:
    """Put a dead transfer back in the queue (same idempotency key: still at most one case there)."""
    with write_transaction(db):
        cur = db.conn.execute(
            "UPDATE notices SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = ''"
            " WHERE dedupe_key = ? AND complaint_id = ? AND status = 'dead'",
            (iso(now), f"county-transfer:{transfer_id}", case_id))
        return cur.rowcount == 1


def cancel(db, case_id: int, transfer_id: int, actor: str, now: datetime) -> dict:
    """撤回: a transfer that never arrived (dead: refused or given up) comes back, and the case is open
    here again (acknowledged if it had been, else new), so a refusal there never leaves a worker's case
    closed everywhere. A delivered transfer cannot be withdrawn: the other county has the case.

    :raises TransitionError: the transfer is still on its way, or was delivered.
    """
    with write_transaction(db):
        case = _load(db, case_id)
        row = db.conn.execute(
            "SELECT t.county_name, t.remote_id, t.closed_at, n.status FROM county_transfers t"
            " LEFT JOIN notices n ON n.dedupe_key = 'county-transfer:' || t.id"
            " WHERE t.id = ? AND t.complaint_id = ?", (transfer_id, case_id)).fetchone()
        if row is None or row[2] is not None:
            raise TransitionError("没有这次转送，或已撤回 no such transfer")
        if row[1] or row[3] != "dead" or case["status"] != "transferred_out":
            raise TransitionError("只有发送失败的转送可以撤回（已送达的由对方县办理）")
        status = "acknowledged" if case["acknowledged_at"] else "new"
        db.conn.execute("UPDATE complaints SET status = ? WHERE id = ?", (status, case_id))
        db.conn.execute("UPDATE county_transfers SET closed_at = ?, remote_status = 'withdrawn' WHERE id = ?",
                        (iso(now), transfer_id))
        _event(db, case_id, now, actor, "transfer_out_withdrawn", detail=f"转送 {row[0]} 未送达，已撤回", public=True)
    return get_case(db, case_id)


def worker_view(db, case_id: int, partners, lang: str = "zh") -> dict | None:
    """What the worker's status page says about a transfer: where, their number, their status."""
    rows = [t for t in transfers_of(db, case_id) if t["remote_status"] != "withdrawn"]
    if not rows:
        return None
    t = rows[0]
    county = partners.counties.get(t["county_code"])
    name = (county.name_en if lang == "en" and county else t["county_name"])
    if t["closed_at"]:
        state = "对方已办结" if lang != "en" else "closed there"
    elif t["remote_id"]:
        state = "对方正在办理" if lang != "en" else "being handled there"
    else:
        state = "正在转送，对方收到后显示编号" if lang != "en" else "on its way; their number appears once it arrives"
    en = lang == "en"
    receipt = t.get("remote_receipt") or ""
    follow_url = county.status_url if county else ""
    if follow_url and receipt:
        follow_url += ("&" if "?" in follow_url else "?") + "receipt=" + receipt
    return dict(county=name, remote_id=t["remote_id"] or "", receipt=receipt, state=state, notes=t["remote_status_notes"] or "",
                agency=t["remote_agency"] or "", status_url=follow_url,
                receipt_label="Their receipt number (use it with your mobile on their status page)" if en
                else "对方回执号（凭此号和您的手机号在对方查询进度）",
                heading=f"Sent to {name}" if en else f"已转送{name}",
                why=("The work was done in that county, so its labour department handles your case (Labour Security "
                     "Inspection Regulations art. 13); we passed it on and tell you what happens (Regulations on "
                     "Ensuring Payment of Wages to Migrant Workers art. 10)." if en else
                     "用工所在地在该县，由该县劳动保障部门管辖（《劳动保障监察条例》第十三条）；本县已转送，并把处理结果告诉您"
                     "（《保障农民工工资支付条例》第十条）。"),
                number_label="Their case number" if en else "对方编号",
                state_label="Status there" if en else "对方办理情况",
                follow_label="Follow it there" if en else "到对方查询")
