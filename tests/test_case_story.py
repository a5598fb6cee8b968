"""One case, one story (issue 23, deliver 3): every event kind of ``formsvc.case.story.KINDS`` is
driven through a real case, and every surface is rendered and read as a person would read it:
the worker's status page (zh, en), the worker's SMS, the desk's case page and timeline, the
officers' emails and the daily report, the CSV row, the arbitration application's PDF text
(pdftotext), the dashboard and the ranking.

Asserted on each: no raw identifier (a snake_case code, ``None``, an exception's name, a UTC
``T..Z`` time) and no exception text; no stored time shown in UTC (every time in ``TIMEZONE``);
the same money everywhere (12,000 claimed, 8,000 paid, 4,000 left); no two statements that
contradict (已办结 beside 正在处理, 已转交 before delivery, a receiver named as in charge before it
took the case); the worker sees each public step in words and never an internal one.

The test is parametric over the story table: a new kind without words fails here, and so does a
kind written by code that the table does not have (``test_every_kind_written_by_code_is_in_the_table``).
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from wagesafe.localtime import format_local
from wagesafe.registry.partners import load_partners

from formsvc.case import answers, cases, county_transfer, hard_cases, outcomes, story
from formsvc.duties import daily_report, remote_follow, worker_sms
from formsvc.storage import store
from formsvc.web.desk import ranking
from tests.desk_fixtures import COUNTY, HOUSING
from tests.test_intake import GOOD, tokens

ROOT = Path(__file__).resolve().parent.parent
MOBILE = "13812345678"
OFFICER = "hexi.officer@qinghe.example.gov.cn"
NOTE = "老板先付了8000元，余款答应月底前付清"
RAW = [(re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"), "a snake_case code"),
       (re.compile(r"\bNone\b"), "None"),
       (re.compile(r"\b[A-Za-z]*(?:Error|Exception|Failure)\b|Traceback"), "an exception's name"),
       (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?(?:\.\d+)?(?:Z|\+00:00)"), "a UTC time")]
MONEY_KINDS = ("resolved", "worker_answer", "reopened", "resolve_note")


def text_of(html: str) -> str:
    html = re.sub(r"<(script|style)[\s\S]*?</\1>", "", html)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&"))


class Walk:
    """One case filed through the web form, then moved by the desk's own functions."""

    def __init__(self, desk):
        self.desk, self.db, self.reg, self.config = desk, desk.db, desk.registry, desk.config
        c = desk.app.test_client()
        page = c.get("/r/qh012").data
        r = c.post("/r/qh012", data={**tokens(page), **GOOD, "mobile": MOBILE, "sms_updates": "y"},
                   content_type="multipart/form-data")
        assert r.status_code == 303, r.data.decode()[:500]
        self.receipt = r.headers["Location"].rsplit("/", 1)[-1]
        self.id = self.db.execute("SELECT id FROM complaints WHERE receipt = ?", [self.receipt]).fetchone()[0]
        created = self.db.execute("SELECT created_at FROM complaints WHERE id = ?", [self.id]).fetchone()[0]
        self.t = datetime.fromisoformat(created)

        self.partners = load_partners(self.config.data_dir)

    def tick(self, minutes: int = 7):
        self.t += timedelta(minutes=minutes)
        return self.t

    def event(self, kind: str, detail: str = "", public: bool | None = None) -> None:
        public = story.kind(kind).public if public is None else public
        with store.write_transaction(self.db):
            self.db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public) VALUES"
                                 " (?, ?, 'system', ?, ?, ?)", (self.id, store.iso(self.tick()), kind, detail,
                                                                int(public)))

    # the desk's own steps
    def ack(self):
        cases.acknowledge(self.db, self.id, OFFICER, self.tick())

    def outcome(self, kind="partly_paid", note="", **fields):
        fields = fields or ({"amount": "8000", "left": "4000"} if kind == "partly_paid" else {})
        o = outcomes.check(kind, text=NOTE, claimed_yuan=12000, **fields)
        cases.record_outcome(self.db, self.id, OFFICER, o, self.tick(), note=note)

    def answer(self, paid, rating):
        answers.record_answer(self.db, self.reg, self.config, self.id, paid, rating, "", self.tick())

    def send_to_baishui(self) -> int:
        county_transfer.start(self.db, self.partners, self.config, self.id, OFFICER, "baishui", "在白水县干的活",
                              "白水县石塘镇工业园", self.tick())
        return self.db.execute("SELECT MAX(id) FROM county_transfers WHERE complaint_id = ?", [self.id]).fetchone()[0]

    def delivered(self) -> int:
        tid = self.send_to_baishui()
        with store.write_transaction(self.db):
            self.db.conn.execute("UPDATE county_transfers SET remote_id = '77', remote_receipt = 'BSX7-K2QM',"
                                 " delivered_at = ?, remote_status = 'open' WHERE id = ?", (store.iso(self.tick()), tid))
            self.db.conn.execute("UPDATE notices SET status = 'sent' WHERE dedupe_key = ?", (f"county-transfer:{tid}",))
        remote_follow.settle(self.db, self.reg, self.config, self.tick())
        return tid

    def dead(self, error: str) -> int:
        tid = self.send_to_baishui()
        with store.write_transaction(self.db):
            self.db.conn.execute("UPDATE notices SET status = 'dead', last_error = ? WHERE dedupe_key = ?",
                                 (error, f"county-transfer:{tid}"))
        remote_follow.settle(self.db, self.reg, self.config, self.tick())
        return tid

    def there(self, event_kind: str, **more) -> None:
        self.event(event_kind, county_transfer.event_detail("baishui", "白水县", **more))


