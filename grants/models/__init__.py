from .catalogue import City, Facility, FundingWindow, Theme
from .contributions import Contribution, ContributionPhase, ContributionStatus, PhaseStatus
from .projects import PartnerRole, Project, ProjectCountry, ProjectPartner, ProjectStatus
from .rates import ExchangeRate

__all__ = [
    "City",
    "Contribution",
    "ContributionPhase",
    "ContributionStatus",
    "ExchangeRate",
    "Facility",
    "FundingWindow",
    "PartnerRole",
    "PhaseStatus",
    "Project",
    "ProjectCountry",
    "ProjectPartner",
    "ProjectStatus",
    "Theme",
]
