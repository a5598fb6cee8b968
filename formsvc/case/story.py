"""A case's story, told once: every timeline event kind and every status, in the words of each reader.

Before this module the worker's status page, the worker's SMS, the desk's timeline, the CSV, the
Open311 status notes and the officers' emails each kept their own table of what a state or an event
"means", and they drifted: a transfer to 横塘镇 read "转交给主管部门" to the worker, the desk showed
``remote_delivered``. Now a surface asks here:

- ``KINDS``: event kind → the worker's words (zh, en; ``None`` when the worker never sees it), the
  officer's words (zh, en), and the worker's SMS kind it causes (``formsvc.notify.notices``
  composes the SMS; ``formsvc.duties.worker_sms`` queues it once per event).
- ``worker_line`` / ``officer_line``: one timeline row in words. The stored ``detail`` is never shown
  to the worker; officers see it where it is words (a reason typed, a unit's name) and a structured
  detail (JSON) is turned into words here.
- ``worker_status`` / ``officer_status``: the case's state now; ``holder``: who has actually taken the
  case (a township a case was transferred to is named only as "waiting for it to take the case"
  until it acknowledges).

A new event kind is one row in ``KINDS``: ``tests/test_case_story.py`` walks every row through every
surface and fails on a kind without words.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from . import outcomes


@dataclass(frozen=True)
class Kind:
    """One event kind: its words for each reader and what it tells the worker."""

    code: str
    officer_zh: str
    officer_en: str
    worker_zh: str | None = None   # None: never shown to the worker (internal)
    worker_en: str | None = None
    sms: str | None = None         # the worker's SMS kind (notices.WORKER_SMS_KINDS), if the worker is texted
    show_detail: bool = True       # officers see the stored detail after the words

    @property
    def public(self) -> bool:
        return self.worker_zh is not None


def _k(code, officer_zh, officer_en, worker_zh=None, worker_en=None, sms=None, show_detail=True) -> Kind:
    return Kind(code, officer_zh, officer_en, worker_zh, worker_en, sms, show_detail)


# {place}: the unit named by the event (a township, a department, another county) in the reader's
# language; {outcome}: the outcome's label. Worker words are whole sentences a worker understands.
# One verb per meaning on every surface: 转交 to a township or a department of this county, 转送 to
# another county (the status page, the SMS, the desk and the emails say the same).
KINDS: dict[str, Kind] = {k.code: k for k in (
    _k("submitted", "工人提交投诉", "Complaint submitted", "您提交了投诉", "You sent your complaint"),
    _k("routed", "系统分派", "Routed", "投诉已交给{place}", "Your complaint was passed to {place}"),
    _k("acknowledged", "已确认受理", "Acknowledged", "{place}已接手您的投诉", "{place} took on your case",
       sms="worker_acknowledged", show_detail=False),
    _k("contacted", "已联系投诉人", "Worker contacted", "工作人员已联系您", "An officer contacted you"),
    _k("transferred", "转交", "Transferred", "投诉已转交{place}，等待其接手",
       "Your case was passed to {place}; waiting for them to take it on", sms="worker_transferred"),
    _k("escalated", "上报县监察大队", "Escalated to the county", "投诉已报告县劳动保障监察大队督办",
       "The county labour inspectors are now following your case"),
    _k("reminded", "超期提醒", "Overdue reminder"),
    _k("in_progress", "开始处理", "Work started", "{place}正在处理您的投诉", "{place} is working on your case",
       show_detail=False),
    _k("resolved", "办结", "Resolved", "办理结果：{outcome}", "Outcome: {outcome}", sms="worker_outcome"),
    _k("paid", "工资已支付", "Wages paid", "工资已支付", "The wages were paid"),
    _k("partly_paid", "工资已部分支付", "Wages partly paid", "工资已部分支付", "Part of the wages was paid"),
    _k("closed_unfounded", "核查不属实，关闭", "Closed: not substantiated", "经核查后结案：{outcome}",
       "Closed after checking: {outcome}", sms="worker_outcome"),
    _k("close_reason", "关闭原因", "Reason for closing"),
    _k("resolve_note", "办结内部说明", "Internal note on the outcome"),
    _k("note", "添加内部备注", "Internal note added", show_detail=False),
    _k("worker_answer", "投诉人回访评价", "Worker's answer"),
    _k("reopened", "投诉人反馈未解决，重新打开", "Reopened on the worker's answer", "您反馈未解决，投诉已重新办理",
       "You said it is not settled: your case was reopened"),
    _k("called", "吹哨：呼叫部门", "Departments called"),
    _k("reported", "部门报到", "Department reported"),
    _k("call_overdue", "部门超时未报到，已上报", "Called department late: escalated"),
    _k("lead_named", "指定包案领导", "Lead officer named"),
    _k("raised", "提级办理（县监察大队直接办理）", "Raised to the county",
       "县劳动保障监察大队已直接办理您的投诉", "The county labour inspectors now handle your case themselves"),
    _k("stand_in_assigned", "值班顶岗人员接手", "Stand-in assigned"),
    _k("stand_in_returned", "顶岗结束，交回原负责人", "Stand-in ended"),
    _k("partner_update", "协作系统更新", "Update from the partner system"),
    # to another county (issue 24: formsvc.case.county_transfer emits these; {place} is that county)
    # a case another county sent here (complaints.submit, source 'partner'): the desk's timeline starts with
    # this instead of "工人提交投诉" (``officer_timeline``); {place} is the sending county
    _k("county_transfer_received", "由{place}转来", "Sent here by {place}", "{place}把您的投诉转送到这里办理（欠薪发生地）",
       "{place} sent your complaint here, where the wages are owed", show_detail=False),
    _k("county_transfer_requested", "申请转送外县", "Transfer to another county requested"),
    _k("county_transfer_delivered", "已送达外县", "Delivered to the other county",
       "投诉已转送{place}办理（欠薪发生地）", "Your case was sent to {place}, where the wages are owed",
       sms="worker_sent_to_county"),
    _k("county_transfer_refused", "外县拒收", "Refused by the other county",
       "{place}未接收这件投诉，仍由本县处理", "{place} did not accept your case; this county keeps handling it"),
    _k("county_transfer_dead", "转送外县未能送达", "Transfer to the other county failed",
       "转送{place}未能送达，仍由本县处理", "Your case could not reach {place}; this county keeps handling it"),
    _k("county_transfer_withdrawn", "转送外县已撤回", "Transfer to the other county withdrawn",
       "转送{place}未成功，仍由本县处理", "The transfer to {place} did not go through; this county handles your case"),
    # (no SMS: only a transfer that never arrived can be withdrawn, and the worker is texted only on delivery)
    _k("county_transfer_acknowledged", "外县已受理", "Taken on by the other county",
       "{place}已接手您的投诉", "{place} took on your case"),
    _k("county_transfer_resolved", "外县已办结", "Resolved by the other county",
       "{place}已办结：{outcome}", "{place} closed your case: {outcome}", sms="worker_outcome_elsewhere"),
    # the other county closed it as not its own (outcomes.NOT_OURS): back here, 首问负责 (remote_follow.settle);
    # the worker was texted "已转送" on delivery, so is texted again that this county handles it now
    _k("county_transfer_returned", "外县退回（不属其管辖），本县继续办理", "Given back by the other county (not theirs): ours again",
       "{place}答复不归该县管辖，已退回本县；本县继续办理您的投诉，您不用重新投诉",
       "{place} answered that your case is not theirs and sent it back; this county handles it again, "
       "you need not complain again", sms="worker_transferred"),
    # the same, as older databases stored it (issue 18)
    # (written when the desk asked, before the other county had it: said as "being sent")
    _k("transferred_out", "转送外县", "Sent to another county", "投诉正在转送{place}（欠薪发生地）",
       "Your case is being sent to {place}, where the wages are owed"),
    _k("remote_delivered", "已送达外县", "Delivered to the other county"),
    _k("remote_status", "外县办理进展", "Progress in the other county"),
    _k("remote_closed", "外县已办结", "Closed by the other county", "{place}已办结您的投诉", "{place} closed your case"),
    _k("transfer_out_withdrawn", "转送外县未送达，已撤回", "Transfer to another county withdrawn",
       "转送{place}未成功，仍由本县处理", "The transfer to {place} did not go through; this county handles your case"),
)}

UNKNOWN = Kind("", "其他记录", "Other entry", "投诉有新的进展", "There is news on your case")

# The case's status, as the desk reads it (a tag, a filter, a CSV cell).
OFFICER_STATUS: dict[str, str] = {
    "new": "新案件", "acknowledged": "已受理", "in_progress": "处理中", "resolved": "已办结",
    "transferred": "已转交，待接收", "closed_unfounded": "不属实已关闭", "transferred_out": "已转送外县",
}
OFFICER_STATUS_EN: dict[str, str] = {
    "new": "New", "acknowledged": "Acknowledged", "in_progress": "In progress", "resolved": "Resolved",
    "transferred": "Transferred, waiting", "closed_unfounded": "Closed: not substantiated",
    "transferred_out": "Sent to another county",
}

# The case's status as the worker reads it; {place} is ``holder``'s unit (or the receiver while waiting).
_WORKER_STATUS: dict[str, tuple[str, str]] = {
    "new": ("已收到，等待{place}接手", "Received; waiting for {place} to take it on"),
    "acknowledged": ("{place}已接手，正在处理", "{place} has taken your case and is working on it"),
    "in_progress": ("{place}正在处理", "{place} is working on your case"),
    "transferred": ("已转交{place}，等待其接手", "Passed to {place}; waiting for them to take it on"),
    "transferred_department": ("已转交主管部门{place}，等待其接手",
                               "Passed to the department in charge, {place}; waiting for them to take it on"),
    "resolved": ("已办结", "Resolved"),
    "closed_unfounded": ("经核查后已结案", "Closed after checking"),
    "transferred_out": ("已转送{place}（欠薪发生地）处理", "Sent to {place}, where the wages are owed"),
    "transferred_out_closed": ("{place}已办结", "{place} has closed your case"),
}


# The case's state in the county it was sent to (the worker's 对方办理情况 line), from what that
# county last answered: received, taken on by an officer, or closed.
_THERE_STATUS: dict[str, tuple[str, str]] = {
    "received": ("对方已收到，等待接手", "received there, waiting for an officer"),
    "acknowledged": ("对方已受理，正在办理", "an officer there has taken your case"),
    "closed": ("对方已办结", "closed there"),
}


def there_status(state: str, lang: str = "zh") -> str:
    """The worker's words for a delivered case's state in the other county (``received``,
    ``acknowledged`` or ``closed``)."""
    zh, en = _THERE_STATUS[state]
    return en if lang == "en" else zh


# The same without naming a unit (the public Open311 status notes, the provincial platform).
_GENERIC_STATUS: dict[str, tuple[str, str]] = {
    "new": ("已收到，等待工作人员接手", "Received; waiting for an officer to take it"),
    "acknowledged": ("工作人员已接手，正在处理", "An officer has taken the case and is working on it"),
    "in_progress": ("正在处理", "Being handled"),
    "transferred": ("已转交，等待接收单位接手", "Passed on; waiting for the receiver to take it on"),
    "resolved": ("已办结", "Resolved"),
    "closed_unfounded": ("经核查后已结案", "Closed after checking"),
    "transferred_out": ("已转送外县（欠薪发生地）处理", "Sent to the county where the wages are owed"),
}


def kind(code: str) -> Kind:
    """The row for ``code``; an unknown kind gets plain fallback words, never its code."""
    return KINDS.get(code or "", UNKNOWN)


def officer_status(status: str, lang: str = "zh") -> str:
    table = OFFICER_STATUS_EN if lang == "en" else OFFICER_STATUS
    return table.get(status or "", "处理中" if lang != "en" else "Being handled")


# --- places: the units an event or a status names, in the reader's language -------------------

@dataclass(frozen=True)
class Place:
    kind: str  # township | department | county | other_county
    zh: str
    en: str

    def name(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh


class Places:
    """Every unit a story may name, found by code or by its Chinese name (what older events stored)."""

    def __init__(self, registry=None, partners=None):
        self.by_code: dict[tuple[str, str], Place] = {}
        self.by_zh: dict[str, Place] = {}
        if registry is not None:
            for code, t in registry.townships.items():
                self._add("township", code, t.name_zh, t.name_en)
            for code, d in registry.departments.items():
                self._add("department", code, d.name_zh, d.name_en)
            desk = registry.county.desk
            self._add("county", "", desk.name_zh, desk.name_en)
        if partners is not None:
            for code, c in partners.counties.items():
                self._add("other_county", code, c.name_zh, c.name_en)

    def _add(self, kind: str, code: str, zh: str, en: str) -> None:
        p = Place(kind, zh, en or zh)
        self.by_code[(kind, code)] = p
        self.by_zh.setdefault(zh, p)

    def unit(self, kind: str, code: str) -> Place:
        if kind not in ("township", "department", "other_county"):
            kind, code = "county", ""
        return self.by_code.get((kind, code or "")) or self.by_code.get(("county", "")) or Place("county", "县劳动保障监察大队",
                                                                                            "County labour inspectors")

    def named(self, zh: str) -> Place | None:
        return self.by_zh.get((zh or "").strip())


def detail_data(event: Mapping) -> dict:
    """A structured detail (JSON object, as the county-transfer events store it), else ``{}``."""
    text = (event.get("detail") or "").strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return {}


def event_place(event: Mapping, places: Places) -> Place | None:
    """The unit an event names: a JSON detail's county, a transfer's receiver, an older event's county."""
    data = detail_data(event)
    code = event.get("kind") or ""
    if data:
        zh = str(data.get("county_name") or data.get("county") or "")
        p = places.by_code.get(("other_county", str(data.get("county_code") or data.get("county") or "")))
        return p or (places.named(zh) or (Place("other_county", zh, str(data.get("county_name_en") or zh)) if zh else None))
    detail = (event.get("detail") or "").strip()
    if code in ("transferred_out", "transfer_out_withdrawn"):
        detail = detail.removeprefix("转送").strip().split(" ")[0]
    if code in ("transferred", "transferred_out", "transfer_out_withdrawn", "remote_closed") and detail:
        # a name the registry no longer knows is not repeated from the stored text: plain words instead
        return places.named(detail) or (Place("other", "接收单位", "the receiving office") if code == "transferred"
                                        else Place("other_county", "对方县", "the other county"))
    if event.get("place_kind"):
        return places.unit(event["place_kind"], event.get("place_code") or "")
    return None


