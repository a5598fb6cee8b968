"""Read ``data/`` (YAML and CSV that editors keep) into a validated ``Registry``.

This is the only code that reads ``data/``. It collects every problem in every file before
it gives up, so ``wagesafe check`` shows an editor the whole list at once.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from . import model, rules
from .fields import Fields
from .problems import Problem, RegistryError

COUNTY_FILE = "county.yaml"
TOWNSHIPS_FILE = "townships.csv"
PROJECTS_FILE = "projects.csv"
SUBCONTRACTORS_FILE = "subcontractors.csv"
LEGAL_AID_FILE = "legal_aid.csv"
DEFAULTERS_FILE = "defaulters.csv"

TOWNSHIP_COLUMNS = ("code", "name_zh", "name_en", "kind_zh", "officer_name", "officer_mobile", "officer_email",
                    "officer_away", "deputy_name", "deputy_mobile", "deputy_email")
PROJECT_COLUMNS = ("code", "name_zh", "name_en", "address_zh", "township", "lat", "lon", "builder",
                   "general_contractor", "gc_project_department", "gc_project_manager", "labour_manager",
                   "labour_manager_phone", "industry_authority", "wage_payment_day", "wage_account_bank",
                   "start_date", "end_date", "status")
SUBCONTRACTOR_COLUMNS = ("project", "name", "scope", "team_leader")
DEFAULTER_COLUMNS = ("unit_name", "credit_code", "authority", "decision_no", "listed_on", "ends_on")
# 统一社会信用代码: 18 characters, digits and capital letters without I, O, S, V, Z (GB 32100-2015).
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
LEGAL_AID_COLUMNS = ("id", "kind", "name_zh", "name_en", "address_zh", "township", "phone", "hours_zh",
                     "services_zh", "lat", "lon", "datum")


class _LineDict(dict):
    """A YAML mapping that remembers the line of each key, for error messages."""

    line = 0
    key_lines: dict[str, int] = {}


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if hasattr(k, "value")}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _fields(file: str, data: Any, problems: list[Problem], prefix: str = "") -> Fields:
    if not isinstance(data, dict):
        problems.append(Problem(file, getattr(data, "line", 0), prefix.rstrip(".") or "(file)", "expected a mapping"))
        data = _LineDict()
    return Fields(file, getattr(data, "line", 0), data, problems, getattr(data, "key_lines", {}), prefix)


def _read_csv(path: Path, label: str, columns: tuple[str, ...], problems: list[Problem]):
    """Yield (line, row) for each non-empty row; report missing columns once."""
    if not path.exists():
        problems.append(Problem(label, 0, "(file)", "file is missing"))
        return
    # utf-8-sig: spreadsheets (Excel, WPS) save CSV with a byte-order mark.
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        for c in missing:
            problems.append(Problem(label, 1, c, "column is missing from the header row"))
        start = reader.line_num + 1
        for row in reader:
            if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                yield start, {k: (v or "") for k, v in row.items() if k is not None}
            start = reader.line_num + 1


def _person(f: Fields, prefix: str, required: bool = True) -> model.Person | None:
    name = f.text(f"{prefix}_name", required)
    mobile = f.mobile(f"{prefix}_mobile", required and bool(name))
    email = f.email(f"{prefix}_email", required and bool(name))
    return model.Person(name=name, mobile=mobile, email=email) if name else None


AVERAGE_WAGE_MISSING = (
    "required: the city's previous-year average monthly wage of employees (上年度职工月平均工资), as the "
    "city government (设区的市级人民政府) publishes it, with monthly_yuan, year and source_zh. 《劳动合同法》 "
    "art. 47 caps economic compensation at three times it; the wage calculator needs it")
MEDIATION_MISSING = (
    "required: where a worker applies for labour-dispute mediation (the township's mediation body or the "
    "arbitration court's mediation window), with name_zh, place_zh and phone. Every site notice must show "
    "it (《保障农民工工资支付条例》 art. 34(3))")


def _average_wage(c: Fields, label: str, problems: list[Problem]) -> model.AverageWage | None:
    """``county.average_wage``: the figure art. 47 names, with the year it is for and who published it."""
    raw = c.raw("average_wage")
    if raw is None:
        c.problem("average_wage", AVERAGE_WAGE_MISSING)
        return None
    f = _fields(label, raw, problems, "county.average_wage.")
    monthly = f.integer("monthly_yuan", 1000, 100_000)
    year = f.integer("year", 2000, date.today().year)
    source = f.text("source_zh")
    if source and len(source) < 6:
        f.problem("source_zh", "say who published the figure and where (for example 禾川市人民政府2026年5月公布的"
                               "2025年度全市城镇单位就业人员平均工资), so a worker can check it")
    return model.AverageWage(monthly_yuan=monthly, year=year, source_zh=source) if f.ok else None


def _mediation(f: Fields, prefix: str = "") -> model.Mediation | None:
    """A mediation channel: name, place and phone, all three (a worker must find it and call it)."""
    name, place = f.text(f"{prefix}name_zh"), f.text(f"{prefix}place_zh")
    phone = f.phone(f"{prefix}phone")
    return model.Mediation(name_zh=name, place_zh=place, phone=phone) if name and place and phone else None


def _county_mediation(c: Fields, label: str, problems: list[Problem]) -> model.Mediation | None:
    raw = c.raw("mediation")
    if raw is None:
        c.problem("mediation", MEDIATION_MISSING)
        return None
    return _mediation(_fields(label, raw, problems, "county.mediation."))


def _load_county(path: Path, problems: list[Problem]):
    label = f"data/{COUNTY_FILE}"
    if not path.exists():
        problems.append(Problem(label, 0, "(file)", "file is missing"))
        return None, {}
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problems.append(Problem(label, mark.line + 1 if mark else 0, "(file)", f"not valid YAML: {e}"))
        return None, {}
    top = _fields(label, doc, problems)
    c = _fields(label, top.raw("county"), problems, "county.")
    mw = _fields(label, c.raw("minimum_wage"), problems, "county.minimum_wage.")
    minimum_wage = model.MinimumWage(
        monthly_yuan=mw.integer("monthly_yuan", 500, 10000),
        hourly_yuan=mw.number("hourly_yuan", 3, 100),
        effective_from=mw.date("effective_from", required=False),
    )
    d = _fields(label, top.raw("labour_inspection"), problems, "labour_inspection.")
    desk = model.Desk(name_zh=d.text("name_zh"), name_en=d.text("name_en"), phone=d.phone("phone"),
                      email=d.email("email"), address_zh=d.text("address_zh", required=False),
                      contact=model.Person(name=d.text("contact_name", required=False),
                                           mobile=d.mobile("contact_mobile", required=False)))
    hotlines = []
    raw_hotlines = top.raw("hotlines") or []
    if not isinstance(raw_hotlines, list):
        top.problem("hotlines", "expected a list")
        raw_hotlines = []
    for i, h in enumerate(raw_hotlines):
        hf = _fields(label, h, problems, f"hotlines[{i}].")
        hotlines.append(model.Hotline(number=hf.phone("number"), name_zh=hf.text("name_zh"),
                                      name_en=hf.text("name_en", required=False)))
    numbers = {h.number for h in hotlines}
    for needed in ("12333", "12348"):
        if needed not in numbers:
            top.problem("hotlines", f"the national hotline {needed} must be listed")
    county = model.County(
        code=c.text("code"), name_zh=c.text("name_zh"), name_en=c.text("name_en"),
        province_zh=c.text("province_zh"), city_zh=c.text("city_zh"), minimum_wage=minimum_wage, desk=desk,
        hotlines=tuple(hotlines), arbitration_zh=c.text("arbitration_zh", required=False),
        arbitration_phone=c.phone("arbitration_phone", required=False),
        legal_aid_phone=c.phone("legal_aid_phone", required=False) or "12348",
        fictional=c.boolean("fictional"),
        average_wage=_average_wage(c, label, problems),
        mediation=_county_mediation(c, label, problems),
    )
    departments: dict[str, model.Department] = {}
    raw_departments = top.raw("departments") or []
    if not isinstance(raw_departments, list):
        top.problem("departments", "expected a list")
        raw_departments = []
    for i, dep in enumerate(raw_departments):
        df = _fields(label, dep, problems, f"departments[{i}].")
        code = df.text("code")
        if code and not rules.TOWNSHIP_CODE_RE.match(code):
            df.problem("code", f"'{code}' is not a safe code (lowercase letters, digits, hyphens)")
        if code in departments:
            df.problem("code", f"duplicate department code '{code}'")
        department = model.Department(
            code=code, kind=df.choice("kind", model.DEPARTMENT_KINDS), name_zh=df.text("name_zh"),
            name_en=df.text("name_en"),
            contact=model.Person(name=df.text("contact_name"), mobile=df.mobile("contact_mobile", required=False),
                                 email=df.email("contact_email"), phone=df.phone("phone")),
            complaint_phone=df.phone("complaint_phone", required=False),
        )
        if code:
            departments.setdefault(code, department)
    return county, departments


def _township_mediation(f: Fields) -> model.Mediation | None:
    """Optional columns ``mediation_name_zh``, ``mediation_place_zh``, ``mediation_phone``: the township's
    own mediation body. All empty: the county's channel is printed; some filled: all three are needed."""
    if not any((f.raw(f"mediation_{k}") or "").strip() for k in ("name_zh", "place_zh", "phone")):
        return None
    return _mediation(f, "mediation_")


