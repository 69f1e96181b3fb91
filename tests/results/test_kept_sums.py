"""The sums of approved values PostgreSQL keeps (results/sums.py) are the values' own figures after every kind of
write, whichever door writes: a report approved through the services, values, places and splits inserted in bulk,
changed and deleted by queries, a project withdrawn, published or moved through the admin. The results page
reads them, and not the values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.figures import forget_figures
from grants.models import Project
from results.models import Indicator, ReportedPlace, ReportedValue, ValueSplit
from results.portfolio_figures import figures_from_kept_sums, figures_from_values
from results.selectors import Scope, portfolio_progress
from results.services import ValueInput
from results.sums import IndicatorYear
from tests.factories import CityFactory, FacilityFactory, IndicatorFactory, PortfolioTargetFactory
from tests.results.helpers import approved, draft
from tests.results.test_aggregation import measure, project_in, year

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

D = Decimal


def figures(figured) -> dict:
    """Every figure, comparable: each project's last values per year as plain tuples."""
    return {
        "sums": {i: dict(v) for i, v in figured.sums.items()},
        "highest": {i: dict(v) for i, v in figured.highest.items()},
        "latest": {
            i: {y: (s.total, s.projects, s.change, s.new) for y, s in v.items()}
            for i, v in figured.latest.items()
            if Indicator.objects.get(pk=i).aggregation == "latest"
        },
        "new_cities": {i: dict(v) for i, v in figured.new_cities.items()},
        "new_countries": {i: dict(v) for i, v in figured.new_countries.items()},
        "splits": {i: dict(v) for i, v in figured.splits.items()},
    }


def assert_kept_sums_are_the_values_own():
    """For the whole portfolio, its public projects and each facility's: the kept sums give the values' figures."""
    slices = [(None, False), (None, True)] + [(pk, public) for pk in facilities() for public in (False, True)]
    for facility, public in slices:
        projects = Project.objects.all()
        if public:
            projects = projects.filter(is_public=True)
        if facility:
            projects = projects.filter(facility_id=facility)
        kept = figures(figures_from_kept_sums(window=None, facility=facility, public=public))
        assert kept == figures(figures_from_values(projects=projects)), (facility, public)


def facilities() -> set[int]:
    return set(Project.objects.values_list("facility_id", flat=True))


@pytest.fixture
def indicators() -> dict[str, Indicator]:
    return {
        "sum": IndicatorFactory(by_sex=True),
        "max": IndicatorFactory(highest=True),
        "latest": IndicatorFactory(latest=True),
        "percentage": IndicatorFactory(percentage=True),
        "cities": IndicatorFactory(cities=True),
    }


@pytest.fixture
def reporting(indicators):
    """Two projects in two facilities reporting every indicator in 2019 and 2020, one of them twice in 2020."""
    kampala, nairobi = CityFactory(name="Kampala", country="UG"), CityFactory(name="Nairobi", country="KE")
    projects = [
        project_in("UG", cities=(kampala,)),
        project_in("KE", cities=(nairobi,), facility=FacilityFactory(code="innovation", name="Innovation")),
    ]
    for project, city, values in zip(projects, (kampala, nairobi), (("4", "6"), ("9", "3")), strict=True):
        measured = {name: measure(project, indicator) for name, indicator in indicators.items()}
        for number, value in zip((2019, 2020), values, strict=True):
            approved(
                year(project, number),
                {
                    measured["sum"]: ValueInput(value=value, splits={"female": "1", "male": str(int(value) - 1)}),
                    measured["max"]: value,
                    measured["latest"]: value,
                    measured["percentage"]: value,
                    measured["cities"]: ValueInput(city_ids=[city.pk]),
                },
            )
    return projects


def test_approved_reports_are_kept_and_a_draft_is_not(reporting, indicators):
    assert_kept_sums_are_the_values_own()
    kept = figures_from_kept_sums(window=None, facility=None, public=False)
    assert kept.sums[indicators["sum"].pk] == {2019: D(13), 2020: D(9)}
    assert kept.highest[indicators["max"].pk] == {2019: D(9), 2020: D(6)}

    first = reporting[0]
    draft(year(first, 2021), {first.indicators.get(indicator=indicators["sum"]): "100"})
    assert figures_from_kept_sums(window=None, facility=None, public=False).sums[indicators["sum"].pk] == {
        2019: D(13),
        2020: D(9),
    }


