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
                  "worker_transferred": "投诉人转交短信", "worker_outcome": "投诉人办结短信",
                  "worker_sent_to_county": "投诉人转送外县短信", "worker_outcome_elsewhere": "投诉人外县办结短信",
                  "answer_closed_there": "外县办结案件的工人反馈",
                  "stand_in_returned": "代岗结束交回通知", "county_transfer_alert": "转送外县情况提醒",
                  "signin_slowed": "登录尝试过多提醒"}
CHANNEL_ZH = {"email": "邮件", "sms": "短信", "open311": "协作接口（Open311）"}
NOTICE_STATUS_ZH = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "dead": "发送失败"}


def word(table: dict, code) -> str:
    """``table[code]``, the code itself when unknown, empty for nothing."""
    if code in (None, ""):
        return ""
    return table.get(code, str(code))


# Why a notice could not be sent (notices.last_error holds "attempt N: <Failure>: <details>", for
# the log and the operator): the desk shows which of these it was, in words an officer acts on.
_ERROR_WORDS = (
    (("no mobile number", "not an email address", "no recipient"), "没有可用的手机号或邮箱：请核对收件人后重发"),
    (("refused the recipient", "recipient refused", "550", "isv.mobile"), "收件地址被拒收：请核对邮箱或手机号后重发"),
    (("setting", "is not set", "is empty", "no aliyun template", "partners.yaml", "no sender for channel"),
     "本县系统设置缺少这一渠道的配置（账号、密钥或短信模板）：请系统管理员补上后重发"),
    (("key_refused", "http 401", "http 403"), "对方拒绝了本县的密钥：请与对方核对密钥后重发"),
    (("unreachable", "timeout", "timed out", "connection", "cannot reach", "http 5"),
     "对方服务器多次连不上，已停止重试：请电话告知收件人，稍后重发"),
    (("http 4",), "对方拒收了这条通知：请核对内容或联系对方后重发"),
)


def notice_error_words(error: str | None) -> str:
    """Why a notice failed, in Chinese words (never the exception's text, which stays in the log)."""
    if not error:
        return ""
    low = error.lower()
    for needles, words in _ERROR_WORDS:
        if any(n in low for n in needles):
            return words
    return "多次发送未成功，已停止重试：请电话告知收件人，稍后重发"
