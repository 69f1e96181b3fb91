"""Reports of different kinds run side by side; periods of one kind never overlap."""

from __future__ import annotations

import datetime as dt

import pytest

from results.models import ReportKind
from results.services import ResultsError, reporting_period_add
from tests.factories import ProjectFactory, ReportingPeriodFactory

pytestmark = pytest.mark.django_db


def test_a_financial_report_covers_the_same_year_as_the_progress_report_but_not_another_financial_one():
    progress = ReportingPeriodFactory()
    dates = {"start_date": progress.start_date, "end_date": progress.end_date, "due_date": progress.due_date}

    financial = reporting_period_add(project=progress.project, kind=ReportKind.FINANCIAL, **dates)
    assert financial.get_kind_display() == "Financial report"

    with pytest.raises(ResultsError) as refusal:
        reporting_period_add(project=progress.project, kind=ReportKind.FINANCIAL, **dates)
    assert refusal.value.message == f"This period overlaps the period {financial}."


def test_a_final_report_is_marked_as_such():
    project = ProjectFactory(start_date=dt.date(2019, 1, 1), end_date=dt.date(2020, 12, 31))

    final = reporting_period_add(
        project=project,
        kind=ReportKind.NARRATIVE,
        is_final=True,
        start_date=project.start_date,
        end_date=project.end_date,
        due_date=dt.date(2021, 3, 31),
    )

    assert (final.kind, final.is_final) == ("narrative", True)
