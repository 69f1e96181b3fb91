"""A project's results framework: baselines, targets per period and approved actuals, with totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grants.models import Project
from results.models import ProjectIndicator, ProjectResult, ReportingPeriod
from results.selectors import IndicatorRow, ProjectResults, project_results
from results.services import ResultsError, ValueInput, period_targets_set, project_indicator_add, project_result_add
from tests.factories import (
    CityFactory,
    IndicatorFactory,
    OutcomeFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectIndicatorFactory,
    ProjectResultFactory,
    ReportingPeriodFactory,
)
from tests.results.helpers import approved, draft, returned, submitted

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def project() -> Project:
    project = ProjectFactory(code="CP-UGA-2019", start_date=dt.date(2019, 1, 1), end_date=dt.date(2022, 12, 31))
    ProjectCountryFactory(project=project, country="UG")
    return project


def years(project: Project, *numbers: int) -> list[ReportingPeriod]:
    return [
        ReportingPeriodFactory(
            project=project,
            start_date=dt.date(number, 1, 1),
            end_date=dt.date(number, 12, 31),
            due_date=dt.date(number + 1, 1, 31),
        )
        for number in numbers
    ]


def targets(project_indicator: ProjectIndicator, periods: list[ReportingPeriod], *values: str | None) -> None:
    for period, value in zip(periods, values, strict=True):
        period_targets_set(period=period, targets={project_indicator.pk: None if value is None else D(value)})


def only_row(results: ProjectResults) -> IndicatorRow:
    [block] = results.blocks
    [row] = block.rows
    return row


def cells(row: IndicatorRow) -> list[tuple[ReportingPeriod, Decimal | None, Decimal | None]]:
    return [(cell.period, cell.target, cell.actual) for cell in row.cells]


def test_a_row_shows_the_baseline_targets_and_only_approved_actuals(project):
    periods = years(project, 2019, 2020, 2021, 2022)
    result = project_result_add(project=project, outcome=OutcomeFactory(), title="Residents shape upgrading plans")
    people = project_indicator_add(
        result=result,
        indicator=IndicatorFactory(name="People reached"),
        baseline_value=D(0),
        baseline_date=dt.date(2018, 12, 1),
    )
    targets(people, periods, "10", "20", "30", None)
    approved(periods[0], {people: "8"})
    submitted(periods[1], {people: "15"})
    returned(periods[2], {people: "25"})
    draft(periods[3], {people: "40"})

    results = project_results(project)

    assert results.periods == periods
    [block] = results.blocks
    assert block.result == result
    [row] = block.rows
    assert (row.project_indicator, row.indicator) == (people, people.indicator)
    assert (row.project_indicator.baseline_value, row.project_indicator.baseline_date) == (D(0), dt.date(2018, 12, 1))
    assert cells(row) == [
        (periods[0], D(10), D(8)),
        (periods[1], D(20), None),
        (periods[2], D(30), None),
        (periods[3], None, None),
    ]
    assert (row.target, row.achieved, row.percent) == (D(60), D(8), D(13))


def test_a_sum_adds_up_its_targets_and_its_actuals(project):
    periods = years(project, 2019, 2020)
    people = ProjectIndicatorFactory(result__project=project)
    targets(people, periods, "10", "30")
    approved(periods[0], {people: "12"})
    approved(periods[1], {people: "18"})

    row = only_row(project_results(project))

    assert (row.target, row.achieved, row.percent) == (D(40), D(30), D(75))


def test_a_highest_takes_the_largest_target_and_the_largest_actual(project):
    periods = years(project, 2019, 2020, 2021)
    plans = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(highest=True))
    targets(plans, periods, "2", "3", "1")
    approved(periods[0], {plans: "3"})
    approved(periods[1], {plans: "1"})

    row = only_row(project_results(project))

    assert (row.target, row.achieved, row.percent) == (D(3), D(3), D(100))


def test_latest_takes_the_largest_target_and_the_last_approved_actual(project):
    periods = years(project, 2019, 2020, 2021)
    share = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(percentage=True))
    targets(share, periods, "30", "60", "50")
    approved(periods[0], {share: "45"})
    approved(periods[1], {share: "40"})
    submitted(periods[2], {share: "90"})

    row = only_row(project_results(project))

    assert (row.target, row.achieved, row.percent) == (D(60), D(40), D(67))


def test_a_distinct_count_counts_the_places_named_in_approved_reports_once(project):
    kampala, jinja, gulu = (CityFactory(name=name, country="UG") for name in ("Kampala", "Jinja", "Gulu"))
    project.cities.add(kampala, jinja, gulu)
    periods = years(project, 2019, 2020, 2021)
    cities = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(cities=True))
    targets(cities, periods, "2", "3", "3")
    approved(periods[0], {cities: ValueInput(city_ids=[kampala.pk, jinja.pk])})
    approved(periods[1], {cities: ValueInput(city_ids=[kampala.pk])})
    submitted(periods[2], {cities: ValueInput(city_ids=[gulu.pk])})

    row = only_row(project_results(project))

    assert row.places == ["Jinja, Uganda", "Kampala, Uganda"]
    assert [cell.actual for cell in row.cells] == [D(2), D(1), None]
    assert (row.target, row.achieved, row.percent) == (D(3), D(2), D(67))


def test_a_negative_target_is_refused_and_no_target_changes(project):
    [period] = years(project, 2019)
    people, plans = ProjectIndicatorFactory(result__project=project), ProjectIndicatorFactory(result__project=project)
    targets(people, [period], "10")

    with pytest.raises(ResultsError) as refusal:
        period_targets_set(period=period, targets={people.pk: D(20), plans.pk: D(-1)})

    assert (refusal.value.message, refusal.value.field) == ("A target cannot be negative.", f"target-{plans.pk}")
    assert [cell.target for block in project_results(project).blocks for row in block.rows for cell in row.cells] == [
        D(10),
        None,
    ]


def test_a_row_without_targets_or_approved_values_has_no_totals(project):
    years(project, 2019)
    ProjectIndicatorFactory(result__project=project)

    row = only_row(project_results(project))

    assert (row.target, row.achieved, row.percent) == (None, None, None)


def test_results_come_in_their_order_with_their_indicators_and_empty_results_are_left_out(project):
    years(project, 2019)
    outcome = OutcomeFactory()
    second = ProjectResultFactory(project=project, outcome=outcome, title="Finance mobilised", order=2)
    first = ProjectResultFactory(project=project, outcome=outcome, title="Plans adopted", order=1)
    ProjectResultFactory(project=project, outcome=outcome, title="Nothing measured yet", order=3)
    money = ProjectIndicatorFactory(result=second, indicator=IndicatorFactory(), order=1)
    plans = ProjectIndicatorFactory(result=first, indicator=IndicatorFactory(highest=True), order=2)
    forums = ProjectIndicatorFactory(result=first, indicator=IndicatorFactory(latest=True), order=1)
    ProjectIndicatorFactory(result__project=ProjectFactory())

    results = project_results(project)

    assert [(block.result, [row.project_indicator for row in block.rows]) for block in results.blocks] == [
        (first, [forums, plans]),
        (second, [money]),
    ]
    assert not results.is_empty


def test_a_project_without_results_is_empty(project):
    years(project, 2019)

    assert project_results(project).is_empty


def add_indicators(project: Project, count: int, outcome) -> None:
    kinds = [{}, {"highest": True}, {"latest": True}, {"cities": True}, {"by_sex": True}]
    result = ProjectResult.objects.create(project=project, outcome=outcome, title=f"Result {count}")
    for number in range(count):
        ProjectIndicatorFactory(result=result, indicator=IndicatorFactory(**kinds[number % len(kinds)]))


def report_everything(project: Project) -> None:
    kampala = project.cities.get()
    for period in project.reporting_periods.all():
        if hasattr(period, "report"):
            continue
        values = {
            measured: ValueInput(value="3", city_ids=[kampala.pk])
            for measured in ProjectIndicator.objects.filter(project=project)
        }
        approved(period, values)


def test_project_results_take_the_same_number_of_queries_for_1_or_many_periods_and_indicators(project):
    project.cities.add(CityFactory(name="Kampala", country="UG"))
    outcome = OutcomeFactory()
    years(project, 2019)
    add_indicators(project, 1, outcome)
    report_everything(project)

    with CaptureQueriesContext(connection) as small:
        project_results(project)
    years(project, 2020, 2021, 2022)
    add_indicators(project, 9, outcome)
    report_everything(project)
    with CaptureQueriesContext(connection) as large:
        results = project_results(project)

    assert len(large) == len(small) <= 5
    assert len(results.periods) == 4
    assert sum(len(block.rows) for block in results.blocks) == 10
    assert all(cell.actual is not None for block in results.blocks for row in block.rows for cell in row.cells[1:])