def outcome_of(event: Mapping, lang: str = "zh") -> str:
    """The outcome an event records, in words: its JSON ``outcome`` kind, else the label its detail starts with."""
    data = detail_data(event)
    code = str(data.get("outcome") or data.get("kind") or "")
    if not code:
        detail = event.get("detail") or ""
        code = next((c for c, o in outcomes.OUTCOMES.items() if detail.startswith(o.zh)), "")
    if not code and event.get("kind") == "closed_unfounded":
        code = "not_substantiated"
    return outcomes.label(code, lang) or ("Resolved" if lang == "en" else "已办结")


def worker_line(event: Mapping, lang: str = "zh", places: Places | None = None) -> str:
    """One public event in the worker's words (the stored detail itself is never shown)."""
    k = kind(event.get("kind") or "")
    words = (k.worker_en if lang == "en" else k.worker_zh) if k.public else None
    if words is None:
        words = UNKNOWN.worker_en if lang == "en" else UNKNOWN.worker_zh
    place = event_place(event, places or Places())
    if "{place}" in words and place is None:  # no unit known (an event written without one)
        place = Place("other", "工作人员", "an officer" if not words.startswith("{place}") else "An officer")
    if place is not None and place.kind == "department" and k.code == "transferred":
        words = "投诉已转交主管部门{place}，等待其接手" if lang != "en" else \
            "Your case was passed to the department in charge, {place}; waiting for them to take it on"
    return words.format(place=place.name(lang) if place else "", outcome=outcome_of(event, lang))