def _partly_paid_then(walk, paid, rating):
    walk.ack()
    walk.outcome()
    walk.answer(paid, rating)


def _resolved_there(w):
    tid = w.delivered()
    w.there("county_transfer_acknowledged")
    outcome = {"kind": "partly_paid", "recovered_yuan": 8000, "left_yuan": 4000, "acknowledged_at": store.iso(w.t)}
    with store.write_transaction(w.db):
        w.db.conn.execute("UPDATE county_transfers SET closed_at = ?, remote_status = 'closed', remote_outcome = ?"
                          " WHERE id = ?", (store.iso(w.tick()), json.dumps(outcome), tid))
    w.there("county_transfer_resolved", kind="partly_paid", recovered_yuan=8000, left_yuan=4000)


RETURN_NOTE = "欠薪发生地在青禾县河西街道，应由青禾县办理"


def _given_back(w):
    """白水县 took the case on, then closed it as not its own (不属本县管辖): it comes back here."""
    tid = w.delivered()
    w.there("county_transfer_acknowledged")
    outcome = {"kind": "not_this_county", "text": RETURN_NOTE, "acknowledged_at": store.iso(w.t)}
    with store.write_transaction(w.db):
        w.db.conn.execute("UPDATE county_transfers SET closed_at = ?, remote_status = 'closed', remote_outcome = ?"
                          " WHERE id = ?", (store.iso(w.tick()), json.dumps(outcome, ensure_ascii=False), tid))
    assert remote_follow.settle(w.db, w.reg, w.config, w.tick()) == [
        f"transfer {tid} (case {w.id}): 白水县 gave it back, desk told"]


