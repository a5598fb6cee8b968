"""Words, not codes: every coded value the desk, its CSV and its emails show, in Chinese.

An officer reads ``班组长/包工头``, not ``team_leader``; ``任何时间``, not ``any``. A value with no
entry here is shown as it is (a new code shows up plainly instead of vanishing).
"""

from __future__ import annotations

from formsvc.case.words import CALLBACK_ZH, OWED_BY_ZH  # noqa: F401  (the case's own fields, one table)

NOTICE_KIND_ZH = {"new_case": "新案件通知", "urgent": "紧急案件通知", "escalation": "上报", "reminder": "超期提醒",
                  "transfer": "转交通知", "daily_report": "日报", "sign_in": "登录链接", "zhuanban": "专班知会",
                  "call": "吹哨通知", "dead_notice": "通知失败提醒", "lead": "包案通知",
                  "reopened": "案件重新打开提醒", "abuse_alert": "异常提交提醒", "county_transfer": "转送外县",
                  "provincial": "报送省级平台", "worker_receipt": "投诉人回执短信", "worker_acknowledged": "投诉人受理短信",
                  "worker_transferred": "投诉人转交短信", "worker_outcome": "投诉人办结短信"}
CHANNEL_ZH = {"email": "邮件", "sms": "短信", "open311": "协作接口（Open311）"}
NOTICE_STATUS_ZH = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "dead": "发送失败"}


def word(table: dict, code) -> str:
    """``table[code]``, the code itself when unknown, empty for nothing."""
    if code in (None, ""):
        return ""
    return table.get(code, str(code))
