"""转送外县: a case that belongs to another county goes there through its Open311 API, told truly.

The seeds: "不属于本地管辖的，及时通过系统转送相关地区" (002); "一点举报、全网联动" (004).
《劳动保障监察条例》第十三条: labour inspection belongs to the county (or city) labour department
where the employer uses the labour, so the county where the wages are owed handles the complaint;
《保障农民工工资支付条例》第十条: the office that first received it passes it on and tells the worker
the result, so a worker who complained here must not have to start again there.

One transaction (``start``) writes the transfer row, an internal ``county_transfer_requested`` event
and the Open311 request as an outbox notice (``channel = 'open311'``: retried with backoff while the
other county is down or refuses our key, woken as soon as it answers). The case stays this county's
(its status does not change) until the other county has it: the worker is told nothing yet, so a
refusal never follows a "已转送". The request carries an idempotency key, so a retry after a lost
answer, or a replayed notice, finds the first case there instead of making a second one.

What happens next is settled by ``formsvc.duties.remote_follow.settle`` (every minute) from the
delivery's outcome, with the event kinds every surface reads (``formsvc.case.story``):
``county_transfer_delivered`` (status ``transferred_out``; the worker's SMS, with their receipt
there), ``county_transfer_refused`` / ``county_transfer_dead`` (the county desk alerted by email and
SMS; the worker told this county keeps handling it), ``county_transfer_withdrawn`` (``cancel``), then
``county_transfer_acknowledged`` and ``county_transfer_resolved`` (the other county's outcome, kind and
amounts as JSON in the detail) from ``remote_follow.follow``.

What goes: the case as the worker gave it, with the worker's consent as recorded (a named
complaint needed the worker's yes to pass their data to the officers who act: 《个人信息保护法》
第十三条、第二十三条; an anonymous tip goes anonymous); evidence as files the other county fetches
once, over signed links made at sending (``evidence_links``), never public and never in the text.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime

from formsvc.notify import outbox
from formsvc.storage.store import iso, write_transaction

from . import open311_services, story
from .cases import TransitionError, _event, _load, _require, OPEN_STATUSES, get_case

MAX_REASON = 500
MAX_ADDRESS = 200


def _params(case: dict, address: str) -> list[tuple[str, str]]:
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
    return [(k, v) for k, v in params if v != ""]


def start(db, partners, config, case_id: int, actor: str, county_code: str, reason: str, address: str,
          now: datetime) -> dict:
    """Ask for an open case to be sent to a partner county; returns the case (still this county's).

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
        if pending_transfer(db, case_id):
            raise TransitionError("此案已有一次转送正在发送，送达或撤回后才能再转送")
        address = (address or "").strip() or case["site_address"] or ""
        if not address:
            raise TransitionError("请填写欠薪发生地（对方县的镇街和地址），对方据此分派")
        idem = f"{config_county(config)}-{case_id}-{secrets.token_hex(8)}"
        cur = db.conn.execute(
            "INSERT INTO county_transfers (complaint_id, county_code, county_name, idempotency_key, reason, address,"
            " actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (case_id, county.code, county.name_zh, idem, reason, address, actor, iso(now)))
        transfer_id = cur.lastrowid
        evidence_ids = [r[0] for r in db.conn.execute(
            "SELECT id FROM evidence WHERE complaint_id = ? ORDER BY id", (case_id,)).fetchall()]
        # The links are signed when the request is sent (formsvc.notify.notifiers.open311), not now.
        job = {"target": f"county:{county.code}", "op": "post_request", "idempotency_key": idem,
               "transfer_id": transfer_id, "complaint_id": case_id, "params": _params(case, address),
               "evidence_ids": evidence_ids}
        outbox.enqueue(db, kind="county_transfer", channel="open311", recipient=f"county:{county.code}",
                       complaint_id=case_id, subject=f"转送 {county.name_zh}", body=json.dumps(job, ensure_ascii=False),
                       dedupe_key=f"county-transfer:{transfer_id}")
        # The reason stays on the transfer row (the desk card; retention blanks it), not in the timeline.
        # Not public: the worker hears of the transfer once the other county has the case.
        _event(db, case_id, now, actor, "county_transfer_requested", detail=event_detail(county.code, county.name_zh),
               public=False)
    return get_case(db, case_id)


def event_detail(county_code: str, county_name: str, **more) -> str:
    """A county-transfer event's detail: JSON that ``formsvc.case.story`` and ``money`` read (the county
    by code and name, and for an outcome its kind and amounts)."""
    return json.dumps({"county_code": county_code, "county_name": county_name, **more}, ensure_ascii=False)


def config_county(config) -> str:
    """Our own county code, as the first part of an idempotency key (readable in the other county's logs)."""
    from wagesafe.registry import load_registry

    try:
        return load_registry(config.data_dir).county.code
    except Exception:  # the key only needs to be unique; the code is a courtesy
        return "county"


def transfers_of(db, case_id: int) -> list[dict]:
    """The case's transfers to other counties, newest first, with their notice's delivery state, the
    files the other county fetched (``files_received``, ``files_received_at``) and its outcome."""
    rows = list(db.query(
        "SELECT t.*, n.id AS notice_id, n.status AS notice_status, n.attempts AS notice_attempts,"
        " n.last_error AS notice_error, n.next_attempt_at AS notice_next,"
        " (SELECT count(DISTINCT u.evidence_id) FROM evidence_links_used u WHERE u.transfer_id = t.id)"
        "   AS files_received,"
        " (SELECT max(u.used_at) FROM evidence_links_used u WHERE u.transfer_id = t.id) AS files_received_at,"
        " (SELECT count(*) FROM evidence e WHERE e.complaint_id = t.complaint_id) AS files_sent"
        " FROM county_transfers t LEFT JOIN notices n ON n.dedupe_key = 'county-transfer:' || t.id"
        " WHERE t.complaint_id = ? ORDER BY t.id DESC", (case_id,)))
    for t in rows:
        t["outcome"] = outcome_of(t)
        t["error_words"] = delivery_words(t.get("notice_error") or "")
    return rows


def pending_transfer(db, case_id: int) -> bool:
    """A transfer asked for and neither delivered nor closed (withdrawn): at most one at a time."""
    return db.conn.execute("SELECT 1 FROM county_transfers WHERE complaint_id = ? AND remote_id IS NULL"
                           " AND closed_at IS NULL", (case_id,)).fetchone() is not None


def outcome_of(t: dict) -> dict | None:
    """The other county's outcome as it sent it back (``remote_follow``): kind and amounts, or None."""
    try:
        data = json.loads(t.get("remote_outcome") or "")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def delivery_words(error: str) -> str:
    """Why a delivery failed, in words an officer acts on (never the exception text)."""
    if not error:
        return ""
    if "KEY_REFUSED" in error:
        return "对方拒绝了本县的密钥（可能正在换发密钥）：请与对方县核对后更新密钥设置；系统会继续重试"
    if "Unreachable" in error:
        return "对方系统暂时无法连接；对方恢复后一分钟内自动送达"
    if "partners.yaml" in error:
        return "本县协作县配置（partners.yaml）有错误，修正后自动发送"
    if "HTTP 4" in error:
        import re

        found = re.search(r"HTTP 4\d\d: (.*)$", error)
        return "对方答复：" + (found.group(1)[:200] if found else "请求不符合对方要求")
    if "HTTP 5" in error:
        return "对方系统出错，稍后自动重试"
    return "发送未成功，稍后自动重试"


def resend(db, case_id: int, transfer_id: int, now: datetime) -> bool:
    """Put a dead transfer back in the queue (same idempotency key: still at most one case there)."""
    with write_transaction(db):
        cur = db.conn.execute(
            "UPDATE notices SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = ''"
            " WHERE dedupe_key = ? AND complaint_id = ? AND status = 'dead'"
            " AND EXISTS (SELECT 1 FROM county_transfers WHERE id = ? AND closed_at IS NULL)",
            (iso(now), f"county-transfer:{transfer_id}", case_id, transfer_id))
        if cur.rowcount == 1:  # a second failure is told again
            db.conn.execute("UPDATE county_transfers SET settled_kind = '' WHERE id = ?", (transfer_id,))
        return cur.rowcount == 1


def cancel(db, case_id: int, transfer_id: int, actor: str, now: datetime) -> dict:
    """撤回: a transfer that has not arrived (refused, given up, or still trying) is called back; the
    case stays this county's (it never stopped being: its status changes only on delivery). The
    worker is told this county keeps handling it, the county desk hears of it by email and SMS
    (``remote_follow.settle``). A delivered transfer cannot be withdrawn: the other county has the case.

    :raises TransitionError: no such transfer, already withdrawn, or delivered.
    """
    with write_transaction(db):
        case = _load(db, case_id)
        row = db.conn.execute(
            "SELECT t.county_name, t.remote_id, t.closed_at, t.county_code FROM county_transfers t"
            " WHERE t.id = ? AND t.complaint_id = ?", (transfer_id, case_id)).fetchone()
        if row is None or row[2] is not None:
            raise TransitionError("没有这次转送，或已撤回 no such transfer")
        if row[1]:
            raise TransitionError("已送达的转送不能撤回：此案由对方县办理")
        # The request stops here: whatever its state, it is never sent again.
        db.conn.execute("UPDATE notices SET status = 'dead', last_error = 'withdrawn by the desk'"
                        " WHERE dedupe_key = ? AND status IN ('pending', 'dead')", (f"county-transfer:{transfer_id}",))
        if case["status"] == "transferred_out":  # a case from before issue 24, closed when the transfer was asked
            db.conn.execute("UPDATE complaints SET status = ? WHERE id = ?",
                            ("acknowledged" if case["acknowledged_at"] else "new", case_id))
        db.conn.execute("UPDATE county_transfers SET closed_at = ?, remote_status = 'withdrawn' WHERE id = ?",
                        (iso(now), transfer_id))
        _event(db, case_id, now, actor, "county_transfer_withdrawn", detail=event_detail(row[3], row[0]), public=True)
    return get_case(db, case_id)


def worker_view(db, case_id: int, partners, lang: str = "zh") -> dict | None:
    """What the worker's status page says about a transfer that arrived: where, their receipt, their
    status and, once closed there, their outcome. ``None`` before delivery (the case is still ours)."""
    rows = [t for t in transfers_of(db, case_id) if t["remote_id"] and t["remote_status"] != "withdrawn"]
    if not rows:
        return None
    t = rows[0]
    county = partners.counties.get(t["county_code"])
    en = lang == "en"
    name = (county.name_en if en and county else t["county_name"])
    outcome = t["outcome"] or {}
    closed = bool(t["closed_at"])
    if closed:
        state = story.there_status("closed", lang)
    elif outcome.get("acknowledged_at") or t["remote_status"] == "acknowledged":
        state = story.there_status("acknowledged", lang)
    else:
        state = story.there_status("received", lang)
    receipt = t.get("remote_receipt") or ""
    follow_url = county.status_url if county else ""
    if follow_url and receipt:
        follow_url += ("&" if "?" in follow_url else "?") + "receipt=" + receipt
    return dict(county=name, remote_id=t["remote_id"] or "", receipt=receipt, state=state, closed=closed,
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


def returned_view(db, case_id: int, partners, lang: str = "zh") -> dict | None:
    """What the worker's status page says about a transfer the other county gave back (不属其管辖:
    ``remote_follow.settle``): who gave it back and their note, said as past, before this county's
    state now. ``None`` when the latest transfer was not given back."""
    rows = transfers_of(db, case_id)
    if not rows or rows[0]["settled_kind"] != "returned":
        return None
    t = rows[0]
    county = partners.counties.get(t["county_code"]) if partners is not None else None
    en = lang == "en"
    name = county.name_en if en and county else t["county_name"]
    note = (t["outcome"] or {}).get("text") or ""
    return dict(
        heading=f"{name} sent your case back" if en else f"{name}已退回本县",
        text=(f"{name} answered that the case is not theirs to handle. The office you first complained to stays "
              "responsible for it until someone takes it on, so this county handles your case again; you need not "
              "complain again." if en else
              f"{name}答复此案不归该县管辖。您最先投诉的单位在有人接手前一直负责（首问负责），所以本县继续办理您的投诉，"
              "您不用重新投诉。"),
        note=(f"{name}'s note: {note}" if en else f"{name}的说明：{note}") if note else "")
