"""The labour-dispute arbitration application (劳动人事争议仲裁申请书), 要素式: the worker fills in the
elements, the service lays them out as a PDF addressed to the county's arbitration committee.

《劳动争议调解仲裁法》 art. 28: the application states the worker's name, sex, age, occupation (职业),
workplace and address; the employer's name, address and its legal representative or person in
charge with title; the claims and the facts and reasons they rest on; the evidence and where it
comes from, the witnesses' names and addresses; and it is filed with as many copies as there are
respondents. A worker who cannot write may apply orally and the committee records it (art. 28, last
paragraph): the form and the PDF say so.

要素式 means the facts of a wage claim are asked one by one, as committees' element forms do: the
start date, the job, the agreed pay and pay day, the months unpaid (from what is owed and the wage:
the calculator carries them, never the months worked), the amounts paid, and the date and manner of
leaving. Sex and age are required (art. 28); a worker who cannot or will not give them says why,
and the PDF prints the reason instead of leaving a silent gap.
Where the law makes the general contractor answerable (《保障农民工工资支付条例》 art. 30: a
subcontractor or team boss owes wages, or the project was passed on; art. 36: work contracted to an
individual or an unqualified unit), the form offers it as a second respondent.

Nothing here is stored: the POST is read, checked, drawn and sent back. Text is cleaned of
control and direction-override characters (an RTL mark must not reorder a name on paper) and
held to limits a page can show; anything longer gets a polite error naming the field.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from wagesafe.pdf.fonts import LATIN, register_fonts
from wagesafe.pdf.text import draw_text, wrap

MAX_CLAIMS, MAX_EVIDENCE, MAX_WITNESSES = 6, 10, 4
LIMITS = dict(name=50, sex=4, age=3, id_number=18, mobile=20, address=200, workplace=100, unit=100, rep=50,
              rep_title=30, claim=200, facts=3000, evidence=100, source=100, witness=50, witness_address=200,
              occupation=30, missing_why=100, date=20, pay_day=30, unpaid_period=60, money=12, months=3)
SEXES = ("男", "女")
PAY_UNITS = {"month": ("每月", "a month"), "day": ("每天", "a day"), "hour": ("每小时", "an hour"),
             "piece": ("计件或包工", "by the piece or job")}
# How the worker left (or not): the manner decides what can be claimed (劳动合同法 art. 38, 46, 87).
LEAVE_MANNERS = {
    "working": ("还在干，没有离职", "Still working there"),
    "art38": ("因被申请人拖欠工资，书面提出解除劳动合同", "Ended the contract in writing because wages were unpaid"),
    "dismissed": ("被被申请人辞退", "Dismissed by the employer"),
    "finished": ("工程（活）干完离场", "Left when the work was finished"),
    "resigned": ("自己辞职", "Resigned"),
    "other": ("其他（写在事实和理由里）", "Other (say how in the facts)"),
}
# Bidi embeddings, overrides, isolates and marks, zero-width joiners: they reorder or hide text.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

ERRORS = {
    "required": ("请填写{label}。", "Please fill in: {label}."),
    "too_long": ("{label}太长了：最多{limit}个字，现在{n}个字。请删短一些。",
                 "{label} is too long: at most {limit} characters, now {n}. Please shorten it."),
    "amount": ("{label}的金额请填数字（元），例如：12000。", "{label}: enter the amount in yuan as a number, e.g. 12000."),
    "age": ("年龄请填14到100之间的数字，例如：45。", "Age: enter a number from 14 to 100, e.g. 45."),
    "sex_age": ("请填写{label}（《劳动争议调解仲裁法》第28条要求写明）。不能或不愿填写的，请在“没填性别或年龄的原因”里写明原因。",
                "Please fill in: {label} (Labour Dispute Mediation and Arbitration Law art. 28 asks for it). If you "
                "cannot or will not, say why under “Why sex or age is missing”."),
    "date": ("{label}请按“年-月-日”或“年-月”填，例如：2026-03-01 或 2026年3月。",
             "{label}: enter year-month-day or year-month, e.g. 2026-03-01 or 2026-03."),
    "date_order": ("离职日期不能早于入职日期。", "The leaving date cannot be before the start date."),
    "months": ("{label}请填0到120之间的整数，例如：3。", "{label}: a whole number from 0 to 120, e.g. 3."),
    "choice": ("请选择{label}。", "Please choose: {label}."),
    "claims": ("请至少写一项仲裁请求。", "Please write at least one claim."),
}
LABELS = {
    "name": ("申请人姓名", "Your name"), "sex": ("性别", "Sex"), "age": ("年龄", "Age"),
    "id_number": ("身份证号", "ID number"), "mobile": ("手机号", "Mobile"), "address": ("申请人住址", "Your address"),
    "workplace": ("工作单位", "Workplace"), "occupation": ("职业（工种）", "Occupation (trade)"),
    "missing_why": ("没填性别或年龄的原因", "Why sex or age is missing"),
    "start_date": ("入职（开始干活）日期", "Start date"), "pay_amount": ("约定工资（元）", "Agreed pay (yuan)"),
    "pay_unit": ("工资怎么算", "Pay counted"), "pay_day": ("约定的发薪日", "Agreed pay day"),
    "months_unpaid": ("被拖欠几个月的工资", "Months of wages unpaid"),
    "unpaid_period": ("拖欠哪段时间的工资", "Which period is unpaid"),
    "paid_amount": ("已经支付了多少（元）", "Already paid (yuan)"),
    "leave_date": ("离职日期（最后上班那天）", "Leaving date (last day at work)"),
    "leave_manner": ("怎么离开的", "How you left"),
    "r1_name": ("被申请人（用人单位）名称", "Respondent (employer)"), "r1_address": ("被申请人住所", "Respondent's address"),
    "r1_rep": ("法定代表人或主要负责人", "Legal representative or person in charge"), "r1_rep_title": ("职务", "Title"),
    "r2_name": ("第二被申请人（施工总承包单位等）名称", "Second respondent (general contractor etc.)"),
    "r2_address": ("第二被申请人住所", "Second respondent's address"),
    "r2_rep": ("第二被申请人法定代表人或主要负责人", "Second respondent's legal representative"),
    "r2_rep_title": ("职务", "Title"),
    "facts": ("事实和理由", "Facts and reasons"),
    "claim": ("仲裁请求", "Claim"), "evidence": ("证据", "Evidence"), "source": ("证据来源", "Source"),
    "witness": ("证人姓名", "Witness"), "witness_address": ("证人住址", "Witness's address"),
}


def label(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return en if lang == "en" else zh


def clean(value: str | None, multiline: bool = False) -> str:
    """NFC, no control or direction characters, tidy spaces; line breaks kept where ``multiline``."""
    text = unicodedata.normalize("NFC", value or "")
    text = _INVISIBLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    text = _CONTROL.sub("", text.replace("\t", " ") if multiline else text)
    text = re.sub(r"[ \u3000]{2,}", " ", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip() if multiline else text.strip()


@dataclass
class Party:
    name: str = ""
    address: str = ""
    rep: str = ""
    rep_title: str = ""


@dataclass
class Application:
    """The elements of one application, as the worker entered them (cleaned)."""

    name: str = ""
    sex: str = ""
    age: str = ""
    id_number: str = ""
    mobile: str = ""
    address: str = ""
    workplace: str = ""
    occupation: str = ""
    missing_why: str = ""      # why sex or age is not given (art. 28 asks for both)
    start_date: str = ""       # as printed: 2026年3月1日 or 2026年3月
    pay_amount: str = ""
    pay_unit: str = ""         # a key of PAY_UNITS
    pay_day: str = ""
    months_unpaid: str = ""
    unpaid_period: str = ""
    paid_amount: str = ""
    leave_date: str = ""
    leave_manner: str = ""     # a key of LEAVE_MANNERS
    respondents: list[Party] = field(default_factory=lambda: [Party(), Party()])
    claims: list[tuple[str, str]] = field(default_factory=list)  # (what, amount in yuan as typed, cleaned)
    facts: str = ""
    evidence: list[tuple[str, str]] = field(default_factory=list)  # (what, source)
    witnesses: list[tuple[str, str]] = field(default_factory=list)  # (name, address)

    @property
    def named_respondents(self) -> list[Party]:
        return [r for r in self.respondents if r.name]

    @property
    def copies(self) -> int:
        """Original for the committee plus one copy per respondent (art. 28)."""
        return 1 + max(1, len(self.named_respondents))


def parse(form, lang: str) -> tuple[Application, dict[str, str]]:
    """Read a posted form into an ``Application`` and {field: message} for what must be fixed."""
    errors: dict[str, str] = {}

    def err(key: str, name: str, lbl: str, **kw) -> None:
        zh, en = ERRORS[key]
        errors.setdefault(name, (en if lang == "en" else zh).format(label=lbl, **kw))

    def text(name: str, limit_key: str, lbl_key: str, required: bool = False, multiline: bool = False) -> str:
        raw = (form.get(name) or "")
        value = clean(raw, multiline)
        lbl = label(lbl_key, lang)
        limit = LIMITS[limit_key]
        if len(value) > limit:
            err("too_long", name, lbl, limit=limit, n=len(value))
            value = value[:limit]
        if required and not value:
            err("required", name, lbl)
        return value

    def money(name: str) -> str:
        value = clean(form.get(name)).replace(",", "").replace("，", "").replace("元", "")
        if value and not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", value):
            err("amount", name, label(name, lang))
        return value

    def choice(name: str, options, required: bool = False) -> str:
        value = clean(form.get(name))
        if value not in options:
            if value or required:
                err("choice", name, label(name, lang))
            return ""
        return value

    def when(name: str, required: bool = False) -> tuple[str, tuple]:
        raw = text(name, "date", name, required=required)
        if not raw:
            return "", ()
        parsed = parse_when(raw)
        if parsed is None:
            err("date", name, label(name, lang))
            return raw, ()
        return parsed

    a = Application()
    a.name = text("name", "name", "name", required=True)
    a.missing_why = text("missing_why", "missing_why", "missing_why")
    a.sex = choice("sex", SEXES)
    a.age = text("age", "age", "age")
    if a.age and not (a.age.isdigit() and 14 <= int(a.age) <= 100):
        err("age", "age", label("age", lang))
    if not a.missing_why:  # art. 28 asks for both; a reason may stand in for them
        for key in ("sex", "age"):
            if not getattr(a, key) and key not in errors:
                err("sex_age", key, label(key, lang))
    a.occupation = text("occupation", "occupation", "occupation", required=True)
    a.id_number = text("id_number", "id_number", "id_number")
    a.mobile = text("mobile", "mobile", "mobile")
    a.address = text("address", "address", "address", required=True)
    a.workplace = text("workplace", "workplace", "workplace")
    # The elements (要素) of a wage claim.
    a.start_date, start_key = when("start_date", required=True)
    a.pay_amount = money("pay_amount")
    if not a.pay_amount:
        err("required", "pay_amount", label("pay_amount", lang))
    a.pay_unit = choice("pay_unit", PAY_UNITS, required=True)
    a.pay_day = text("pay_day", "pay_day", "pay_day")
    a.months_unpaid = text("months_unpaid", "months", "months_unpaid")
    if a.months_unpaid and not (a.months_unpaid.isdigit() and int(a.months_unpaid) <= 120):
        err("months", "months_unpaid", label("months_unpaid", lang))
    a.unpaid_period = text("unpaid_period", "unpaid_period", "unpaid_period")
    a.paid_amount = money("paid_amount")
    a.leave_manner = choice("leave_manner", LEAVE_MANNERS, required=True)
    a.leave_date, leave_key = when("leave_date", required=a.leave_manner not in ("", "working"))
    if start_key and leave_key and leave_key < start_key:
        err("date_order", "leave_date", label("leave_date", lang))
    a.respondents = []
    for i in (1, 2):
        a.respondents.append(Party(
            name=text(f"r{i}_name", "unit", f"r{i}_name", required=i == 1),
            address=text(f"r{i}_address", "address", f"r{i}_address", required=i == 1),
            rep=text(f"r{i}_rep", "rep", f"r{i}_rep"), rep_title=text(f"r{i}_rep_title", "rep_title", f"r{i}_rep_title")))
    for i in range(1, MAX_CLAIMS + 1):
        what = text(f"claim{i}", "claim", "claim")
        amount = clean(form.get(f"amount{i}")).replace(",", "").replace("，", "").replace("元", "")
        if amount and not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", amount):
            err("amount", f"amount{i}", f"{label('claim', lang)} {i}")
        if what or amount:
            a.claims.append((what, amount))
    if not any(w for w, _ in a.claims):
        err("claims", "claim1", label("claim", lang))
    a.facts = text("facts", "facts", "facts", multiline=True)  # the elements above carry the facts
    for i in range(1, MAX_EVIDENCE + 1):
        what, source = text(f"evidence{i}", "evidence", "evidence"), text(f"source{i}", "source", "source")
        if what or source:
            a.evidence.append((what, source))
    for i in range(1, MAX_WITNESSES + 1):
        who, where = text(f"witness{i}", "witness", "witness"), text(f"witness_address{i}", "witness_address",
                                                                      "witness_address")
        if who or where:
            a.witnesses.append((who, where))
    return a, errors


_WHEN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月|(?:[-/.月]\s*(\d{1,2})\s*日?))?$")


def parse_when(text: str) -> tuple[str, tuple] | None:
    """"2026-03-01", "2026/3/1", "2026年3月1日", "2026-03", "2026年3月" → ("2026年3月1日", (2026, 3, 1)),
    or ("2026年3月", (2026, 3, 0)); None when it is not a real date (a worker may know only the month)."""
    raw = text.translate({ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９－／．"}).strip()
    m = _WHEN.match(raw)
    if not m:
        return None
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    try:
        date(year, month, day or 1)
    except ValueError:
        return None
    if not 1970 <= year <= 2100:
        return None
    return (f"{year}年{month}月{day}日" if day else f"{year}年{month}月"), (year, month, day)


def committee_name(county_zh: str, arbitration_zh: str) -> str:
    """Whom the application is addressed to: the county's arbitration *committee* (the 仲裁院 is its office)."""
    if arbitration_zh.endswith("仲裁委员会"):
        return arbitration_zh
    return f"{county_zh}劳动人事争议仲裁委员会"


