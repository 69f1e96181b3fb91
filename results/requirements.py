"""The standard reporting requirements of a grant: what the partner owes and when, planned in one step.

Every year of the grant's term has a progress report (narrative and results) and a financial report, each due
some days after the year ends; the last financial report is the final one, and a final narrative report covers
the whole term. Planning again adds only what is missing: a report of a kind whose period overlaps one the
project already owes is left out, so nothing is ever owed twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from grants.models import Project

from .models import ReportingPeriod, ReportKind
from .services import ResultsError, reporting_period_add

DUE_AFTER_DAYS = 60
FINAL_DUE_AFTER_DAYS = 90


def _years(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    periods = []
    while start <= end:
        try:
            following = start.replace(year=start.year + 1)
        except ValueError:  # 29 February
            following = start.replace(year=start.year + 1, day=28)
        periods.append((start, min(following - dt.timedelta(days=1), end)))
        start = following
    return periods


@transaction.atomic
def reporting_requirements_plan(
    *, project: Project, due_after_days: int = DUE_AFTER_DAYS, final_due_after_days: int = FINAL_DUE_AFTER_DAYS
) -> list[ReportingPeriod]:
    """Add the standard reports the project owes and does not owe yet; returns those added."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not (project.start_date and project.end_date):
        raise ResultsError(_("Give the project its start and end dates first."))
    years = _years(project.start_date, project.end_date)
    final_due = project.end_date + dt.timedelta(days=final_due_after_days)
    wanted: list[tuple[str, dt.date, dt.date, dt.date, bool]] = []
    for number, (start, end) in enumerate(years, start=1):
        last = number == len(years)
        wanted.append((ReportKind.PROGRESS, start, end, end + dt.timedelta(days=due_after_days), False))
        wanted.append(
            (ReportKind.FINANCIAL, start, end, final_due if last else end + dt.timedelta(days=due_after_days), last)
        )
    wanted.append((ReportKind.NARRATIVE, project.start_date, project.end_date, final_due, True))
    owed = list(ReportingPeriod.objects.filter(project=project).values_list("kind", "start_date", "end_date"))
    added = []
    for kind, start, end, due, is_final in wanted:
        if any(k == kind and s <= end and e >= start for k, s, e in owed):
            continue
        added.append(
            reporting_period_add(
                project=project, kind=kind, start_date=start, end_date=end, due_date=due, is_final=is_final
            )
        )
    return added