def _load_townships(path: Path, problems: list[Problem]) -> dict[str, model.Township]:
    label = f"data/{TOWNSHIPS_FILE}"
    townships: dict[str, model.Township] = {}
    for line, row in _read_csv(path, label, TOWNSHIP_COLUMNS, problems):
        f = Fields(label, line, row, problems)
        code = f.text("code")
        if code and not rules.TOWNSHIP_CODE_RE.match(code):
            f.problem("code", f"'{code}' is not a safe code (lowercase letters, digits, hyphens; starts with a letter)")
        elif code in townships:
            f.problem("code", f"duplicate township code '{code}'")
        township = model.Township(
            code=code, name_zh=f.text("name_zh"), name_en=f.text("name_en"),
            kind_zh=f.choice("kind_zh", ("镇", "街道", "乡"), required=False) or "镇",
            officer=_person(f, "officer", required=False), deputy=_person(f, "deputy", required=False),
            officer_away=f.boolean("officer_away"),
            duty_phone=f.phone("duty_phone", required=False),  # optional column
            mediation=_township_mediation(f),  # optional columns
        )
        if code and code not in townships:
            townships[code] = township
    return townships


def _load_subcontractors(path: Path, problems: list[Problem]) -> dict[str, list[tuple[int, model.Subcontractor]]]:
    label = f"data/{SUBCONTRACTORS_FILE}"
    subs: dict[str, list[tuple[int, model.Subcontractor]]] = {}
    if not path.exists():
        return subs  # optional file: a project may have no subcontractor
    for line, row in _read_csv(path, label, SUBCONTRACTOR_COLUMNS, problems):
        f = Fields(label, line, row, problems)
        project = f.text("project").lower()
        sub = model.Subcontractor(name=f.text("name"), scope=f.text("scope", required=False),
                                  team_leader=f.text("team_leader", required=False))
        subs.setdefault(project, []).append((line, sub))
    return subs