def officer_line(event: Mapping, places: Places | None = None, lang: str = "zh") -> str:
    """One timeline row in the officer's words: the kind's words, then the detail where it is words."""
    k = kind(event.get("kind") or "")
    words = k.officer_en if lang == "en" else k.officer_zh
    if "{place}" in words:
        place = event_place(event, places or Places())
        words = words.format(place=place.name(lang) if place else ("another county" if lang == "en" else "外县"))
    if not k.show_detail:
        return words
    data = detail_data(event)
    if data:
        return words + "：" + _data_words(data, event, places or Places())
    detail = " ".join((event.get("detail") or "").split())
    label = next((o.zh for o in outcomes.OUTCOMES.values() if detail.startswith(o.zh)), "")
    if label:  # an outcome's detail starts with its label: 办结（工资已部分支付）：3 人，追回 8000 元
        rest = detail[len(label):].lstrip("：")
        return f"{words}（{label}）" + (f"：{rest}" if rest else "")
    return f"{words}：{detail}" if detail else words


def _data_words(data: dict, event: Mapping, places: Places) -> str:
    """A structured detail in words: the county, the outcome and its figures, a plain reason."""
    parts = []
    place = event_place(event, places)
    if place is not None:
        parts.append(place.zh)
    if data.get("outcome") or data.get("kind"):
        parts.append(outcome_of(event))
    for key, label in (("recovered_yuan", "追回"), ("paid_yuan", "追回"), ("left_yuan", "尚欠"), ("promised_yuan", "协议")):
        value = data.get(key)
        if isinstance(value, (int, float)) and value:
            parts.append(f"{label} {int(value):,} 元")
    for key in ("remote_receipt", "receipt"):
        if data.get(key):
            parts.append(f"对方回执号 {data[key]}")
            break
    for key in ("reason_zh", "reason", "text", "notes"):
        if data.get(key):
            parts.append(str(data[key]))
            break
    return "，".join(parts) if parts else "（无说明）"


