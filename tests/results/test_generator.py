from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum

from devtools.generators.portfolio import generate_portfolio
from devtools.generators.results import DUE_AFTER, generate_results
from grants.models import Project
from results import services
from results.models import (
    Aggregation,
    Disaggregation,
    Indicator,
    IndicatorPeriod,
    ProgressReport,
    ProjectIndicator,
    ProjectResult,
    ReportedValue,
    ReportingPeriod,
    ReportStatus,
    ReportTransition,
    Unit,
)
from results.selectors import Scope, portfolio_progress, project_results

pytestmark = pytest.mark.django_db

# Every generated project has ended by then (they start by 2025 and last at most four years).
AFTER_ALL = dt.date(2031, 1, 1)


@pytest.fixture
def portfolio() -> list[Project]:
    generate_portfolio(projects=4, seed=7)
    return list(Project.objects.order_by("code"))


def totals() -> dict:
    progress = {
        row.indicator.code: (row.achieved, [(p.year, p.in_year, p.to_date) for p in row.trend], row.splits)
        for outcome in portfolio_progress()
        for row in outcome.indicators
    }
    values = ReportedValue.objects.aggregate(total=Sum("value"), count=Count("pk"))
    return {"progress": progress, "values": values}


def test_the_same_seed_gives_the_same_totals(portfolio):
    with transaction.atomic():
        generate_results(projects=portfolio, seed=3)
        first = totals()
        transaction.set_rollback(True)
    assert not ReportedValue.objects.exists()

    generate_results(projects=Project.objects.all(), seed=3)

    assert totals() == first
    assert first["values"]["total"] > 0


def test_a_project_gets_the_same_figures_whichever_projects_come_with_it(portfolio):
    with transaction.atomic():
        generate_results(projects=portfolio[:1], seed=3)
        alone = sorted(
            ReportedValue.objects.values_list("indicator_period__project_indicator__indicator__code", "value")
        )
        transaction.set_rollback(True)

    generate_results(projects=portfolio, seed=3)

    together = ReportedValue.objects.filter(report__project=portfolio[0])
    assert sorted(together.values_list("indicator_period__project_indicator__indicator__code", "value")) == alone


def test_every_project_gets_three_results_of_three_indicators_over_eight_periods(portfolio):
    summary = generate_results(projects=portfolio, seed=1, today=AFTER_ALL)

    assert summary.projects == 4
    assert summary.framework_created
    for project in portfolio:
        assert ProjectResult.objects.filter(project=project).count() == 3
        assert ProjectIndicator.objects.filter(project=project).count() == 3 * 3
        periods = list(ReportingPeriod.objects.filter(project=project).order_by("start_date"))
        assert len(periods) == 8
        assert IndicatorPeriod.objects.filter(period__project=project).count() == 3 * 3 * 8
        assert ReportedValue.objects.filter(report__project=project).count() == 3 * 3 * 8
        assert ProgressReport.objects.filter(project=project, status=ReportStatus.APPROVED).count() == 8
        # The periods cover the project's dates one after the other, each report due 30 days after.
        assert periods[0].start_date == project.start_date
        assert periods[-1].end_date == project.end_date
        for before, after in pairwise(periods):
            assert (after.start_date - before.end_date).days == 1
        assert all(period.due_date == period.end_date + DUE_AFTER for period in periods)
    assert ReportTransition.objects.count() == 2 * 8 * 4
    assert summary.values == ReportedValue.objects.count() == 4 * 3 * 3 * 8


def test_the_framework_covers_every_way_of_adding_up():
    generate_portfolio(projects=1, seed=2)
    generate_results(projects=Project.objects.all(), seed=1)

    rules = set(Indicator.objects.values_list("aggregation", "unit", "disaggregation"))
    assert (Aggregation.SUM, Unit.COUNT, Disaggregation.SEX) in rules
    assert (Aggregation.LATEST, Unit.PERCENTAGE, "") in rules
    assert {rule for rule, _, _ in rules} == set(Aggregation.values)
    assert all(indicator.targets.exists() for indicator in Indicator.objects.all())


