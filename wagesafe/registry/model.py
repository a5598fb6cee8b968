"""Typed, read-only records of the registry.

The records are frozen dataclasses so that nothing downstream (site generator, posters,
form service) can change what editors wrote; they only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

PROJECT_STATUSES = ("planned", "active", "suspended", "completed")
PROJECT_STATUS_ZH = {"planned": "待开工", "active": "在建", "suspended": "停工", "completed": "已完工"}
LEGAL_AID_KINDS = ("centre", "township_station", "village_point", "court_station", "arbitration_station", "hotline")
LEGAL_AID_KIND_ZH = {
    "centre": "法律援助中心",
    "township_station": "镇街法律援助工作站",
    "village_point": "村（居）法律援助联络点",
    "court_station": "法院法律援助工作站",
    "arbitration_station": "劳动仲裁院法律援助工作站",
    "hotline": "公共法律服务热线",
}
LEGAL_AID_KIND_EN = {
    "centre": "Legal aid centre",
    "township_station": "Township legal aid workstation",
    "village_point": "Village legal aid contact point",
    "court_station": "Court legal aid workstation",
    "arbitration_station": "Arbitration legal aid workstation",
    "hotline": "Public legal service hotline",
}
DEPARTMENT_KINDS = ("housing", "transport", "water", "arbitration", "legal_aid", "police", "hrss", "other")


@dataclass(frozen=True)
class Person:
    """Someone an officer or a worker can reach: an officer, a deputy, a desk contact."""

    name: str
    mobile: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Hotline:
    number: str
    name_zh: str
    name_en: str = ""


@dataclass(frozen=True)
class MinimumWage:
    monthly_yuan: int
    hourly_yuan: float
    effective_from: date | None = None


@dataclass(frozen=True)
class AverageWage:
    """The previous year's average monthly wage of employees (上年度职工月平均工资) that the city
    government (直辖市、设区的市级人民政府) publishes. 《劳动合同法》 art. 47: a worker paid more than three
    times it gets economic compensation at three times it, for at most twelve years; the calculator
    applies both caps. ``year`` is the year the figure is for; ``source_zh`` says who published it where,
    so a worker or an officer can check it."""

    monthly_yuan: int
    year: int
    source_zh: str


@dataclass(frozen=True)
class Mediation:
    """Where a worker applies for labour-dispute mediation (《保障农民工工资支付条例》 art. 34(3): every
    site notice shows the 劳动争议调解仲裁申请渠道): the township's mediation body or the arbitration
    court's mediation window."""

    name_zh: str
    place_zh: str
    phone: str


@dataclass(frozen=True)
class Desk:
    """The county labour-inspection desk: supervises townships and receives escalations."""

    name_zh: str
    name_en: str
    phone: str
    email: str
    address_zh: str = ""
    contact: Person | None = None


@dataclass(frozen=True)
class County:
    code: str
    name_zh: str
    name_en: str
    province_zh: str
    city_zh: str
    minimum_wage: MinimumWage
    desk: Desk
    hotlines: tuple[Hotline, ...]
    arbitration_zh: str = ""
    arbitration_phone: str = ""
    legal_aid_phone: str = "12348"
    fictional: bool = False
    average_wage: AverageWage | None = None  # required by the loader; None only for hand-made records
    mediation: Mediation | None = None        # the county's channel; a township may name its own


@dataclass(frozen=True)
class Department:
    """A body a case can be transferred to (住建, 交通, 水利, 仲裁, 法援, 公安 ...)."""

    code: str
    kind: str
    name_zh: str
    name_en: str
    contact: Person
    complaint_phone: str = ""


@dataclass(frozen=True)
class Township:
    """A 镇 or 街道 with its 农民工服务专员 (officer) and a deputy."""

    code: str
    name_zh: str
    name_en: str
    officer: Person | None
    deputy: Person | None
    officer_away: bool = False
    kind_zh: str = "镇"
    duty_phone: str = ""  # the township office's duty number (值班电话), printed on posters if given
    mediation: Mediation | None = None  # the township's own mediation body, if the registry names one

    @property
    def duty_line(self) -> tuple[str, str]:
        """(who, phone) a poster prints for this township: its office's duty number when the
        registry has one, else the officer and the deputy with both mobiles. It does not follow
        who is away (the desk's duty roster routes complaints), so nobody reprints a fence notice
        for a week's leave."""
        people = [p for p in (self.officer, self.deputy) if p is not None]
        names = "、".join(p.name for p in people)
        if self.duty_phone:
            return (f"{self.name_zh}值班电话（{names}）" if names else f"{self.name_zh}值班电话", self.duty_phone)
        return (f"{self.name_zh} {names}", " / ".join(p.mobile for p in people if p.mobile))

    @property
    def responsible(self) -> Person | None:
        """Who takes this township's complaints right now: the deputy while the officer is away."""
        if self.officer_away and self.deputy is not None:
            return self.deputy
        return self.officer or self.deputy