def elements(a: Application) -> list[str]:
    """The 要素 of a wage claim as the PDF lists them (an element not given says so, never blank)."""
    unit = PAY_UNITS.get(a.pay_unit, ("", ""))[0]
    pay = f"{unit}{_yuan(a.pay_amount)}" if a.pay_unit != "piece" else f"{_yuan(a.pay_amount)}（{unit}）"
    unpaid = "，".join(x for x in (a.unpaid_period, f"共{a.months_unpaid}个月" if a.months_unpaid else "") if x)
    manner = LEAVE_MANNERS.get(a.leave_manner, ("", ""))[0]
    leaving = manner if a.leave_manner == "working" else "，".join(x for x in (a.leave_date, manner) if x)
    return [
        f"入职（开始干活）时间：{a.start_date}",
        f"工作岗位（职业）：{a.occupation}",
        f"约定工资：{pay}；约定发薪日：{a.pay_day or '未约定'}",
        f"被拖欠工资：{unpaid or '见仲裁请求'}",
        f"已支付：{_yuan(a.paid_amount) or '0元'}",
        f"离职时间和方式：{leaving}",
    ]


def _yuan(amount: str) -> str:
    """A checked amount (digits, maybe two decimals) with thousands separators, as every other surface
    writes money: the prefilled facts say "已支付8,000元", the claim must not say "4000元" beside it."""
    if not amount:
        return ""
    whole, _, cents = amount.partition(".")
    return f"{int(whole):,}{'.' + cents if cents else ''}元"


