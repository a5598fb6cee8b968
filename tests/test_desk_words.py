"""Every notice kind and channel the service queues has its words on the desk (issue 23: the
dashboard's and the case page's failed-notice lists showed ``county_transfer``)."""

from __future__ import annotations

import re
from pathlib import Path

from formsvc.duties.dead_notices import ALERT_KIND
from formsvc.notify.notices import WORKER_SMS_KINDS
from formsvc.web.desk.words import CHANNEL_ZH, NOTICE_KIND_ZH

FORMSVC = Path(__file__).resolve().parent.parent / "formsvc"


def _queued() -> tuple[set[str], set[str]]:
    """The literal kinds and channels of every outbox row the code writes."""
    kinds, channels = {ALERT_KIND, *WORKER_SMS_KINDS}, set()
    for path in FORMSVC.rglob("*.py"):
        text = path.read_text("utf-8")
        for call in re.finditer(r"enqueue\((.{0,400}?)\)", text, re.S):
            kinds.update(re.findall(r'\bkind="([a-z0-9_]+)"', call.group(1)))
            channels.update(re.findall(r'\bchannel="([a-z0-9_]+)"', call.group(1)))
        kinds.update(re.findall(r'\bNotice\("([a-z0-9_]+)"', text))
        channels.update(re.findall(r'\bNotice\("[a-z0-9_]+", "([a-z0-9_]+)"', text))
    return kinds, channels


def test_every_queued_notice_kind_and_channel_has_desk_words():
    kinds, channels = _queued()
    assert {"new_case", "county_transfer", "transfer"} <= kinds and {"email", "sms", "open311"} <= channels
    assert sorted(kinds - set(NOTICE_KIND_ZH)) == []
    assert sorted(channels - set(CHANNEL_ZH)) == []


def test_dashboard_says_why_a_notice_failed_in_words(desk):
    from formsvc.notify import outbox
    from formsvc.storage import store
    from tests.desk_fixtures import COUNTY

    raw = {"open311": "attempt 8: TemporaryFailure: http://127.0.0.1:8100/open311/v2/requests.json: ConnectionError: "
                      "HTTPConnectionPool(host='127.0.0.1', port=8100)",
           "email": "attempt 1: PermanentFailure: the setting PARTNER_KEY_BAISHUI (our key for 白水县) is empty"}
    with store.write_transaction(desk.db):
        for channel, error in raw.items():
            outbox.enqueue(desk.db, kind="county_transfer" if channel == "open311" else "new_case", channel=channel,
                           recipient="county:baishui" if channel == "open311" else "x@example.org", subject="s",
                           body="{}")
            desk.db.conn.execute("UPDATE notices SET status = 'dead', last_error = ? WHERE channel = ?",
                                 (error, channel))
    page = desk.client(COUNTY).get("/desk/dashboard").get_data(as_text=True)
    assert "连不上" in page and "设置缺少" in page and "转送外县" in page and "协作接口" in page
    for token in ("Failure", "ConnectionError", "HTTPConnectionPool", "PARTNER_KEY_BAISHUI", "county_transfer"):
        assert token not in page