# --- the case now: status words and who holds it ------------------------------------------------

def holder(case: Mapping, places: Places) -> tuple[Place, bool]:
    """Who has actually taken the case, and whether it is still waiting to be taken.

    A case transferred inside the county stays with the responsible unit (首问负责) until the
    receiver acknowledges; a new case waits for its first receiver."""
    status = case.get("status")
    if status == "transferred":
        return places.unit(case.get("responsible_kind") or "", case.get("responsible_code") or ""), True
    if status == "new":
        return places.unit(case.get("assignee_kind") or "", case.get("assignee_code") or ""), True
    kind_ = case.get("responsible_kind") or case.get("assignee_kind") or ""
    code = case.get("responsible_code") or case.get("assignee_code") or ""
    return places.unit(kind_, code), False


def worker_status(case: Mapping, lang: str = "zh", places: Places | None = None, elsewhere: str = "",
                  closed_there: bool = False) -> str:
    """The case's state in the worker's words. ``elsewhere``: the other county's name for a case
    sent there (``transferred_out``); ``closed_there``: that county has closed it."""
    status = case.get("status") or ""
    if places is None:
        zh, en = _GENERIC_STATUS.get(status, ("处理中", "Being handled"))
        return en if lang == "en" else zh
    key = status
    if status == "transferred":
        receiver = places.unit(case.get("assignee_kind") or "", case.get("assignee_code") or "")
        key = "transferred_department" if receiver.kind == "department" else "transferred"
        place = receiver.name(lang)
    elif status == "transferred_out":
        place = elsewhere or ("另一个县" if lang != "en" else "another county")
        key = "transferred_out_closed" if closed_there else key
    else:
        place = holder(case, places)[0].name(lang)
    zh, en = _WORKER_STATUS.get(key, ("处理中", "Being handled"))
    return (en if lang == "en" else zh).format(place=place)