# How each kind comes about. A kind without an entry is written as it is on an acknowledged case (the
# test still runs it through every surface): a new row in story.KINDS is covered the day it is added.
SETUP = {
    "submitted": lambda w: None,
    "routed": lambda w: None,
    "acknowledged": lambda w: w.ack(),
    "in_progress": lambda w: (w.ack(), cases.start_work(w.db, w.id, OFFICER, w.tick())),
    "transferred": lambda w: (w.ack(), cases.transfer(w.db, w.reg, w.config, w.id, OFFICER, "township", "hengtang",
                                                      "工地实际在横塘镇", w.tick())),
    "resolved": lambda w: (w.ack(), w.outcome()),
    "closed_unfounded": lambda w: (w.ack(), w.outcome("not_substantiated")),
    "close_reason": lambda w: (w.ack(), cases.close_unfounded(w.db, w.id, OFFICER, "投诉人撤回", w.tick())),
    "resolve_note": lambda w: (w.ack(), w.outcome(note="内部：老板答应月底付清")),
    "note": lambda w: cases.add_note(w.db, w.id, 1, OFFICER, "电话没打通", w.tick()),
    "worker_answer": lambda w: _partly_paid_then(w, "partly", "partly"),
    "reopened": lambda w: _partly_paid_then(w, "partly", "not_satisfied"),
    "called": lambda w: (w.ack(), hard_cases.call_departments(w.db, w.reg, w.config, w.id, OFFICER, ["housing"],
                                                             "请住建局核实总包", w.tick())),
    "reported": lambda w: (SETUP["called"](w), hard_cases.report(w.db, w.id, "housing", HOUSING, w.tick(), "已派人")),
    "lead_named": lambda w: hard_cases.name_lead(w.db, w.config, w.id, COUNTY, "王副局长", "", w.tick()),
    "raised": lambda w: hard_cases.raise_to_county(w.db, w.reg, w.id, COUNTY, "涉及人数多", w.tick()),
    "escalated": lambda w: w.event("escalated", "河西街道 超过 24 小时未确认受理"),
    # a case 白水县 sent here (complaints.submit writes it for source 'partner', with the county's name)
    "county_transfer_received": lambda w: (w.event("county_transfer_received",
                                                   county_transfer.event_detail("baishui", "白水县")), w.ack()),
    "county_transfer_requested": lambda w: (w.ack(), w.send_to_baishui()),
    "county_transfer_delivered": lambda w: (w.ack(), w.delivered()),
    "county_transfer_refused": lambda w: (w.ack(), w.dead("attempt 1: PermanentFailure: http://b/requests.json: "
                                                          "HTTP 400: 地址不在本县")),
    "county_transfer_dead": lambda w: (w.ack(), w.dead("attempt 8: TemporaryFailure: http://b: ConnectionError: "
                                                       "HTTPConnectionPool(host='b', port=80)")),
    "county_transfer_withdrawn": lambda w: (w.ack(), county_transfer.cancel(
        w.db, w.id, w.dead("attempt 8: TemporaryFailure: ConnectionError"), OFFICER, w.tick())),
    "county_transfer_acknowledged": lambda w: (w.ack(), w.delivered(), w.there("county_transfer_acknowledged")),
    "county_transfer_resolved": lambda w: (w.ack(), _resolved_there(w)),
    "county_transfer_returned": lambda w: (w.ack(), _given_back(w)),
    "transferred_out": lambda w: (w.ack(), w.event("transferred_out", "转送 白水县")),
    "remote_delivered": lambda w: (w.ack(), w.event("remote_delivered", "对方编号 77")),
    "remote_status": lambda w: (w.ack(), w.event("remote_status", "白水县（石塘镇）：已受理")),
    "remote_closed": lambda w: (w.ack(), w.event("remote_closed", "白水县")),
    "transfer_out_withdrawn": lambda w: (w.ack(), w.event("transfer_out_withdrawn", "转送 白水县 未送达，已撤回")),
}


