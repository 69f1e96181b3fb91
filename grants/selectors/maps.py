"""Where the money is committed, by country and city, for a map with a table beside it.

The same reading serves the public map (commitments of the published projects) and a donor's map (its
allocations to the projects it funds): rows with an amount, a currency, a date and a project. A project's money
is shared among its countries by their percentage, as everywhere else, so the countries add up to the total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, ExpressionWrapper, F, QuerySet, Value
from django.db.models.functions import Coalesce, ExtractYear

from common.countries import country_name
from common.figures import cached_figures
from common.money import quantize

from ..models import City, FundingWindow, Transaction, TransactionKind
from .portfolio import CONVERTED_OUTPUT, converted_counts, public_transactions

ZERO = Decimal(0)


@dataclass(frozen=True)
class MapCity:
    name: str
    country: str
    latitude: Decimal | None
    longitude: Decimal | None
    projects: int

    @property
    def is_located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass
class MapCountry:
    code: str
    name: str
    committed: Decimal
    projects: int
    cities: list[MapCity] = field(default_factory=list)


@dataclass
class MoneyMap:
    """Committed money per country in the reporting currency, with the cities the projects work in."""

    currency: str
    countries: list[MapCountry]  # the largest first
    unplaced: Decimal  # committed to projects with no recipient country
    unplaced_projects: int
    cities: list[MapCity]

    @property
    def committed(self) -> Decimal:
        return sum((country.committed for country in self.countries), self.unplaced)

    @property
    def is_empty(self) -> bool:
        return not self.countries and not self.unplaced


@dataclass(frozen=True)
class MapFilter:
    window: FundingWindow | None = None
    year: int | None = None


def money_map(rows: QuerySet, *, project: str = "project", quote: str | None = None) -> MoneyMap:
    """The map of `rows` (each with `amount`, `currency`, `value_date` and a project under `project`).

    Two queries whatever the number of rows: the money and projects per country, converted at each day's rate
    (`converted_counts`); and the cities of those projects with their coordinates.
    """
    quote = quote or settings.REPORTING_CURRENCY
    # Multiplying by 0.01 rather than dividing by 100: SQLite stores 50.00 as the integer 50, and 50 / 100 is 0.
    share = Coalesce(F(f"{project}__countries__percentage"), Value(Decimal(100))) * Value(Decimal("0.01"))
    totals = converted_counts(
        rows,
        by=[f"{project}__countries__country"],
        quote=quote,
        amount=ExpressionWrapper(F("amount") * share, output_field=CONVERTED_OUTPUT),
        counted=f"{project}_id",
    )
    by_country: dict[str, list[MapCity]] = defaultdict(list)
    cities = [
        MapCity(row["name"], row["country"], row["latitude"], row["longitude"], row["projects"])
        for row in City.objects.filter(projects__in=rows.values(f"{project}_id"))
        .values("pk", "name", "country", "latitude", "longitude")
        .annotate(projects=Count("projects", distinct=True))
        .order_by("country", "name")
    ]
    for city in cities:
        by_country[city.country].append(city)
    placed, unplaced, unplaced_projects = [], ZERO, 0
    for (code,), (total, projects) in totals.items():
        if not code:
            unplaced, unplaced_projects = quantize(total), projects
            continue
        name = country_name(code) or code
        placed.append(MapCountry(code, name, quantize(total), projects, by_country.get(code, [])))
    placed.sort(key=lambda country: (-country.committed, country.name))
    return MoneyMap(quote, placed, unplaced, unplaced_projects, cities)


def filtered(rows: QuerySet, choice: MapFilter, *, date: str, project: str = "project") -> QuerySet:
    if choice.window is not None:
        rows = rows.filter(**{f"{project}__facility__window": choice.window})
    if choice.year is not None:
        rows = rows.filter(**{f"{date}__year": choice.year})
    return rows


def years_of(rows: QuerySet, *, date: str) -> list[int]:
    """The years the rows are dated in, the latest first: the choices of the map's filter."""
    return list(rows.annotate(year=ExtractYear(date)).values_list("year", flat=True).distinct().order_by("-year"))


def public_commitments() -> QuerySet[Transaction]:
    return public_transactions().filter(kind=TransactionKind.COMMITMENT)


def portfolio_map(choice: MapFilter, *, quote: str | None = None) -> MoneyMap:
    """The public map: what is committed to the published projects, in the window and year chosen, in `quote`
    (the reporting currency unless said); kept in the cache until a row it is made of changes (common.figures)."""
    window = choice.window.pk if choice.window else ""
    quote = quote or settings.REPORTING_CURRENCY
    return cached_figures(
        f"map:{quote}:{window}:{choice.year or ''}",
        lambda: money_map(filtered(public_commitments(), choice, date="value_date"), quote=quote),
    )


def portfolio_map_years() -> list[int]:
    return years_of(public_commitments(), date="value_date")