def officer_timeline(events: list[Mapping]) -> list[dict]:
    """The timeline the desk reads: a case another county sent here starts with "由青禾县转来"
    (``county_transfer_received``, written by ``complaints.submit``), not also "工人提交投诉" (the
    worker complained there, not to us). The worker's page keeps both: they did complain."""
    received = next((e for e in events if e.get("kind") == "county_transfer_received"), None)
    if received is None:
        return [dict(e) for e in events]
    return [dict(received if e.get("kind") == "submitted" else e) for e in events if e is not received]


def sms_kind(event_kind: str) -> str | None:
    """The worker's SMS an event of this kind causes, if any."""
    return kind(event_kind).sms


def with_places(events: list[Mapping], routing: list[Mapping]) -> list[dict]:
    """Each event with the unit that held the case at its time (``place_kind``/``place_code``: the
    latest routing decision at or before it), so "河西街道已接手" names who acknowledged, not who
    holds the case today. ``routing``: the case's ``case_routing`` rows, oldest first."""
    steps = [r for r in routing if r.get("rule") != "urgent"]
    out = []
    for e in events:
        held = None
        for r in steps:
            if r["decided_at"] <= e["at"]:
                held = r
        d = dict(e)
        if held is not None and "place_kind" not in d:
            d["place_kind"], d["place_code"] = held["target_kind"], held["target_code"]
        out.append(d)
    return out