def _load_projects(path: Path, problems: list[Problem], townships, departments, subs) -> dict[str, model.Project]:
    label = f"data/{PROJECTS_FILE}"
    projects: dict[str, model.Project] = {}
    for line, row in _read_csv(path, label, PROJECT_COLUMNS, problems):
        f = Fields(label, line, row, problems)
        code = f.text("code")
        if code and not rules.is_project_code(code):
            f.problem("code", f"'{code}' is not a safe project code (3-16 lowercase letters, digits, inner hyphens)")
            code = ""
        elif code in projects:
            f.problem("code", f"duplicate project code '{code}' (first on line {projects[code].line})")
            code = ""
        township = f.text("township")
        if township and township not in townships:
            f.problem("township", f"unknown township '{township}' (not in data/{TOWNSHIPS_FILE})")
        elif township and townships[township].responsible is None:
            f.problem("township", f"township '{township}' has no officer (农民工服务专员) to take its complaints")
        authority = f.text("industry_authority")
        if authority and authority not in departments:
            f.problem("industry_authority", f"unknown department '{authority}' (not in data/{COUNTY_FILE})")
        lat, lon = f.coordinates()
        start, end = f.date("start_date"), f.date("end_date", required=False)
        if start and end and end < start:
            f.problem("end_date", f"{end} is before the start date {start}")
        project = model.Project(
            code=code, name_zh=f.text("name_zh"), name_en=f.text("name_en", required=False),
            address_zh=f.text("address_zh"), township=township, lat=lat or 0.0, lon=lon or 0.0,
            builder=f.text("builder"), general_contractor=f.text("general_contractor"),
            gc_project_department=f.text("gc_project_department"), gc_project_manager=f.text("gc_project_manager"),
            labour_manager=f.text("labour_manager"), labour_manager_phone=f.phone("labour_manager_phone"),
            industry_authority=authority, wage_payment_day=f.integer("wage_payment_day", 1, 31),
            wage_account_bank=f.text("wage_account_bank"), start_date=start, end_date=end,
            status=f.choice("status", model.PROJECT_STATUSES),
            subcontractors=tuple(s for _, s in subs.get(code, [])), line=line, team=_team(f),
            subcontracted=_subcontracted(f, row, subs.get(code, [])),
        )
        if code:
            projects[code] = project
    for project_code, rows in subs.items():
        if project_code and project_code not in projects:
            for line, _ in rows:
                problems.append(Problem(f"data/{SUBCONTRACTORS_FILE}", line, "project",
                                        f"unknown project '{project_code}' (not in data/{PROJECTS_FILE})"))
    return projects


