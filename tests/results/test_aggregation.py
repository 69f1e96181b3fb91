"""Portfolio progress: how approved values add up across periods and projects, and for which slice of the portfolio."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grants.models import City, Project
from results.models import Indicator, ProjectIndicator, ReportingPeriod
from results.selectors import IndicatorProgress, Scope, portfolio_progress
from results.services import ValueInput, report_approve
from tests.factories import (
    AllocationFactory,
    CityFactory,
    ContributionFactory,
    FacilityFactory,
    FundingWindowFactory,
    IndicatorFactory,
    OrganisationFactory,
    OutcomeFactory,
    PortfolioTargetFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectIndicatorFactory,
    ReportingPeriodFactory,
    ThemeFactory,
)
from tests.results.helpers import approved, draft, returned, secretariat, submitted

pytestmark = pytest.mark.django_db

D = Decimal


def project_in(*countries: str, cities: tuple[City, ...] = (), **kwargs) -> Project:
    project = ProjectFactory(**kwargs)
    for code in countries or ("UG",):
        ProjectCountryFactory(project=project, country=code, percentage=D(100) / len(countries or ("UG",)))
    project.cities.add(*cities)
    return project


def year(project: Project, number: int) -> ReportingPeriod:
    return ReportingPeriodFactory(
        project=project,
        start_date=dt.date(number, 1, 1),
        end_date=dt.date(number, 12, 31),
        due_date=dt.date(number + 1, 1, 31),
    )


def measure(project: Project, indicator: Indicator) -> ProjectIndicator:
    return ProjectIndicatorFactory(result__project=project, indicator=indicator)


def progress(indicator: Indicator, **kwargs) -> IndicatorProgress:
    return next(
        item for outcome in portfolio_progress(**kwargs) for item in outcome.indicators if item.indicator == indicator
    )


def trend(item: IndicatorProgress) -> list[tuple[int, Decimal, Decimal]]:
    return [(point.year, point.in_year, point.to_date) for point in item.trend]


@pytest.fixture
def kampala() -> City:
    return CityFactory(name="Kampala", country="UG")


@pytest.fixture
def jinja() -> City:
    return CityFactory(name="Jinja", country="UG")


@pytest.fixture
def gulu() -> City:
    return CityFactory(name="Gulu", country="UG")


@pytest.fixture
def nairobi() -> City:
    return CityFactory(name="Nairobi", country="KE")


# How values add up


def test_a_sum_adds_every_approved_value_across_periods_and_projects():
    people = IndicatorFactory()
    first, second = project_in(), project_in()
    approved(year(first, 2019), {measure(first, people): "10"})
    approved(year(first, 2020), {first.indicators.get(): "5"})
    approved(year(second, 2020), {measure(second, people): "7"})

    item = progress(people)

    assert item.achieved == D(22)
    assert trend(item) == [(2019, D(10), D(10)), (2020, D(12), D(22))]
    assert item.has_data


def test_the_trend_is_cumulative_and_a_quiet_year_keeps_the_total():
    people = IndicatorFactory()
    project = project_in()
    measured = measure(project, people)
    year(project, 2020)
    approved(year(project, 2019), {measured: "10"})
    approved(year(project, 2021), {measured: "5"})

    assert trend(progress(people)) == [(2019, D(10), D(10)), (2020, D(0), D(10)), (2021, D(5), D(15))]


def test_the_highest_takes_the_largest_approved_value_of_any_project():
    plans = IndicatorFactory(highest=True)
    first, second = project_in(), project_in()
    approved(year(first, 2019), {measure(first, plans): "3"})
    approved(year(first, 2020), {first.indicators.get(): "2"})
    approved(year(second, 2020), {measure(second, plans): "5"})

    item = progress(plans)

    assert item.achieved == D(5)
    assert trend(item) == [(2019, D(3), D(3)), (2020, D(5), D(5))]


def test_latest_adds_up_the_latest_value_of_each_project():
    forums = IndicatorFactory(latest=True)
    first, second = project_in(), project_in()
    approved(year(first, 2019), {measure(first, forums): "4"})
    approved(year(first, 2020), {first.indicators.get(): "6"})
    approved(year(second, 2019), {measure(second, forums): "3"})

    item = progress(forums)

    assert item.achieved == D(9)
    assert trend(item) == [(2019, D(7), D(7)), (2020, D(6), D(9))]


def test_latest_takes_the_last_period_of_a_year_not_the_sum_of_its_periods():
    forums = IndicatorFactory(latest=True)
    project = project_in()
    measured = measure(project, forums)
    first_half = ReportingPeriodFactory(
        project=project, start_date=dt.date(2019, 1, 1), end_date=dt.date(2019, 6, 30), due_date=dt.date(2019, 7, 31)
    )
    second_half = ReportingPeriodFactory(
        project=project, start_date=dt.date(2019, 7, 1), end_date=dt.date(2019, 12, 31), due_date=dt.date(2020, 1, 31)
    )
    approved(second_half, {measured: "8"})
    approved(first_half, {measured: "5"})

    assert progress(forums).achieved == D(8)


def test_latest_percentages_are_averaged_over_the_projects():
    share = IndicatorFactory(percentage=True)
    first, second = project_in(), project_in()
    approved(year(first, 2019), {measure(first, share): "40"})
    approved(year(first, 2020), {first.indicators.get(): "80"})
    approved(year(second, 2021), {measure(second, share): "65"})

    item = progress(share)

    assert item.achieved == D("72.50")
    assert trend(item) == [(2019, D(40), D(40)), (2020, D(80), D(80)), (2021, D(65), D("72.50"))]


def test_two_projects_naming_the_same_city_count_it_once(kampala, jinja, gulu):
    cities = IndicatorFactory(cities=True)
    first, second = project_in(cities=(kampala, jinja)), project_in(cities=(kampala, gulu))
    approved(year(first, 2019), {measure(first, cities): ValueInput(city_ids=[kampala.pk, jinja.pk])})
    approved(year(second, 2020), {measure(second, cities): ValueInput(city_ids=[kampala.pk, gulu.pk])})

    item = progress(cities)

    assert item.achieved == D(3)
    assert trend(item) == [(2019, D(2), D(2)), (2020, D(1), D(3))]


def test_the_same_city_named_in_two_periods_counts_once(kampala):
    cities = IndicatorFactory(cities=True)
    project = project_in(cities=(kampala,))
    measured = measure(project, cities)
    approved(year(project, 2019), {measured: ValueInput(city_ids=[kampala.pk])})
    approved(year(project, 2020), {measured: ValueInput(city_ids=[kampala.pk])})

    item = progress(cities)

    assert item.achieved == D(1)
    assert trend(item) == [(2019, D(1), D(1)), (2020, D(0), D(1))]


def test_a_city_first_named_late_counts_in_the_year_it_was_first_named(kampala, jinja):
    cities = IndicatorFactory(cities=True)
    first, second = project_in(cities=(kampala,)), project_in(cities=(kampala, jinja))
    approved(year(second, 2021), {measure(second, cities): ValueInput(city_ids=[kampala.pk, jinja.pk])})
    approved(year(first, 2019), {measure(first, cities): ValueInput(city_ids=[kampala.pk])})

    assert trend(progress(cities)) == [(2019, D(1), D(1)), (2020, D(0), D(1)), (2021, D(1), D(2))]


def test_distinct_countries_count_each_country_once():
    countries = IndicatorFactory(countries=True)
    first, second = project_in("UG", "KE"), project_in("UG")
    approved(year(first, 2019), {measure(first, countries): ValueInput(countries=["UG", "KE"])})
    approved(year(second, 2020), {measure(second, countries): ValueInput(countries=["UG"])})
    approved(year(second, 2021), {second.indicators.get(): ValueInput(countries=["UG"])})

    item = progress(countries)

    assert item.achieved == D(2)
    assert trend(item) == [(2019, D(2), D(2)), (2020, D(0), D(2)), (2021, D(0), D(2))]


def test_the_women_of_a_sex_disaggregated_sum_are_added_up():
    people = IndicatorFactory(by_sex=True)
    first, second = project_in(), project_in()
    approved(
        year(first, 2019), {measure(first, people): ValueInput(value="100", splits={"female": "60", "male": "40"})}
    )
    approved(year(second, 2019), {measure(second, people): ValueInput(value="50", splits={"female": "20"})})
    submitted(year(first, 2020), {first.indicators.get(): ValueInput(value="70", splits={"female": "70"})})

    item = progress(people)

    assert (item.achieved, item.women, item.splits) == (D(150), D(80), {"female": D(80), "male": D(40)})


def test_only_sums_carry_a_split():
    plans = IndicatorFactory(highest=True, by_sex=True)
    project = project_in()
    approved(year(project, 2019), {measure(project, plans): ValueInput(value="10", splits={"female": "4"})})

    item = progress(plans)

    assert (item.achieved, item.women, item.splits) == (D(10), None, {})


# Only approved reports count


def test_only_approved_values_count_and_approving_changes_the_figure(kampala, jinja):
    people, cities = IndicatorFactory(), IndicatorFactory(cities=True)
    project = project_in(cities=(kampala, jinja))
    counted, named = measure(project, people), measure(project, cities)
    approved(year(project, 2019), {counted: "10", named: ValueInput(city_ids=[kampala.pk])})
    waiting = submitted(year(project, 2020), {counted: "20", named: ValueInput(city_ids=[jinja.pk])})
    returned(year(project, 2021), {counted: "40", named: ValueInput(city_ids=[jinja.pk])})
    draft(year(project, 2022), {counted: "80", named: ValueInput(city_ids=[jinja.pk])})

    assert (progress(people).achieved, progress(cities).achieved) == (D(10), D(1))
    assert trend(progress(people)) == [(2019, D(10), D(10))]

    report_approve(report=waiting, user=secretariat())

    assert (progress(people).achieved, progress(cities).achieved) == (D(30), D(2))
    assert trend(progress(people)) == [(2019, D(10), D(10)), (2020, D(20), D(30))]


def test_every_indicator_is_listed_under_its_outcome_even_without_values():
    policy, finance = OutcomeFactory(code="OC-1", order=1), OutcomeFactory(code="OC-2", order=2)
    plans = IndicatorFactory(outcome=policy, code="1.1", highest=True)
    people = IndicatorFactory(outcome=policy, code="1.2")
    money = IndicatorFactory(outcome=finance, code="2.1", unit="amount", currency="USD", counted="money")

    outcomes = portfolio_progress()

    assert [(item.outcome, [row.indicator for row in item.indicators]) for item in outcomes] == [
        (policy, [plans, people]),
        (finance, [money]),
    ]
    empty = outcomes[0].indicators[0]
    assert (empty.achieved, empty.trend, empty.has_data, empty.target, empty.percent) == (D(0), [], False, None, None)


# Targets


def test_progress_is_measured_against_the_final_target():
    people = IndicatorFactory()
    PortfolioTargetFactory(indicator=people, year=2020, value=D(50))
    final = PortfolioTargetFactory(indicator=people, year=2022, value=D(200))
    project = project_in()
    approved(year(project, 2019), {measure(project, people): "50"})

    item = progress(people)

    assert (item.target, item.achieved, item.percent) == (final, D(50), D(25))


def test_the_percent_is_rounded_to_a_whole_number():
    people = IndicatorFactory()
    PortfolioTargetFactory(indicator=people, value=D(3))
    project = project_in()
    approved(year(project, 2019), {measure(project, people): "2"})

    assert progress(people).percent == D(67)


def test_a_target_of_zero_gives_no_percent():
    people = IndicatorFactory()
    PortfolioTargetFactory(indicator=people, value=D(0))
    project = project_in()
    approved(year(project, 2019), {measure(project, people): "2"})

    assert progress(people).percent is None


# Slices of the portfolio


def test_a_country_slice_counts_its_projects_and_only_the_places_in_that_country(kampala, gulu, nairobi):
    people, cities, countries = IndicatorFactory(), IndicatorFactory(cities=True), IndicatorFactory(countries=True)
    uganda = project_in("UG", cities=(kampala,))
    regional = project_in("KE", "UG", cities=(nairobi, gulu))
    approved(
        year(uganda, 2019),
        {
            measure(uganda, people): "10",
            measure(uganda, cities): ValueInput(city_ids=[kampala.pk]),
            measure(uganda, countries): ValueInput(countries=["UG"]),
        },
    )
    approved(
        year(regional, 2019),
        {
            measure(regional, people): "5",
            measure(regional, cities): ValueInput(city_ids=[nairobi.pk, gulu.pk]),
            measure(regional, countries): ValueInput(countries=["KE", "UG"]),
        },
    )

    def figures(country: str = "") -> tuple[Decimal, Decimal, Decimal]:
        scope = Scope(country=country)
        return tuple(progress(indicator, scope=scope).achieved for indicator in (people, cities, countries))

    assert figures() == (D(15), D(3), D(2))
    assert figures("UG") == (D(15), D(2), D(1))
    assert figures("KE") == (D(5), D(1), D(1))
    assert figures("TZ") == (D(0), D(0), D(0))


@pytest.fixture
def two_projects():
    """A country programme and a global project, each with 10 and 1 people reached."""
    global_window = FundingWindowFactory(code="global", name="Global Window")
    learning = FacilityFactory(code="global-learning", name="Global Learning", window=global_window)
    people = IndicatorFactory()
    country, world = project_in(), project_in(facility=learning)
    approved(year(country, 2019), {measure(country, people): "10"})
    approved(year(world, 2019), {measure(world, people): "1"})
    return people, country, world


def test_a_window_or_facility_slice_counts_only_its_projects(two_projects):
    people, country, world = two_projects

    assert progress(people, scope=Scope(window=country.facility.window_id)).achieved == D(10)
    assert progress(people, scope=Scope(window=world.facility.window_id)).achieved == D(1)
    assert progress(people, scope=Scope(facility=country.facility_id)).achieved == D(10)
    assert progress(people, scope=Scope(facility=world.facility_id)).achieved == D(1)
    assert progress(people, scope=Scope()).achieved == D(11)


def test_a_theme_slice_counts_only_the_projects_of_that_theme(two_projects):
    people, country, world = two_projects
    gender, migration = ThemeFactory(), ThemeFactory()
    country.themes.add(gender, migration)
    world.themes.add(migration)

    assert progress(people, scope=Scope(theme=gender.pk)).achieved == D(10)
    assert progress(people, scope=Scope(theme=migration.pk)).achieved == D(11)


def test_a_donor_slice_counts_the_projects_its_contributions_fund_once_each(two_projects):
    people, country, world = two_projects
    donor, other_donor = OrganisationFactory(), OrganisationFactory()
    AllocationFactory(contribution=ContributionFactory(donor=donor), project=country)
    AllocationFactory(contribution=ContributionFactory(donor=donor), project=country)
    AllocationFactory(contribution=ContributionFactory(donor=other_donor), project=world)

    assert progress(people, scope=Scope(donor=donor.pk)).achieved == D(10)
    assert progress(people, scope=Scope(donor=other_donor.pk)).achieved == D(1)
    assert progress(people, scope=Scope(donor=OrganisationFactory().pk)).achieved == D(0)


def test_the_projects_given_limit_the_figures(two_projects):
    people, _, world = two_projects
    Project.objects.filter(pk=world.pk).update(is_public=False)

    assert progress(people, public=True).achieved == D(10)


# Cost


def add_reporting_project(indicators: dict[str, Indicator], kampala: City, jinja: City) -> None:
    project = project_in("UG", "KE", cities=(kampala, jinja))
    measured = {name: measure(project, indicator) for name, indicator in indicators.items()}
    for number, value in ((2019, "4"), (2020, "6")):
        approved(
            year(project, number),
            {
                measured["sum"]: ValueInput(value=value, splits={"female": "2", "male": "2"}),
                measured["max"]: value,
                measured["latest"]: value,
                measured["percentage"]: value,
                measured["cities"]: ValueInput(city_ids=[kampala.pk, jinja.pk]),
                measured["countries"]: ValueInput(countries=["UG", "KE"]),
            },
        )


def test_portfolio_progress_takes_the_same_number_of_queries_for_1_or_10_projects(kampala, jinja):
    indicators = {
        "sum": IndicatorFactory(by_sex=True),
        "max": IndicatorFactory(highest=True),
        "latest": IndicatorFactory(latest=True),
        "percentage": IndicatorFactory(percentage=True),
        "cities": IndicatorFactory(cities=True),
        "countries": IndicatorFactory(countries=True),
    }
    for indicator in indicators.values():
        PortfolioTargetFactory(indicator=indicator, year=2022, value=D(100))
    add_reporting_project(indicators, kampala, jinja)

    with CaptureQueriesContext(connection) as one:
        portfolio_progress(scope=Scope(country="UG"))
    for _ in range(9):
        add_reporting_project(indicators, kampala, jinja)
    with CaptureQueriesContext(connection) as ten:
        figures = portfolio_progress(scope=Scope(country="UG"))

    assert len(ten) == len(one) <= 6
    achieved = {item.indicator: item.achieved for outcome in figures for item in outcome.indicators}
    assert {name: achieved[indicator] for name, indicator in indicators.items()} == {
        "sum": D(100),
        "max": D(6),
        "latest": D(60),
        "percentage": D(6),
        "cities": D(2),
        "countries": D(1),
    }