def _surfaces(desk, w) -> dict[str, str]:
    """Every surface of the case, as the text a person reads."""
    db, cid = desk.db, w.id
    worker_sms.queue_due(db, desk.registry, desk.config, w.tick())
    out = {}
    for lang in ("zh", "en"):
        c = desk.app.test_client()
        q = "?lang=en" if lang == "en" else ""
        r = c.post("/status" + q, data={**tokens(c.get("/status" + q).data), "receipt": w.receipt, "mobile": MOBILE})
        assert r.status_code == 200, r.data.decode()[:300]
        out[f"status_{lang}"] = text_of(r.get_data(as_text=True))
    out["sms"] = " | ".join(n["body"] for n in db.query(
        "SELECT body FROM notices WHERE complaint_id = ? AND channel = 'sms' AND recipient = ?", [cid, MOBILE]))
    county = desk.client(COUNTY)
    page = county.get(f"/desk/cases/{cid}")
    assert page.status_code == 200
    out["desk"] = text_of(page.get_data(as_text=True))
    day = format_local(w.t, desk.config.timezone, "%Y-%m-%d")
    report = daily_report.build(db, desk.registry, desk.config, date.fromisoformat(day))
    subject, body = daily_report.render(report, desk.registry, zone_name=desk.config.timezone)
    mails = [f"{n['subject']}\n{n['body']}" for n in db.query(
        "SELECT subject, body FROM notices WHERE complaint_id = ? AND channel = 'email'", [cid])]
    out["email"] = "\n".join([subject, body, *mails])
    rows = list(csv.reader(io.StringIO(county.get("/desk/export.csv").get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    row = next(r for r in rows[1:] if r[0] == str(cid))
    out["csv"] = " | ".join(row)
    out["_csv"] = dict(zip(header, row))
    out["application"], out["_amount"] = _application_text(desk, w)
    out["dashboard"] = text_of(county.get("/desk/dashboard").get_data(as_text=True))
    rank = ranking.compute(db, desk.registry, desk.config, date.fromisoformat(day) - timedelta(days=3),
                           date.fromisoformat(day), w.tick())
    out["_ranking"] = {r.code: r for r in rank}
    return out


def _application_text(desk, w) -> tuple[str, str]:
    """The arbitration application prefilled from the case, printed, read back with pdftotext."""
    c = desk.app.test_client()
    page = c.get(f"/tools/application?receipt={w.receipt}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = c.post("/tools/application", data={"csrf_token": token, "action": "prefill", "receipt": w.receipt,
                                            "prefill_mobile": MOBILE})
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html[:300]
    values = {m.group(1): m.group(2) for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)}
    values.update({m.group(1): m.group(2) for m in re.finditer(
        r'<textarea[^>]*name="([^"]+)"[^>]*>([\s\S]*?)</textarea>', html)})
    values = {k: v.replace("&#34;", '"').replace("&amp;", "&") for k, v in values.items() if k != "action"}
    amount = values.get("amount1", "")
    fill = {"sex": "男", "age": "40", "occupation": "木工", "address": "青禾县河西街道和平路1号", "start_date": "2026-01-05",
            "pay_amount": "6000", "pay_unit": "month", "leave_manner": "working", "r1_address": "青禾县人民路1号"}
    data = {**fill, **{k: v for k, v in values.items() if v}, "csrf_token": token}
    data.setdefault("r1_name", "青禾安达劳务有限公司")
    pdf = c.post("/tools/application", data=data)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF"), text_of(pdf.get_data(as_text=True))[:800]
    path = Path(desk.config.var_dir) / f"application-{w.id}.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", text), amount


def _stored_times(db, cid) -> set[str]:
    """Every time stored for the case, as it would read if shown in UTC (never allowed)."""
    found = set()
    for (at,) in db.execute("SELECT at FROM case_events WHERE complaint_id = ?", [cid]).fetchall():
        found.add(at)
    row = db.execute("SELECT created_at, acknowledged_at, resolved_at FROM complaints WHERE id = ?", [cid]).fetchone()
    found |= {v for v in row if v}
    return {v[:16].replace("T", " ") for v in found}


