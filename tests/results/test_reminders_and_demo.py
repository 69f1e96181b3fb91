"""Reminders of reports due, and the demo framework taken from the partnership's documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db.models import F, Q

from devtools.generators.results import generate_results
from grants.models import Project
from results import tasks
from results.models import Aggregation, Indicator, ProgressReport, ReportedValue, ReportStatus
from results.selectors import portfolio_progress
from results.services import report_approve
from tests.factories import ProjectFactory, ReportingPeriodFactory, StaffFactory
from tests.results.helpers import reporter_of, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def period():
    project = ProjectFactory(start_date=dt.date(2025, 1, 1), end_date=dt.date(2026, 12, 31))
    reporter_of(project)
    return ReportingPeriodFactory(
        project=project, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31), due_date=dt.date(2026, 3, 31)
    )


@pytest.mark.parametrize(
    ("today", "reminded"),
    [
        (dt.date(2026, 3, 17), True),  # two weeks before
        (dt.date(2026, 3, 18), False),
        (dt.date(2026, 3, 31), True),  # on the day
        (dt.date(2026, 4, 6), False),
        (dt.date(2026, 4, 7), True),  # a week overdue
        (dt.date(2026, 4, 14), True),  # two weeks overdue
    ],
)
def test_partners_are_reminded_before_on_and_weekly_after_the_due_date(period, today, reminded):
    with time_machine.travel(dt.datetime(today.year, today.month, today.day, 9), tick=False):
        tasks.remind_reports_due()

    assert bool(mail.outbox) is reminded
    if reminded:
        assert period.project.code in mail.outbox[0].subject
        assert mail.outbox[0].to == [reporter_of(period.project).email]


def test_no_reminder_once_the_report_is_submitted(period):
    submitted(period, {})
    mail.outbox.clear()

    with time_machine.travel(dt.datetime(2026, 3, 31, 9), tick=False):
        tasks.remind_reports_due()

    assert mail.outbox == []


def test_the_demo_framework_holds_the_published_targets():
    call_command("load_demo")

    targets = {
        indicator.code: (indicator.targets.get().year, indicator.targets.get().value)
        for indicator in Indicator.objects.filter(targets__isnull=False).prefetch_related("targets")
    }
    assert targets["LPS-1"] == (2017, Decimal(43))
    assert targets["NPF-1"] == (2017, Decimal(7))
    assert targets["NPF-2"] == (2017, Decimal(3))
    assert targets["NPF-3"] == (2017, Decimal(5))
    assert targets["CIT-1"] == (2017, Decimal(44))
    assert targets["CIT-2"] == (2017, Decimal(12))
    assert targets["CIT-3"] == (2017, Decimal(25))
    assert targets["CAP-1"] == (2017, Decimal(21))
    assert targets["CAP-2"] == (2017, Decimal(3))
    assert targets["IMP-1"] == (2021, Decimal(20_000_000))
    assert targets["IMP-2"] == (2021, Decimal(60))
    assert targets["IMP-3"] == (2021, Decimal(7))
    assert set(Indicator.objects.values_list("aggregation", flat=True)) >= {
        Aggregation.SUM,
        Aggregation.LATEST,
        Aggregation.DISTINCT_CITIES,
        Aggregation.DISTINCT_COUNTRIES,
    }


def test_the_demo_counts_jinja_once_though_three_projects_name_it():
    call_command("load_demo")

    progress = {item.indicator.code: item for outcome in portfolio_progress() for item in outcome.indicators}

    # CP-UGA-2014 (five municipalities) and JWP-GLB-2022 (Jinja, Tamale) both name Jinja.
    assert progress["CAP-1"].achieved == 6
    assert ProgressReport.objects.filter(status=ReportStatus.SUBMITTED, project__code="CUF-LBR-2019").exists()
    assert not ProgressReport.objects.filter(project__code="JWP-GLB-2022", period__start_date__year=2025).exists()


def inconsistent_copies():
    """Values whose copied indicator, project, period end or approval disagree with their report."""
    return ReportedValue.objects.exclude(
        indicator_id=F("indicator_period__project_indicator__indicator_id"),
        project_id=F("report__project_id"),
        period_end=F("indicator_period__period__end_date"),
        is_approved=Q(report__status=ReportStatus.APPROVED),
    )


def test_every_writer_keeps_the_copies_on_values_in_step_with_their_reports():
    call_command("load_demo")
    generate_results(projects=list(Project.objects.filter(results__isnull=True)[:3]), seed=5)
    period = ProgressReport.objects.filter(status=ReportStatus.SUBMITTED, period__kind="progress").first().period
    approve = ProgressReport.objects.get(period=period)
    report_approve(report=approve, user=StaffFactory())

    assert ReportedValue.objects.filter(report=approve, is_approved=True).exists()
    assert ReportedValue.objects.count() > 100
    assert not inconsistent_copies().exists()
