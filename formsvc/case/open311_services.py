"""The Open311 services of a county and their attributes: the complaint form's fields, as data.

Two services are built in: wage arrears on a construction project (the QR form: the project code
is required) and wage arrears elsewhere (the general form: a place or a township). A county may
add more in ``partners.yaml`` (``open311.services``); they take the general form's fields.
Used by the API (``formsvc.web.api``) to describe itself and by a transfer to another county
(``formsvc.case.county_transfer``) to fill the request: one list, so both sides agree.
"""

from __future__ import annotations

from dataclasses import dataclass

WAGE_PROJECT = "wage_project"
WAGE_OTHER = "wage_other"
GROUP = "欠薪 wage arrears"

OWED_BY = (("company", "公司 company"), ("team_leader", "班组长/包工头 team leader"), ("unknown", "不清楚 not sure"))
YES_NO = (("true", "是 yes"), ("false", "否 no"))
CALLBACK = (("any", "任何时间 any time"), ("morning", "上午 morning"), ("noon", "中午 noon"),
            ("evening", "晚上 evening"))


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    description: str
    keywords: str = "欠薪,工资,农民工,wages"


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str  # string | number | datetime | text | singlevaluelist | multivaluelist
    required: bool
    description: str
    values: tuple[tuple[str, str], ...] = ()


BUILT_IN = (
    Service(WAGE_PROJECT, "工程建设项目欠薪 Wage arrears on a construction project",
            "在建工程项目拖欠农民工工资（工地二维码上的项目编号必填）。《保障农民工工资支付条例》第三章、第四章。"),
    Service(WAGE_OTHER, "其他欠薪 Wage arrears elsewhere",
            "工厂、餐饮、服务业等其他用人单位拖欠工资（填写地点或镇街）。《保障农民工工资支付条例》第三章（第十六条至第二十二条，工资清偿）。"),
)


def services(extra=()) -> list[Service]:
    """The built-in services, then those the county configured (``partners.yaml``)."""
    return [*BUILT_IN, *(Service(s.code, f"{s.name_zh} {s.name_en}", s.description_zh or s.name_zh) for s in extra)]


def attributes(service_code: str, townships: dict) -> list[Attribute]:
    """The form's fields as Open311 attributes; ``townships`` is ``registry.townships``."""
    return [
        Attribute("project_code", "string", service_code == WAGE_PROJECT,
                  "工地二维码上的项目编号 the project code on the site's QR poster"),
        Attribute("township", "singlevaluelist", False, "欠薪发生地所在镇街 township where the wages are owed",
                  tuple((code, t.name_zh) for code, t in townships.items())),
        Attribute("workers", "number", False, "被拖欠工资的人数 how many workers are owed (1–10000)"),
        Attribute("amount_yuan", "number", False, "拖欠金额（元） amount owed in yuan"),
        Attribute("months_owed", "number", False, "拖欠几个月 months owed"),
        Attribute("owed_by_kind", "singlevaluelist", False, "欠薪方 who owes the wages", OWED_BY),
        Attribute("owed_by_name", "string", False, "欠薪方名称 name of the company or team leader"),
        Attribute("trade", "string", False, "工种 trade"),
        Attribute("anonymous", "singlevaluelist", False, "匿名举报 anonymous tip", YES_NO),
        Attribute("consent", "singlevaluelist", False,
                  "投诉人同意把姓名和手机号交给办理部门（有姓名或手机号时必须为 true）"
                  " the worker agreed that their name and mobile go to the officers (required with a name or phone)",
                  YES_NO),
        Attribute("sms_consent", "singlevaluelist", False, "投诉人同意接收短信进展 the worker agreed to SMS updates",
                  YES_NO),
        Attribute("callback_time", "singlevaluelist", False, "方便接电话的时间 best time to call back", CALLBACK),
    ]
