"""What a donor's money did: its contributions, where they went, the projects and results they fund.

Every read is scoped to one donor here; a donor user reaches only the donors it acts for.
Each figure takes a constant number of queries, whatever the number of projects.

The reads live in modules by job; their names are given here too, so that `selectors.donor_figures` and
`from donors.selectors import donor_statement` read as before.
"""

from .access import (
    acts_for_a_donor,
    acts_for_donor,
    donor_for,
    donors,
    donors_active_between,
    donors_of,
    sees_every_donor,
)
from .breakdowns import CHART_ROWS, DIMENSIONS, ShareBreakdown, ShareRow
from .contributions import agreement_span, donor_contributions, donor_currencies, donor_currency, funded_projects
from .conversion import Conversion, Received, received_in
from .figures import ConvertedContribution, DonorFigures, Totals, donor_figures
from .maps import donor_allocations, donor_map, donor_map_years
from .projects import (
    ConvertedProject,
    ProjectChoices,
    donor_project,
    donor_project_choices,
    donor_project_list,
    donor_projects_converted,
)
from .reports import donor_report, donor_reports, failed_report_count, last_quarter
from .results import donor_results
from .statement import DonorStatement, StatementLine, donor_statement

__all__ = [
    "CHART_ROWS",
    "DIMENSIONS",
    "Conversion",
    "ConvertedContribution",
    "ConvertedProject",
    "DonorFigures",
    "DonorStatement",
    "ProjectChoices",
    "Received",
    "ShareBreakdown",
    "ShareRow",
    "StatementLine",
    "Totals",
    "acts_for_a_donor",
    "acts_for_donor",
    "agreement_span",
    "donor_allocations",
    "donor_contributions",
    "donor_currencies",
    "donor_currency",
    "donor_figures",
    "donor_for",
    "donor_map",
    "donor_map_years",
    "donor_project",
    "donor_project_choices",
    "donor_project_list",
    "donor_projects_converted",
    "donor_report",
    "donor_reports",
    "donor_results",
    "donor_statement",
    "donors",
    "donors_active_between",
    "donors_of",
    "failed_report_count",
    "funded_projects",
    "last_quarter",
    "received_in",
    "sees_every_donor",
]