class _Doc:
    """A4 pages written top-down with wrapping and page breaks."""

    MARGIN = 20 * mm
    BODY = 11.0

    def __init__(self, buf, title: str, footer: str):
        rl_config.useA85 = 0
        self.fonts = register_fonts()
        self.c = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1, initialFontName=LATIN)
        self.c.setTitle(title)
        self.c.setAuthor("WageSafe 薪安通")
        self.footer = footer
        self.page = 1
        self.y = A4[1] - self.MARGIN
        self.width = A4[0] - 2 * self.MARGIN

    def _foot(self) -> None:
        draw_text(self.c, self.fonts, A4[0] / 2, 10 * mm, f"{self.footer} · 第{self.page}页", 8, color=(0.4, 0.4, 0.4),
                  align="center")

    def need(self, height: float) -> None:
        if self.y - height < self.MARGIN + 6 * mm:
            self._foot()
            self.c.showPage()
            self.page += 1
            self.y = A4[1] - self.MARGIN

    def line(self, text: str, size: float | None = None, bold: bool = False, indent: float = 0,
             align: str = "left", gap: float = 3) -> None:
        size = size or self.BODY
        for part in (text.split("\n") if text else [""]):
            for ln in wrap(self.fonts, part, size, self.width - indent, bold):
                self.need(size + gap)
                self.y -= size + gap
                x = self.MARGIN + indent if align == "left" else A4[0] / 2
                draw_text(self.c, self.fonts, x, self.y, ln, size, bold=bold, align=align)

    def space(self, points: float) -> None:
        self.y -= points

    def finish(self) -> None:
        self._foot()
        self.c.showPage()
        self.c.save()


