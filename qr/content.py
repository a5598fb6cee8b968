"""What one poster prints: every value taken from the registry, checked, in one record.

Separating the values from the drawing gives two things: the fingerprint (a hash of exactly what
is printed, so a poster is rebuilt when and only when something on it changed, including a
county-wide value such as the minimum wage or a hotline) and a picklable record that pool workers
render without loading the registry. A value the law requires on the notice (art. 34) that is
empty stops that one poster with an error naming the project and the field.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from wagesafe.registry import Project, Registry

from .errors import MissingFieldError
from .urls import poster_url

# Bump when the drawing changes, so every poster is rebuilt once with the new layout.
LAYOUT_VERSION = "2026-3"  # 2026-3: mediation channel and legal-aid centre (条例 art. 34(3)); hotlines under the QR
# (2026-2: legibility pass: 28 pt headings, 36 pt call to action, 9 cm QR)


@dataclass(frozen=True)
class PosterContent:
    """The printed values of one project's notice, as display strings."""

    code: str
    url: str
    name_zh: str
    name_en: str
    address_zh: str
    builder: str
    general_contractor: str
    gc_project_department: str
    gc_project_manager: str
    subcontractors: tuple[str, ...]
    labour_manager: str
    labour_manager_phone: str
    authority_name: str
    authority_phone: str
    minimum_monthly: str
    minimum_hourly: str
    minimum_from: str
    payment_day: str
    inspection_name: str
    inspection_phone: str
    arbitration_name: str
    arbitration_phone: str
    legal_aid_phone: str
    hotline_12333: str
    hotline_12348: str
    county_name: str
    township_name: str
    officer_name: str
    officer_mobile: str
    fictional: bool
    # The province's unified QR code (PROVINCIAL_QR_URL, issue 18), printed smaller beside ours; "" for none.
    provincial_url: str = ""
    provincial_label: str = ""
    no_subcontractor: bool = False  # the registry says nothing is subcontracted (not merely none listed)
    # Art. 34(3) 劳动争议调解仲裁申请渠道: where to apply for mediation (the township's body or the
    # arbitration court's window, ``Registry.mediation_for``) and the legal-aid centre (法律援助申请渠道).
    mediation_name: str = ""
    mediation_place: str = ""
    mediation_phone: str = ""
    legal_aid_centre: str = ""
    legal_aid_centre_phone: str = ""

    def fingerprint(self, fonts_identity: str = "") -> str:
        """A hash of every printed value, the layout version and the fonts: equal means the same poster."""
        doc = {"layout": LAYOUT_VERSION, "fonts": fonts_identity, "content": asdict(self)}
        raw = json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(raw).hexdigest()[:32]