def test_every_generated_value_passes_the_checks_a_reporter_goes_through(portfolio):
    generate_results(projects=portfolio, seed=5)

    for report in ProgressReport.objects.select_related("project", "period"):
        rows = list(
            IndicatorPeriod.objects.filter(period=report.period)
            .select_related("project_indicator__indicator", "reported")
            .prefetch_related("reported__splits", "reported__places")
        )
        typed = {
            row.pk: services.ValueInput(
                value=str(row.reported.value),
                splits={split.category: str(split.value) for split in row.reported.splits.all()},
                city_ids=[place.city_id for place in row.reported.places.all() if place.city_id],
                countries=[str(place.country) for place in row.reported.places.all() if not place.city_id],
            )
            for row in rows
        }
        checked, errors = services._check_values(rows, typed, report.project)

        assert not errors, (report, dict(errors))
        for row in rows:
            assert checked[row.pk].value == row.reported.value
            assert checked[row.pk].splits == {s.category: s.value for s in row.reported.splits.all()}
            assert row.target_value is None or row.target_value >= 0
            if row.project_indicator.indicator.unit == Unit.PERCENTAGE:
                assert row.target_value <= 100


def test_the_generated_portfolio_adds_up_by_every_rule_and_scope(portfolio):
    generate_results(projects=portfolio, seed=5)

    progress = {row.indicator.code: row for outcome in portfolio_progress() for row in outcome.indicators}
    country = str(portfolio[0].countries.first().country)
    scoped = portfolio_progress(scope=Scope(country=country))

    assert any(row.achieved > 0 for row in progress.values())
    assert all(row.achieved <= 100 for row in progress.values() if row.indicator.unit == Unit.PERCENTAGE)
    people = [row for row in progress.values() if row.indicator.disaggregation == Disaggregation.SEX and row.has_data]
    assert all(sum(row.splits.values(), Decimal(0)) <= row.achieved for row in people)
    assert scoped


def test_projects_that_have_results_are_left_alone(portfolio):
    generate_results(projects=portfolio[:2], seed=1)
    before = ReportedValue.objects.count()

    again = generate_results(projects=portfolio, seed=1)

    assert again.projects == 2
    assert not again.framework_created
    assert ReportedValue.objects.count() == before + 2 * 3 * 3 * 8
    assert Indicator.objects.count() == 12


def test_reports_can_be_left_awaiting_review(portfolio):
    generate_results(projects=portfolio[:1], seed=1, approve=False, today=AFTER_ALL)

    assert set(ProgressReport.objects.values_list("status", flat=True)) == {ReportStatus.SUBMITTED}
    assert ProgressReport.objects.filter(approved_at__isnull=True).count() == 8
    assert all(
        outcome.indicators and not any(row.has_data for row in outcome.indicators) for outcome in portfolio_progress()
    )


def test_a_period_that_has_not_ended_has_a_draft_that_counts_nowhere(portfolio):
    project = portfolio[0]
    today = project.start_date + (project.end_date - project.start_date) / 2

    generate_results(projects=[project], seed=1, today=today)

    reports = list(ProgressReport.objects.select_related("period").order_by("period__start_date"))
    ended = [report for report in reports if report.period.end_date < today]
    running = [report for report in reports if report.period.end_date >= today]
    assert len(reports) == 8 and ended and running
    assert {report.status for report in ended} == {ReportStatus.APPROVED}
    assert all(report.approved_at.date() < today for report in ended)
    assert {report.status for report in running} == {ReportStatus.DRAFT}
    assert not ReportTransition.objects.filter(report__in=running).exists()
    assert ReportedValue.objects.count() == 3 * 3 * 8
    shown = project_results(project)
    cells = [cell for block in shown.blocks for row in block.rows for cell in row.cells]
    assert {cell.period.pk for cell in cells if cell.actual is not None} == {report.period_id for report in ended}


def test_generate_results_command_covers_projects_without_results(portfolio, capsys):
    call_command("generate_results", seed=2)
    assert "Generated results for 4 projects" in capsys.readouterr().out

    call_command("generate_results", seed=2)
    assert "nothing was changed" in capsys.readouterr().out