def timeline(db, case_id: int) -> tuple[list[dict], list[dict]]:
    """A case's events (oldest first, with ``with_places``) and its routing decisions, from the views."""
    routing = list(db.query("SELECT * FROM case_routing WHERE complaint_id = ? ORDER BY decided_at, seq", [case_id]))
    events = list(db.query("SELECT * FROM case_events WHERE complaint_id = ? ORDER BY at, seq", [case_id]))
    return with_places(events, routing), routing


def acknowledgements(db, case_ids: list[int] | None = None) -> dict[int, list[tuple[str, str, float]]]:
    """Who acknowledged each case and how long it took them: case id → ``(kind, code, hours)`` per
    acknowledgement, the unit being the one that held the case then (the latest routing decision
    before it) and the hours counted from when that unit got the case. A township a case was
    transferred to is credited only with its own acknowledgement, never the first receiver's."""
    where, params = "", []
    if case_ids is not None and len(case_ids) > 500:  # many: read all once instead of a huge IN (...)
        wanted = set(case_ids)
        return {k: v for k, v in acknowledgements(db).items() if k in wanted}
    if case_ids is not None:
        if not case_ids:
            return {}
        where = f" AND complaint_id IN ({', '.join('?' * len(case_ids))})"
        params = list(case_ids)
    routing: dict[int, list[dict]] = {}
    for r in db.query(f"SELECT complaint_id, decided_at, rule, target_kind, target_code FROM case_routing"
                      f" WHERE rule != 'urgent'{where} ORDER BY decided_at, seq", params):
        routing.setdefault(r["complaint_id"], []).append(r)
    out: dict[int, list[tuple[str, str, float]]] = {}
    for e in db.query(f"SELECT complaint_id, at FROM case_events WHERE kind = 'acknowledged'{where}"
                      " ORDER BY at, seq", params):
        held = None
        for r in routing.get(e["complaint_id"], []):
            if r["decided_at"] <= e["at"]:
                held = r
        if held is None:
            continue
        hours = (datetime.fromisoformat(e["at"]) - datetime.fromisoformat(held["decided_at"])).total_seconds() / 3600
        out.setdefault(e["complaint_id"], []).append((held["target_kind"], held["target_code"], hours))
    return out
