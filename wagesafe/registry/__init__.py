"""The registry: the one source every output reads (see data/README.md for its files).

>>> from wagesafe.registry import load_registry
>>> reg = load_registry("data")
>>> reg.project("qh-001").name_zh
"""

from .loader import load_registry
from .model import (LEGAL_AID_KIND_EN, LEGAL_AID_KIND_ZH, PROJECT_STATUS_ZH, County, Defaulter, Department, Desk,
                    Hotline,
                    LegalAidPlace, MinimumWage, Person, Project, Registry, Subcontractor, Township, project_path,
                    project_url)
from .model import TEAM_ROLES, TEAM_TOLD, TeamMember
from .problems import Problem, RegistryError

__all__ = ["load_registry", "Registry", "RegistryError", "Problem", "County", "Defaulter", "Department", "Desk", "Hotline",
           "LegalAidPlace", "MinimumWage", "Person", "Project", "Subcontractor", "Township", "project_url",
           "project_path", "LEGAL_AID_KIND_ZH", "LEGAL_AID_KIND_EN", "PROJECT_STATUS_ZH",
           "TEAM_ROLES", "TEAM_TOLD", "TeamMember"]