def _team(f: Fields) -> tuple[model.TeamMember, ...]:
    """一项目一专班: the optional ``<role>_name`` / ``<role>_mobile`` columns of a project (seed 002).
    A role may be empty; a name needs a mobile (the team is told by SMS) and a mobile a name."""
    team = []
    for role, role_zh in model.TEAM_ROLES.items():
        name = f.text(f"{role}_name", required=False)
        mobile = f.mobile(f"{role}_mobile", required=False)
        if name and not mobile and not f.text(f"{role}_mobile", required=False):
            f.problem(f"{role}_mobile", f"the {role_zh} {name} needs a mobile (专班 members are told by SMS)")
        elif mobile and not name:
            f.problem(f"{role}_name", f"the {role_zh}'s mobile {mobile} has no name")
        if name and mobile:
            team.append(model.TeamMember(role=role, name=name, mobile=mobile))
    return tuple(team)


def _subcontracted(f: Fields, row: dict, subs: list) -> bool | None:
    """The optional ``subcontracted`` cell: yes → True, no → False, empty or no column → None (unknown).

    "no" with subcontractor rows is a contradiction the editor must resolve: the site would print
    "无（本项目未分包）" beside a list of subcontractors.
    """
    value = (row.get("subcontracted") or "").strip().lower()
    if not value:
        return None
    if value not in ("yes", "no", "是", "否"):
        f.problem("subcontracted", f"'{value}' is not yes or no (leave it empty when unknown)")
        return None
    said = value in ("yes", "是")
    if not said and subs:
        f.problem("subcontracted", f"says no, but data/{SUBCONTRACTORS_FILE} lists {len(subs)} subcontractor(s) "
                                   "for this project")
    return said