def _yuan(value: float) -> str:
    """18.5 → '18.5', 19.0 → '19': how a price is written on a notice."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _required(code: str, field: str, value, where: str = "data/projects.csv") -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise MissingFieldError(code, field, where)
    return text


def poster_content(registry: Registry, project: Project, base_url: str, provincial_url: str = "",
                   provincial_label: str = "") -> PosterContent:
    """Collect and check the values printed on ``project``'s notice.

    :param base_url: the checked public base URL (``urls.check_base_url``).
    :raises MissingFieldError: a value the notice must show is empty; names the project and the field.
    """
    code = project.code
    req = lambda field, value, where="data/projects.csv": _required(code, field, value, where)  # noqa: E731
    county = registry.county
    authority = registry.departments.get(project.industry_authority)
    if authority is None:
        raise MissingFieldError(code, "industry_authority")
    township = registry.townships.get(project.township)
    if township is None:
        raise MissingFieldError(code, "township")
    duty_who, duty_phone = township.duty_line
    if not duty_phone:
        raise MissingFieldError(code, f"officer_mobile or duty_phone of township {township.code}", "data/townships.csv")
    wage = county.minimum_wage
    if not wage or not wage.monthly_yuan:
        raise MissingFieldError(code, "county.minimum_wage.monthly_yuan", "data/county.yaml")
    if not project.wage_payment_day or not 1 <= int(project.wage_payment_day) <= 31:
        raise MissingFieldError(code, "wage_payment_day")
    hotline = lambda n: registry.hotline(n).number if registry.hotline(n) else n  # noqa: E731
    mediation = registry.mediation_for(township.code)
    if mediation is None:
        raise MissingFieldError(code, "county.mediation (name_zh, place_zh, phone)", "data/county.yaml")
    centre_name, centre_phone = _legal_aid_centre(registry)
    if not centre_phone:
        raise MissingFieldError(code, "a legal-aid centre (kind centre) with its phone", "data/legal_aid.csv")
    return PosterContent(
        code=code, url=poster_url(base_url, code),
        name_zh=req("name_zh", project.name_zh), name_en=(project.name_en or "").strip(),
        address_zh=(project.address_zh or "").strip(),
        builder=req("builder", project.builder),
        general_contractor=req("general_contractor", project.general_contractor),
        gc_project_department=req("gc_project_department", project.gc_project_department),
        gc_project_manager=req("gc_project_manager", project.gc_project_manager),
        subcontractors=tuple(f"{s.name}（{s.scope}）" if s.scope else s.name for s in project.subcontractors),
        labour_manager=req("labour_manager", project.labour_manager),
        labour_manager_phone=req("labour_manager_phone", project.labour_manager_phone),
        authority_name=req(f"departments[{authority.code}].name_zh", authority.name_zh, "data/county.yaml"),
        authority_phone=req(f"departments[{authority.code}].complaint_phone",
                            authority.complaint_phone or authority.contact.phone, "data/county.yaml"),
        minimum_monthly=str(wage.monthly_yuan),
        minimum_hourly=req("county.minimum_wage.hourly_yuan", _yuan(wage.hourly_yuan) if wage.hourly_yuan else "",
                           "data/county.yaml"),
        minimum_from=wage.effective_from.isoformat() if wage.effective_from else "",
        payment_day=str(int(project.wage_payment_day)),
        inspection_name=req("labour_inspection.name_zh", county.desk.name_zh, "data/county.yaml"),
        inspection_phone=req("labour_inspection.phone", county.desk.phone, "data/county.yaml"),
        arbitration_name=req("county.arbitration_zh", county.arbitration_zh, "data/county.yaml"),
        arbitration_phone=req("county.arbitration_phone", county.arbitration_phone, "data/county.yaml"),
        legal_aid_phone=(county.legal_aid_phone or "12348").strip(),
        hotline_12333=hotline("12333"), hotline_12348=hotline("12348"),
        county_name=county.name_zh, township_name=township.name_zh,
        # The township's duty line (Township.duty_line): the same whoever is on leave, so an absence
        # rebuilds no poster; the desk's duty roster decides who takes the complaint.
        officer_name=duty_who, officer_mobile=duty_phone,
        fictional=bool(county.fictional),
        provincial_url=(provincial_url or "").strip(),
        provincial_label=(provincial_label or "").strip() if (provincial_url or "").strip() else "",
        no_subcontractor=project.says_no_subcontractor,
        mediation_name=mediation.name_zh, mediation_place=mediation.place_zh, mediation_phone=mediation.phone,
        legal_aid_centre=centre_name, legal_aid_centre_phone=centre_phone,
    )


def _legal_aid_centre(registry: Registry) -> tuple[str, str]:
    """(name, phone) of the county's legal-aid centre: the legal-aid list's centre, else the department
    of kind legal_aid; ("", "") when the registry has neither."""
    for place in registry.legal_aid:
        if place.kind == "centre" and place.phone:
            return place.name_zh, place.phone
    for dep in registry.departments.values():
        if dep.kind == "legal_aid" and (dep.complaint_phone or dep.contact.phone):
            return dep.name_zh, dep.complaint_phone or dep.contact.phone
    return "", ""
