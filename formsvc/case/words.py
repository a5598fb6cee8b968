"""The case's coded fields in Chinese words: who owes the wages, when to call back.

One table for every reader: officers' notices (``formsvc.notify.notices``) and the desk
(``formsvc.web.desk.words``) both show these, so they must not drift apart.
"""

from __future__ import annotations

OWED_BY_ZH = {"company": "公司", "team_leader": "班组长/包工头", "unknown": "不清楚"}
CALLBACK_ZH = {"any": "任何时间", "morning": "上午", "noon": "中午", "evening": "晚上"}
