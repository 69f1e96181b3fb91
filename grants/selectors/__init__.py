"""Read queries of the funding side, each in a constant number of queries."""

from .ledger import (
    Breakdown,
    ContributionFigures,
    ProjectMoney,
    contribution_figures,
    money_by,
    project_money,
    tranches_due,
)
from .portfolio import (
    PortfolioHeadline,
    active_contributions,
    portfolio_headline,
    project_detail,
    project_list,
    public_projects,
    public_transactions,
    rate_on,
)

__all__ = [
    "Breakdown",
    "ContributionFigures",
    "PortfolioHeadline",
    "ProjectMoney",
    "active_contributions",
    "contribution_figures",
    "money_by",
    "portfolio_headline",
    "project_detail",
    "project_list",
    "project_money",
    "public_projects",
    "public_transactions",
    "rate_on",
    "tranches_due",
]
