"""What the portfolio's results add up, per corporate indicator and year: read from the sums PostgreSQL keeps
(results/sums.py), a few thousand rows whatever the number of projects, where the slice allows it (the whole
portfolio, a window, a facility; public or not); otherwise, and on SQLite, from the approved values themselves.
Both readers give the same figures (tests/results/test_kept_sums.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, connections
from django.db.models import F, Max, Min, QuerySet, Sum, Window
from django.db.models.functions import ExtractYear, RowNumber

from grants.models import Project

from .models import Aggregation, ReportedPlace, ReportedValue, ValueSplit
from .sums import IndicatorYear, PlaceYear, ValueSplitTotal

ZERO = Decimal(0)


@dataclass
class LatestYear:
    """Each project's last value of one year: their sum and number; and how much the projects' latest values
    moved that year (a project's whole value the first year it reports, the projects `new` counts)."""

    total: Decimal = ZERO
    projects: int = 0
    change: Decimal = ZERO
    new: int = 0


@dataclass
class PortfolioFigures:
    """Per corporate indicator: the approved values' sum and largest per year, the projects' last values per
    year, how many cities and how many countries were named for the first time each year, and the splits' sums
    per category."""

    sums: dict[int, dict[int, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    highest: dict[int, dict[int, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    latest: dict[int, dict[int, LatestYear]] = field(default_factory=lambda: defaultdict(dict))
    new_cities: dict[int, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    new_countries: dict[int, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    splits: dict[int, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))


# From rows of (indicator, city, country, first year named), how many places each indicator names for the first
# time each year: a city once, in the first year a row names it; a country once, named alone or as a city's. The
# database counts them: at 50,000 projects the rows are about 12,000, the counts a few hundred.
FIRST_NAMED = """
WITH named (indicator_id, city_id, country, first) AS ({rows})
SELECT 'city', indicator_id, first, COUNT(*) FROM (
    SELECT indicator_id, MIN(first) AS first FROM named WHERE city_id IS NOT NULL GROUP BY indicator_id, city_id
) AS cities GROUP BY indicator_id, first
UNION ALL
SELECT 'country', indicator_id, first, COUNT(*) FROM (
    SELECT indicator_id, MIN(first) AS first FROM named GROUP BY indicator_id, country
) AS countries GROUP BY indicator_id, first
"""


def _count_first_named(figures: PortfolioFigures, first_named: QuerySet) -> None:
    """`first_named`: a query of (indicator, city, country, first year named) rows."""
    rows, params = first_named.query.sql_with_params()
    with connections[first_named.db].cursor() as cursor:
        cursor.execute(FIRST_NAMED.format(rows=rows), params)
        for kind, indicator_id, year, count in cursor.fetchall():
            counted = figures.new_cities if kind == "city" else figures.new_countries
            counted[indicator_id][int(year)] = count  # PostgreSQL's EXTRACT gives a decimal year


def kept_sums_hold(scope) -> bool:
    """Whether the kept sums hold a slice (`results.selectors.Scope`): PostgreSQL keeps them, per facility and
    publicity only."""
    return connection.vendor == "postgresql" and not (scope.theme or scope.country or scope.donor)


def figures_from_kept_sums(*, window: int | None, facility: int | None, public: bool) -> PortfolioFigures:
    """The figures of the projects of a window or a facility (every one when neither is given), the public ones
    only when `public`: three reads of the kept sums."""
    slice_of = {}
    if window:
        slice_of["facility__window_id"] = window
    if facility:
        slice_of["facility_id"] = facility
    if public:
        slice_of["is_public"] = True
    figures = PortfolioFigures()
    years = (
        IndicatorYear.objects.filter(value_count__gt=0, **slice_of)
        .values("indicator_id", "year")
        .annotate(
            total=Sum("total"),
            highest=Max("highest"),
            last_total=Sum("last_total"),
            projects=Sum("projects"),
            last_change=Sum("last_change"),
            first_projects=Sum("first_projects"),
        )
        .order_by()
    )
    for row in years:
        indicator_id, year = row["indicator_id"], row["year"]
        figures.sums[indicator_id][year] = row["total"]
        figures.highest[indicator_id][year] = row["highest"]
        figures.latest[indicator_id][year] = LatestYear(
            row["last_total"], row["projects"], row["last_change"], row["first_projects"]
        )
    places = (
        PlaceYear.objects.filter(value_count__gt=0, **slice_of)
        .values_list("indicator_id", "city_id", "country")
        .annotate(first=Min("year"))
        .order_by()
    )
    _count_first_named(figures, places)
    splits = (
        ValueSplitTotal.objects.filter(value_count__gt=0, **slice_of)
        .values_list("indicator_id", "category")
        .annotate(total=Sum("total"))
        .order_by()
    )
    for indicator_id, category, total in splits:
        figures.splits[indicator_id][category] = total
    return figures


def figures_from_values(*, projects: QuerySet[Project] | None, country: str = "") -> PortfolioFigures:
    """The figures of `projects` (every one when None), read from the approved values. A `country` counts only
    the places named in it."""
    values = ReportedValue.objects.filter(is_approved=True).order_by()
    # Places and splits join their value directly: faster than "value in (approved values)".
    places = ReportedPlace.objects.filter(reported__is_approved=True)
    split_rows = ValueSplit.objects.filter(reported__is_approved=True)
    if projects is not None:
        scoped = projects.values("pk")
        values = values.filter(project_id__in=scoped)
        places = places.filter(reported__project_id__in=scoped)
        split_rows = split_rows.filter(reported__project_id__in=scoped)
    year = ExtractYear("period_end")
    figures = PortfolioFigures()

    sums = values.values("indicator_id").annotate(year=year, total=Sum("value"), highest=Max("value"))
    for row in sums:
        figures.sums[row["indicator_id"]][row["year"]] = row["total"]
        figures.highest[row["indicator_id"]][row["year"]] = row["highest"]

    # A project measures a corporate indicator once, so (indicator, project) is its project indicator.
    last_of_year = (
        values.filter(indicator__aggregation=Aggregation.LATEST)
        .annotate(
            year=year,
            rank=Window(
                RowNumber(),
                partition_by=[F("indicator_id"), F("project_id"), year],
                order_by=[F("period_end").desc(), F("pk").desc()],
            ),
        )
        .filter(rank=1)
        .values_list("indicator_id", "project_id", "year", "value")
    )
    by_project: dict[int, dict[int, dict[int, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for indicator_id, project_id, value_year, value in last_of_year:
        by_project[indicator_id][project_id][value_year] = value
    for indicator_id, projects_years in by_project.items():
        figures.latest[indicator_id] = latest_years(projects_years)

    if country:
        places = places.filter(country=country)
    first_named = (
        places.values_list("reported__indicator_id", "city_id", "country")
        .annotate(first=Min(ExtractYear("reported__period_end")))
        .order_by()
    )
    _count_first_named(figures, first_named)

    split_sums = split_rows.values_list("reported__indicator_id", "category").annotate(total=Sum("value")).order_by()
    for indicator_id, category, total in split_sums:
        figures.splits[indicator_id][category] = total
    return figures


def latest_years(projects_years: dict[int, dict[int, Decimal]]) -> dict[int, LatestYear]:
    """`LatestYear`s from each project's last value of each year it reported."""
    years: dict[int, LatestYear] = defaultdict(LatestYear)
    for by_year in projects_years.values():
        previous = None
        for year in sorted(by_year):
            value, summed = by_year[year], years[year]
            summed.total += value
            summed.projects += 1
            summed.change += value - (previous if previous is not None else ZERO)
            summed.new += previous is None
            previous = value
    return dict(years)
