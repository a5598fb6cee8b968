"""一项目一专班 (seed 002): the project's 网格员 and 行业监管员 are told of a new complaint on it.

They are not the officer who must act (the township's 农民工服务专员 is); they are the people who
walk the site and supervise the builder, and the seeds want them in from the first day. So they
get their own notice kind (``zhuanban``), by SMS (the registry holds their mobile, not an email),
with the case number, the project and the township that holds it, and no personal data: an SMS
sits on a lock screen. ``TEAM_NOTICES=0`` turns them off.
"""

from __future__ import annotations

from wagesafe.registry import TEAM_TOLD, Project, Registry

from .notices import Notice

KIND = "zhuanban"


def new_case_team_notices(c: dict, project: Project | None, registry: Registry, config) -> list[Notice]:
    """SMS to the project's team members in ``TEAM_TOLD`` (网格员, 行业监管员), once each."""
    if project is None or not getattr(config, "team_notices", True):
        return []
    township = registry.townships.get(project.township)
    holder = township.name_zh if township else "县劳动保障监察大队"
    seen, out = set(), []
    for member in project.team:
        if member.role in TEAM_TOLD and member.mobile not in seen:
            seen.add(member.mobile)
            out.append(Notice(KIND, "sms", member.mobile, "",
                              f"【薪安通】{member.role_zh}{member.name}：您专班的项目{project.code}"
                              f"（{project.name_zh[:20]}）收到欠薪投诉（案件{c['id']}），由{holder}承办，请协助核查。"))
    return out
