from .catalogue import City, Facility, FundingWindow, Theme
from .contributions import Contribution, ContributionPhase, ContributionStatus, PhaseStatus
from .ledger import (
    AccountingPeriod,
    AgreementStatus,
    Allocation,
    GrantAgreement,
    Tranche,
    TrancheStatus,
    Transaction,
    TransactionKind,
)
from .projects import PartnerRole, Project, ProjectCountry, ProjectPartner, ProjectStatus
from .rates import ExchangeRate

__all__ = [
    "AccountingPeriod",
    "AgreementStatus",
    "Allocation",
    "City",
    "Contribution",
    "ContributionPhase",
    "ContributionStatus",
    "ExchangeRate",
    "Facility",
    "FundingWindow",
    "GrantAgreement",
    "PartnerRole",
    "PhaseStatus",
    "Project",
    "ProjectCountry",
    "ProjectPartner",
    "ProjectStatus",
    "Theme",
    "Tranche",
    "TrancheStatus",
    "Transaction",
    "TransactionKind",
]
