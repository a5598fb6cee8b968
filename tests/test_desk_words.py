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