@pytest.mark.parametrize("kind", list(story.KINDS))
def test_every_kind_tells_one_story_on_every_surface(desk, kind):
    w = Walk(desk)
    SETUP.get(kind, lambda w: (w.ack(), w.event(kind, "（内部记录）")))(w)
    kinds_now = [r[0] for r in desk.db.execute("SELECT kind FROM case_events WHERE complaint_id = ?", [w.id])]
    assert kind in kinds_now, f"the walk never wrote {kind}"
    s = _surfaces(desk, w)
    utc_times = _stored_times(desk.db, w.id)
    for name, text in s.items():
        if name.startswith("_"):
            continue
        for pattern, what in RAW:
            hit = pattern.search(text)
            assert hit is None, f"{kind}: {name} shows {what}: …{text[max(hit.start() - 80, 0):hit.end() + 80]}…"
        for t in utc_times:
            assert t not in text, f"{kind}: {name} shows the stored UTC time {t}"

    k = story.kind(kind)
    zh, en, desk_text = s["status_zh"], s["status_en"], s["desk"]
    events = [dict(e) for e in desk.db.query("SELECT * FROM case_events WHERE complaint_id = ? ORDER BY at, seq",
                                             [w.id])]
    places = story.Places(desk.registry, w.partners)
    # the desk's timeline names the kind in the officer's words; the worker sees a public kind in words
    said = k.officer_zh
    if "{place}" in said:  # words naming the unit of the event (由白水县转来)
        said = story.officer_line(next(e for e in events if e["kind"] == kind), places)
    assert said in desk_text, f"{kind}: the desk's timeline does not say {said}"
    history_zh = zh.split("办理记录", 1)[1]
    if k.public and any(e["kind"] == kind and e["public"] for e in events):
        e = next(e for e in events if e["kind"] == kind and e["public"])
        for lang, page in (("zh", history_zh), ("en", en)):
            line = story.worker_line(story.with_places([e], story.timeline(desk.db, w.id)[1])[0], lang, places)
            assert line in page, f"{kind}: the worker's page ({lang}) does not say {line!r}"
    internal = {story.kind(e["kind"]).officer_zh for e in events if not e["public"]}
    for words in internal:
        assert words not in zh, f"{kind}: the worker's page shows the internal step {words}"
    # each public step with an SMS in the table texted the worker once (and nothing else did)
    expected = ["worker_receipt"] + [story.kind(e["kind"]).sms for e in events
                                     if e["public"] and e["id"] and story.kind(e["kind"]).sms]
    sent = [n["kind"] for n in desk.db.query("SELECT kind FROM notices WHERE complaint_id = ? AND channel = 'sms'"
                                             " AND recipient = ? ORDER BY id", [w.id, MOBILE])]
    assert sorted(sent) == sorted(expected), f"{kind}: worker SMS {sent}, the story says {expected}"
    for body in s["sms"].split(" | "):
        assert GOOD["name"] not in body and not re.search(r"\d[\d,]*\s*(元|yuan)", body), body

    _no_contradictions(kind, zh, en, desk, w, events)
    _same_money(kind, s, w)
    if kind == "county_transfer_returned":  # told as past, then this county's state, on every surface
        now_part = zh.split("办理记录", 1)[0]
        assert "白水县已退回本县" in now_part and RETURN_NOTE in now_part and "河西街道已接手，正在处理" in now_part
        assert now_part.index("白水县已退回本县") < now_part.index("河西街道已接手，正在处理")
        assert "白水县已办结" not in zh and "对方已办结" not in zh and "closed your case" not in en
        assert "Baishui County sent your case back" in en
        assert "白水县退回了此案" in s["desk"] and RETURN_NOTE in s["desk"] and "已转送外县" not in s["csv"]
        assert "河西街道（白水县退回本县）" in s["sms"].split(" | ")[-1]
        alerts = [n["channel"] for n in desk.db.query(
            "SELECT channel FROM notices WHERE complaint_id = ? AND dedupe_key LIKE '%:returned:%'", [w.id])]
        assert sorted(alerts) == ["email", "sms"], alerts


def _no_contradictions(kind, zh, en, desk, w, events):
    now_part = zh.split("办理记录", 1)[0]  # the state now: status, in charge, outcome, next steps
    case = cases.get_case(desk.db, w.id)
    done = case["status"] in ("resolved", "closed_unfounded") or any(
        e["kind"] == "county_transfer_resolved" for e in events)
    if done:
        for busy in ("正在处理", "正在核实", "等待"):
            assert busy not in now_part, f"{kind}: 已办结 beside {busy}: {now_part[:600]}"
    else:
        assert "已办结" not in now_part.split("接下来怎么办")[0], f"{kind}: an open case reads 已办结"
    delivered = any(e["kind"] in ("county_transfer_delivered",) for e in events)
    if not delivered:
        for told in ("已转交白水县", "已转送白水县", "Passed to Baishui", "Sent to Baishui"):
            assert told not in zh + en, f"{kind}: {told} before delivery"
    # one verb per meaning: another county is 转送 (a township or department of this county 转交)
    sms = " ".join(n["body"] for n in desk.db.query("SELECT body FROM notices WHERE complaint_id = ? AND channel = 'sms'",
                                                      [w.id]))
    assert "转交白水县" not in zh + " " + sms, f"{kind}: 转交 used for another county"
    if case["status"] == "transferred":
        assert "负责单位: 横塘镇" not in zh and "已转交横塘镇，等待其接手" in zh, f"{kind}: receiver named before it took it"
        assert "横塘镇的农民工服务专员会接手" in now_part, f"{kind}: the next step names another than the receiver"
    assert "主管部门" not in zh or case["assignee_kind"] == "department"


