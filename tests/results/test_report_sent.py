"""Whether a period's report is sent in is kept on the period by the database, whichever door writes the report,
and the periods still owed (the work queue's overdue reports, the reminders) are read from it."""

from __future__ import annotations

import datetime as dt

import pytest

from common.figures import portfolio_changed
from results.models import ProgressReport, ReportingPeriod, ReportStatus
from results.selectors import overdue_report_count, partners_most_overdue, reports_due
from results.services import report_approve, report_return, report_submit
from tests.factories import ProjectFactory, ReportingPeriodFactory
from tests.results.helpers import approved, draft, reporter_of, secretariat

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 6)


def sent(period: ReportingPeriod) -> bool:
    return ReportingPeriod.objects.values_list("report_sent", flat=True).get(pk=period.pk)


def test_each_step_of_the_report_marks_its_period_sent_in_or_owed():
    period = ReportingPeriodFactory(project=ProjectFactory(end_date=dt.date(2025, 12, 31)))
    partner = reporter_of(period.project)
    assert not sent(period) and overdue_report_count(today=TODAY) == 1

    report = draft(period, {}, by=partner)
    assert not sent(period) and overdue_report_count(today=TODAY) == 1

    report = report_submit(report=report, user=partner)
    assert sent(period) and overdue_report_count(today=TODAY) == 0
    assert list(reports_due(on=TODAY)) == []

    report = report_return(report=report, user=secretariat(), comment="Add the forum minutes.")
    assert not sent(period) and overdue_report_count(today=TODAY) == 1
    assert [(p.organisation_id, p.overdue) for p in partners_most_overdue(today=TODAY)] == [
        (partner.organisation_roles.get().organisation_id, 1)
    ]

    report_approve(report=report_submit(report=report, user=partner), user=secretariat())
    assert sent(period) and overdue_report_count(today=TODAY) == 0
    assert partners_most_overdue(today=TODAY) == []


def test_reports_written_in_bulk_as_an_import_does_and_removed_move_their_periods():
    """Writes around `save()` announce the change themselves (`portfolio_changed`, common/figures.py), so that the
    overdue count, kept for the day, is read again."""
    project = ProjectFactory(end_date=dt.date(2025, 12, 31))
    first = ReportingPeriodFactory(project=project)
    second = ReportingPeriodFactory(project=project)
    third = ReportingPeriodFactory(project=project)

    ProgressReport.objects.bulk_create(
        [
            ProgressReport(project=project, period=first, status=ReportStatus.APPROVED),
            ProgressReport(project=project, period=second, status=ReportStatus.DRAFT),
        ]
    )
    portfolio_changed(ProgressReport)
    assert [sent(first), sent(second), sent(third)] == [True, False, False]
    assert overdue_report_count(today=TODAY) == 2

    ProgressReport.objects.filter(period=second).update(status=ReportStatus.SUBMITTED)
    portfolio_changed(ProgressReport)
    assert sent(second) and overdue_report_count(today=TODAY) == 1

    ProgressReport.objects.filter(period=first).delete()
    assert not sent(first) and overdue_report_count(today=TODAY) == 2


def test_a_period_approved_by_the_services_is_not_owed(client):
    period = ReportingPeriodFactory(project=ProjectFactory(end_date=dt.date(2025, 12, 31)))
    approved(period, {})

    assert sent(period)
    assert overdue_report_count(today=TODAY) == 0
