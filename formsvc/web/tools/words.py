"""The tools' words in Chinese and English (beside each other, as in ``formsvc.web.i18n``)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "calc_title": ("欠薪计算器", "Wage calculator"),
    "calc_intro": ("按你填的数估算，不是决定。填的数不会保存。", "An estimate from what you typed, not a decision. Nothing is stored."),
    "mode": ("怎么算工资", "How is your pay counted"),
    "by_month": ("按月", "By month"),
    "by_day": ("按天", "By day"),
    "units": ("干了几个月 / 几天", "Months or days worked"),
    "rate": ("每月 / 每天工资（元）", "Monthly or daily wage (yuan)"),
    "paid": ("已经拿到多少（元）", "Already paid (yuan)"),
    "no_contract": ("没签书面劳动合同，干了几个月", "Months worked with no written contract"),
    "submit": ("算一算", "Work it out"),
    "errors_title": ("请改一下", "Please correct this"),
    "owed": ("欠你的工资", "Wages owed"),
    "earned_paid": ("应得 {earned} 元，已拿到 {paid} 元", "earned {earned} yuan, already paid {paid} yuan"),
    "in47": ("{o}元不超过本县月最低工资的12倍（{l}元）：仲裁裁决一般对单位是终局的，单位不能再去法院拖；你不服还可以在15天内起诉（《劳动争议调解仲裁法》第47条、第48条）。",
             "{o} yuan is within 12 × the county's monthly minimum wage ({l} yuan): the arbitration award is normally final for the employer; you can still sue within 15 days if you disagree (Labour Dispute Mediation and Arbitration Law art. 47, 48)."),
    "out47": ("{o}元超过了本县月最低工资的12倍（{l}元）：对裁决不服，双方都可以去法院起诉（《劳动争议调解仲裁法》第47条、第50条）。",
              "{o} yuan is more than 12 × the county's monthly minimum wage ({l} yuan): either side may take the award to court (Labour Dispute Mediation and Arbitration Law art. 47, 50)."),
    "a85": ("单位被劳动监察责令支付后到期还不付，劳动监察可以责令它另外加付欠款的50%到100%：{lo}元到{hi}元。这由政府部门决定，不是自动就有（《劳动合同法》第85条）。",
            "If the employer still does not pay when the labour authority orders it to, the authority may order it to add 50%–100%: {lo} to {hi} yuan. This is decided by the authority, it is not automatic (Labour Contract Law art. 85)."),
    "a82": ("没签书面合同：可以要{m}个月的两倍工资，另外{x}元，最多11个月；要在1年内申请仲裁（《劳动合同法》第82条，《劳动合同法实施条例》第6条、第7条）。",
            "No written contract: double wages for {m} month(s), another {x} yuan, at most 11 months; claim it in arbitration within 1 year (Labour Contract Law art. 82; Implementing Regulations art. 6–7)."),
    "a82day": ("没签合同的两倍工资只按月估算：请选“按月”，或打12348问。",
               "Double wages for a missing contract are estimated by month only: choose “By month” or call 12348."),
    "carry": ("用这个金额去投诉", "Complain with this amount"),
    "apply": ("填仲裁申请书", "Fill in the arbitration application"),
    "again": ("重新算", "Start again"),
    "note": ("这是按你填的数估算的，不是决定。拿不准打12348。", "An estimate from what you typed, not a decision. Call 12348 to check."),
}


def w(key: str, lang: str, **values) -> str:
    zh, en = WORDS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text