@dataclass(frozen=True)
class Subcontractor:
    name: str
    scope: str = ""
    team_leader: str = ""


# 一项目一专班 (seed 002): the roles of a project's team, as the registry's column prefixes.
TEAM_ROLES = {"team_lead": "属地责任领导", "team_supervisor": "行业监管员", "team_inspector": "劳动监察员",
              "team_grid": "网格员"}
# Who of the team is told of a new complaint on the project (notice kind ``zhuanban``).
TEAM_TOLD = ("team_grid", "team_supervisor")


@dataclass(frozen=True)
class TeamMember:
    """One member of a project's 专班: the role (a ``TEAM_ROLES`` key), a name and a mobile."""

    role: str
    name: str
    mobile: str

    @property
    def role_zh(self) -> str:
        return TEAM_ROLES.get(self.role, self.role)


@dataclass(frozen=True)
class Project:
    code: str
    name_zh: str
    name_en: str
    address_zh: str
    township: str
    lat: float
    lon: float
    builder: str
    general_contractor: str
    gc_project_department: str
    gc_project_manager: str
    labour_manager: str
    labour_manager_phone: str
    industry_authority: str  # a Department code
    wage_payment_day: int
    wage_account_bank: str
    start_date: date | None
    end_date: date | None
    status: str
    subcontractors: tuple[Subcontractor, ...] = field(default_factory=tuple)
    line: int = 0  # row in projects.csv, for error messages
    team: tuple[TeamMember, ...] = field(default_factory=tuple)  # 一项目一专班 (optional columns)
    # projects.csv's optional ``subcontracted`` column: False only when the registry says the project
    # has no subcontractor ("no"); None when nobody said (an empty cell is not "none").
    subcontracted: bool | None = None

    @property
    def says_no_subcontractor(self) -> bool:
        """True only when the editors wrote that nothing is subcontracted (not when the list is merely empty)."""
        return self.subcontracted is False and not self.subcontractors


@dataclass(frozen=True)
class LegalAidPlace:
    id: str
    kind: str
    name_zh: str
    name_en: str
    address_zh: str
    phone: str
    hours_zh: str
    services_zh: str
    township: str = ""
    lat: float | None = None
    lon: float | None = None
    datum: str = "WGS-84"


@dataclass(frozen=True)
class Defaulter:
    """One published entry of the 拖欠农民工工资失信联合惩戒对象名单 (defaulters.csv).

    Listing is decided by the labour authority (《保障农民工工资支付条例》 art. 48; 人社部令第45号,
    normally for 3 years); the portal republishes the decision while ``ends_on`` has not passed.
    """

    unit_name: str
    credit_code: str
    authority: str
    decision_no: str
    listed_on: date
    ends_on: date
    fictional: bool = False
    line: int = 0

    def in_force(self, today: date) -> bool:
        """Listed on ``today``: from ``listed_on`` up to and including ``ends_on``."""
        return self.listed_on <= today <= self.ends_on


def project_path(code: str) -> str:
    """The short path a poster's QR code encodes: ``/r/<code>``."""
    return f"/r/{code}"


def project_url(public_base_url: str, code: str) -> str:
    """The full URL printed under a poster's QR code and linked from the project page."""
    return public_base_url.rstrip("/") + project_path(code)


@dataclass(frozen=True)
class Registry:
    """Everything editors keep in ``data/``, validated; read by the portal, the posters and the form service."""

    county: County
    departments: dict[str, Department]
    townships: dict[str, Township]
    projects: dict[str, Project]
    legal_aid: tuple[LegalAidPlace, ...]
    source: object = None
    defaulters: tuple[Defaulter, ...] = ()  # data/defaulters.csv, optional

    def project(self, code: str) -> Project | None:
        """Look a project up by the code a worker typed or scanned (case-insensitive, trimmed)."""
        return self.projects.get((code or "").strip().lower())

    def township_of(self, project: Project) -> Township:
        return self.townships[project.township]

    def industry_authority(self, project: Project) -> Department:
        return self.departments[project.industry_authority]

    def mediation_for(self, township_code: str) -> Mediation | None:
        """The mediation channel a poster in this township prints: the township's own body when the
        registry names one, else the county's (the arbitration court's mediation window)."""
        township = self.townships.get(township_code)
        return (township.mediation if township is not None and township.mediation else None) or self.county.mediation

    def hotline(self, number: str) -> Hotline | None:
        return next((h for h in self.county.hotlines if h.number == number), None)

    def defaulters_in_force(self, today: date) -> tuple[Defaulter, ...]:
        """The entries still listed on ``today`` (an entry past its end date drops off at the next build)."""
        return tuple(d for d in self.defaulters if d.in_force(today))

    def projects_by_township(self) -> dict[str, list[Project]]:
        """Projects grouped by township code, townships in registry order."""
        grouped: dict[str, list[Project]] = {code: [] for code in self.townships}
        for p in self.projects.values():
            grouped[p.township].append(p)
        return grouped