def _load_defaulters(path: Path, problems: list[Problem]) -> list[model.Defaulter]:
    """``defaulters.csv`` (optional): published listings of the 失信联合惩戒对象名单."""
    label = f"data/{DEFAULTERS_FILE}"
    out: list[model.Defaulter] = []
    if not path.exists():
        return out
    for line, row in _read_csv(path, label, DEFAULTER_COLUMNS, problems):
        f = Fields(label, line, row, problems)
        code = f.text("credit_code").upper()
        if code and not CREDIT_CODE_RE.match(code):
            f.problem("credit_code", f"'{code}' is not an 18-character unified social credit code")
        listed, ends = f.date("listed_on"), f.date("ends_on")
        if listed and ends and ends < listed:
            f.problem("ends_on", f"{ends} is before the listing date {listed}")
        entry = model.Defaulter(unit_name=f.text("unit_name"), credit_code=code, authority=f.text("authority"),
                                decision_no=f.text("decision_no"), listed_on=listed, ends_on=ends,
                                fictional=f.boolean("fictional") if "fictional" in row else False, line=line)
        if listed and ends:
            out.append(entry)
    return out


def _load_legal_aid(path: Path, problems: list[Problem], townships) -> list[model.LegalAidPlace]:
    label = f"data/{LEGAL_AID_FILE}"
    places: list[model.LegalAidPlace] = []
    seen: dict[str, int] = {}
    for line, row in _read_csv(path, label, LEGAL_AID_COLUMNS, problems):
        f = Fields(label, line, row, problems)
        pid = f.text("id")
        if pid and not rules.TOWNSHIP_CODE_RE.match(pid):
            f.problem("id", f"'{pid}' is not a safe id (lowercase letters, digits, hyphens)")
        elif pid in seen:
            f.problem("id", f"duplicate id '{pid}' (first on line {seen[pid]})")
        seen.setdefault(pid, line)
        kind = f.choice("kind", model.LEGAL_AID_KINDS)
        township = f.text("township", required=False)
        if township and township not in townships:
            f.problem("township", f"unknown township '{township}' (not in data/{TOWNSHIPS_FILE})")
        # A hotline has no place on the map; every other kind must have one, in a stated datum.
        lat, lon = f.coordinates(required=kind != "hotline")
        datum = f.text("datum", required=lat is not None)
        if datum and datum.upper().replace("_", "-") not in ("WGS-84", "WGS84"):
            f.problem("datum", f"'{datum}' is not WGS-84: store WGS-84 (GPS) coordinates; the site converts for maps")
        places.append(model.LegalAidPlace(
            id=pid, kind=kind, name_zh=f.text("name_zh"), name_en=f.text("name_en", required=False),
            address_zh=f.text("address_zh", required=kind != "hotline"), phone=f.phone("phone"),
            hours_zh=f.text("hours_zh"), services_zh=f.text("services_zh"), township=township,
            lat=lat, lon=lon, datum="WGS-84"))
    return places


def load_registry(data_dir: str | Path) -> model.Registry:
    """Load and validate the registry in ``data_dir``.

    :raises RegistryError: listing every problem found in every file.
    """
    base = Path(data_dir)
    problems: list[Problem] = []
    if not base.is_dir():
        raise RegistryError([Problem(str(base), 0, "(directory)", "registry directory does not exist")])
    county, departments = _load_county(base / COUNTY_FILE, problems)
    townships = _load_townships(base / TOWNSHIPS_FILE, problems)
    subs = _load_subcontractors(base / SUBCONTRACTORS_FILE, problems)
    projects = _load_projects(base / PROJECTS_FILE, problems, townships, departments, subs)
    legal_aid = _load_legal_aid(base / LEGAL_AID_FILE, problems, townships)
    defaulters = _load_defaulters(base / DEFAULTERS_FILE, problems)
    if problems:
        raise RegistryError(problems)
    return model.Registry(county=county, departments=departments, townships=townships, projects=projects,
                          legal_aid=tuple(legal_aid), source=base, defaulters=tuple(defaulters))