def _same_money(kind, s, w):
    csv_row = s["_csv"]
    if kind in MONEY_KINDS:
        for page, words in ((s["status_zh"], ("已支付：8,000 元", "尚欠：4,000 元", NOTE)),
                            (s["status_en"], ("Paid: 8,000 yuan", "Still owed: 4,000 yuan")),
                            (s["desk"], ("已追回 8,000 元", "尚欠 4,000 元"))):
            for said in words:
                assert said in page, f"{kind}: {said!r} missing"
        assert csv_row["追回金额(元) recovered"] == "8000" and csv_row["尚欠金额(元) left"] == "4000", csv_row
        assert s["_amount"] == "4000", f"{kind}: the application claims {s['_amount']}"
        assert "4000" in s["application"].replace(",", "")
        assert re.search(r"河西街道 \d+ \d+ \d+ \d+ \d+ 8,000", s["dashboard"]), s["dashboard"][-900:]
        assert s["_ranking"]["hexi"].recovered_yuan == 8000
    elif kind == "county_transfer_resolved":  # the other county's money reaches the worker, not our statistics
        assert "已支付：8,000 元" in s["status_zh"] and "尚欠：4,000 元" in s["status_zh"]
        assert s["_amount"] == "4000" and csv_row["尚欠金额(元) left"] == "4000"
        assert s["_ranking"]["hexi"].recovered_yuan == 0
    else:
        assert s["_amount"] == "12000", f"{kind}: nothing was paid, the application claims {s['_amount']}"
        assert "8,000" not in s["status_zh"] and s["_ranking"]["hexi"].recovered_yuan == 0


def test_every_kind_written_by_code_is_in_the_table():
    """A kind the code writes must have its row in story.KINDS (else it would be shown as a fallback)."""
    written = set()
    for path in (ROOT / "formsvc").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")).endswith("_event"):
                for arg in node.args[2:5]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) \
                            and re.fullmatch(r"[a-z]+(_[a-z]+)*", arg.value) and arg.value not in ("system", "worker"):
                        written.add(arg.value)
                for kw in node.keywords:
                    if kw.arg == "kind" and isinstance(kw.value, ast.Constant):
                        written.add(kw.value.value)
        for sql in re.findall(r"INSERT INTO events[^\"]*\"\s*\"[^\"]*VALUES \(([^)]*)\)", source):
            written |= {k for k in re.findall(r"'([a-z]+(?:_[a-z]+)+|[a-z]+)'", sql) if k not in ("system", "worker")}
    written.discard("kind")
    missing = sorted(k for k in written if k not in story.KINDS)
    assert not missing, f"event kinds written by code without words in formsvc.case.story.KINDS: {missing}"
    assert {"acknowledged", "transferred", "reopened", "escalated", "stand_in_assigned"} <= written, written


@pytest.mark.parametrize("code", list(story.KINDS))
def test_every_row_has_words_for_every_reader(code):
    k = story.KINDS[code]
    assert k.officer_zh and k.officer_en and "_" not in k.officer_zh + k.officer_en
    assert (k.worker_zh is None) == (k.worker_en is None)
    if k.public:
        assert not re.search(r"[A-Za-z]", k.worker_zh.replace("{place}", "").replace("{outcome}", ""))
    from formsvc.notify import notices

    assert k.sms is None or k.sms in notices.WORKER_SMS_KINDS