def application_pdf(a: Application, *, committee: str, arbitration_office: str, arbitration_phone: str,
                    today: date, fictional: bool = False) -> bytes:
    """The application as PDF bytes (A4, CJK subset embedded)."""
    buf = io.BytesIO()
    d = _Doc(buf, "劳动人事争议仲裁申请书", "薪安通帮助填写 · 内容由申请人负责" + (" · 示例数据" if fictional else ""))
    d.line("劳动人事争议仲裁申请书", 18, bold=True, align="center", gap=6)
    d.space(6)
    d.line(f"致：{committee}", bold=True)
    d.space(4)
    d.line("申请人", 12.5, bold=True, gap=6)
    person = [f"姓名：{a.name}"]
    if a.sex:
        person.append(f"性别：{a.sex}")
    if a.age:
        person.append(f"年龄：{a.age}岁")
    person.append(f"职业：{a.occupation}")
    d.line("　".join(person), indent=8)
    unsaid = "、".join(k for k, v in (("性别", a.sex), ("年龄", a.age)) if not v)
    if unsaid:
        d.line(f"{unsaid}未填写，原因：{a.missing_why}", indent=8)
    if a.id_number:
        d.line(f"身份证号：{a.id_number}", indent=8)
    if a.mobile:
        d.line(f"联系电话：{a.mobile}", indent=8)
    if a.workplace:
        d.line(f"工作单位：{a.workplace}", indent=8)
    d.line(f"住所：{a.address}", indent=8)
    for n, r in enumerate(a.named_respondents, 1):
        d.space(4)
        d.line(f"被申请人{'' if len(a.named_respondents) == 1 else n}", 12.5, bold=True, gap=6)
        d.line(f"名称：{r.name}", indent=8)
        d.line(f"住所：{r.address}" if r.address else "住所：（不详）", indent=8)
        if r.rep:
            d.line(f"法定代表人或主要负责人：{r.rep}" + (f"　职务：{r.rep_title}" if r.rep_title else ""), indent=8)
    d.space(4)
    d.line("仲裁请求", 12.5, bold=True, gap=6)
    for i, (what, amount) in enumerate(a.claims, 1):
        d.line(f"{i}. {what}" + (f"：{_yuan(amount)}" if amount else ""), indent=8)
    d.space(4)
    d.line("案件要素", 12.5, bold=True, gap=6)
    for i, element in enumerate(elements(a), 1):
        d.line(f"{i}. {element}", indent=8)
    d.space(4)
    d.line("事实和理由", 12.5, bold=True, gap=6)
    d.line(a.facts or "见上列案件要素。", indent=8)
    d.space(4)
    d.line("证据和证据来源", 12.5, bold=True, gap=6)
    if a.evidence:
        for i, (what, source) in enumerate(a.evidence, 1):
            d.line(f"{i}. {what}" + (f"（来源：{source}）" if source else ""), indent=8)
    else:
        d.line("（开庭前补充提交）", indent=8)
    d.space(4)
    d.line("证人", 12.5, bold=True, gap=6)
    if a.witnesses:
        for i, (who, where) in enumerate(a.witnesses, 1):
            d.line(f"{i}. {who}" + (f"，住址：{where}" if where else ""), indent=8)
    else:
        d.line("（无）", indent=8)
    d.space(10)
    d.line(f"此致　{committee}", indent=8)
    d.space(16)
    d.line("申请人（签名或按手印）：________________", indent=8)
    d.line(f"日期：{today.year}年{today.month}月{today.day}日", indent=8)
    d.space(12)
    n = len(a.named_respondents)
    d.line("提交须知", 11, bold=True, gap=6)
    d.line(f"1. 本申请书请带{a.copies}份：正本1份交仲裁委，副本{n}份（每个被申请人1份）。", 10, indent=8)
    d.line(f"2. 带上身份证原件和复印件；证据复印件同样带{a.copies}份，原件带去核对。", 10, indent=8)
    where = arbitration_office + (f"，电话{arbitration_phone}" if arbitration_phone else "")
    d.line(f"3. 交到：{where}。仲裁不收费（《劳动争议调解仲裁法》第53条）。", 10, indent=8)
    d.line("4. 仲裁委收到申请后5日内决定是否受理（第29条）；受理后45日内裁决，最多延长15日（第43条）。", 10, indent=8)
    d.line("5. 离职后1年内申请（第27条）。需要帮助，打12348申请法律援助，讨薪不查经济困难。", 10, indent=8)
    d.line("6. 书写仲裁申请确有困难的，可以口头申请，由仲裁委记入笔录（第28条）。", 10, indent=8)
    d.finish()
    return buf.getvalue()