def test_values_places_and_splits_written_in_bulk_are_kept(reporting, indicators):
    first = reporting[0]
    period = year(first, 2021)
    report = draft(period, {first.indicators.get(indicator=indicators["latest"]): "1"})
    ReportedValue.objects.filter(report=report).update(is_approved=True)  # approved in one statement
    value = ReportedValue.objects.get(report=report)
    ReportedPlace.objects.bulk_create([ReportedPlace(reported=value, country="RW")])
    ValueSplit.objects.bulk_create([ValueSplit(reported=value, dimension="sex", category="female", value=D(1))])
    assert_kept_sums_are_the_values_own()


def test_values_changed_and_deleted_by_queries_are_kept_and_the_largest_is_read_again(reporting, indicators):
    largest = ReportedValue.objects.get(indicator=indicators["max"], value=D(9))
    ReportedValue.objects.filter(pk=largest.pk).update(value=D(2))
    assert figures_from_kept_sums(window=None, facility=None, public=False).highest[indicators["max"].pk][2019] == 4
    assert_kept_sums_are_the_values_own()

    ReportedPlace.objects.filter(reported__indicator=indicators["cities"], country="KE").delete()
    ValueSplit.objects.filter(category="male").update(value=D(50))
    assert_kept_sums_are_the_values_own()

    first_year = ReportedValue.objects.filter(project=reporting[0], period_end__year=2019)
    first_year.delete()  # what a project's first year moved, the next year now moves
    assert_kept_sums_are_the_values_own()
    ReportedValue.objects.filter(project=reporting[1]).update(is_approved=False)
    assert_kept_sums_are_the_values_own()


def test_a_project_withdrawn_and_published_through_the_admin_or_moved_takes_its_sums_along(
    reporting, indicators, staff_client
):
    project = reporting[1]
    publish = reverse("admin:grants_project_publish", args=[project.pk])
    assert staff_client.post(publish, {"withdraw": "1"}).status_code == 302
    assert not Project.objects.get(pk=project.pk).is_public
    assert_kept_sums_are_the_values_own()
    public = figures_from_kept_sums(window=None, facility=None, public=True)
    assert public.sums[indicators["sum"].pk] == {2019: D(4), 2020: D(6)}

    staff_client.post(publish)
    Project.objects.filter(pk=project.pk).update(facility=reporting[0].facility)  # moved by a query
    assert_kept_sums_are_the_values_own()
    moved = figures_from_kept_sums(window=None, facility=reporting[0].facility_id, public=True)
    assert moved.sums[indicators["sum"].pk] == {2019: D(13), 2020: D(9)}


def test_the_results_page_reads_the_kept_sums_and_shows_the_values_figures(client, reporting, indicators):
    PortfolioTargetFactory(indicator=indicators["sum"], year=2022, value=D(100))
    forget_figures()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("results:portfolio"))
    assert response.status_code == 200
    assert not any("results_reportedvalue" in query["sql"] for query in queries.captured_queries)
    charted = [item.progress for _outcome, items in response.context["outcomes"] for item in items]
    shown = {progress.indicator: progress.achieved for progress in charted}
    assert shown[indicators["sum"]] == D(22)
    assert shown[indicators["latest"]] == D(9)  # the latest of each project: 6 and 3
    assert shown[indicators["cities"]] == D(2)

    sliced = portfolio_progress(scope=Scope(facility=reporting[1].facility_id), public=True)
    achieved = {item.indicator: item.achieved for outcome in sliced for item in outcome.indicators}
    assert achieved[indicators["sum"]] == D(12)


def kept_rows_updated() -> int:
    """The kept sums' rows this transaction has updated so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'results_indicatoryear'")
        return cursor.fetchone()[0]


def test_a_draft_saved_beside_approved_values_writes_no_sum(reporting, indicators):
    first = reporting[0]
    before = (kept_rows_updated(), list(IndicatorYear.objects.order_by("pk").values_list("pk", "total")))
    draft(year(first, 2021), {first.indicators.get(indicator=indicators["sum"]): "100"})
    assert (kept_rows_updated(), list(IndicatorYear.objects.order_by("pk").values_list("pk", "total"))) == before
