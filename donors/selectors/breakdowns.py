"""Where a donor's money went along each dimension (window, facility, theme, country, year), in one currency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.db.models.functions import ExtractYear

from common.countries import country_name
from common.money import quantize
from grants.models import Allocation, Contribution, Project, ProjectCountry, Transaction, TransactionKind
from grants.selectors import AllocationFigures, converted_sums

ZERO = Decimal(0)


DIMENSIONS = {
    "window": "Window",
    "facility": "Facility",
    "theme": "Theme",
    "country": "Country",
    "year": "Year",
}


@dataclass
class ShareRow:
    label: str
    allocated: Decimal = ZERO
    disbursed: Decimal = ZERO
    projects: set[int] = field(default_factory=set)
    allocated_own: dict[str, Decimal] = field(default_factory=dict)  # the allocations in their own currencies
    missing_rates: set[str] = field(default_factory=set)  # currencies whose amounts are left out for want of a rate

    @property
    def project_count(self) -> int:
        return len(self.projects)


# How many rows, the largest, a categorical chart shows.
CHART_ROWS = 12


@dataclass
class ShareBreakdown:
    """Where a donor's money went along one dimension, in the currency of the page."""

    dimension: str
    currency: str
    rows: list[ShareRow]
    missing_rates: list[str] = field(default_factory=list)  # payments left out of the years for want of a rate

    @property
    def label(self) -> str:
        return DIMENSIONS[self.dimension]

    @property
    def allocated(self) -> Decimal:
        return sum((row.allocated for row in self.rows), ZERO)

    @property
    def disbursed(self) -> Decimal:
        return sum((row.disbursed for row in self.rows), ZERO)

    @property
    def charted(self) -> list[ShareRow]:
        """The rows a categorical chart shows, on the page and in the PDF: the largest; tables list every row."""
        return self.rows[:CHART_ROWS]


@dataclass
class YearlyPayments:
    """Each project's disbursements per year in one currency, each at its value date's rate; the currencies
    left out for want of a rate, in all and per project and year."""

    by_project: dict[int, dict[int, Decimal]]
    missing: set[str]
    missing_by_project: dict[int, dict[int, set[str]]]

    def years_of(self, project_id: int) -> set[int]:
        return set(self.by_project.get(project_id, {})) | set(self.missing_by_project.get(project_id, {}))


def _disbursed_by_year(projects: QuerySet, quote: str) -> YearlyPayments:
    rows = Transaction.objects.filter(project_id__in=projects, kind=TransactionKind.DISBURSEMENT).annotate(
        year=ExtractYear("value_date")
    )
    sums = converted_sums(rows, by=["project_id", "year"], quote=quote)
    paid = YearlyPayments(defaultdict(dict), sums.missing, defaultdict(dict))
    for (project_id, year), total in sums.totals.items():
        paid.by_project[project_id][year] = total
    for (project_id, year), currencies in sums.missing_by_key.items():
        paid.missing_by_project[project_id][year] = currencies
    return paid


def share_breakdowns(
    parts: list[AllocationFigures], quote: str, contributions: list[Contribution]
) -> dict[str, ShareBreakdown]:
    """The donor's allocations and attributed payments along every dimension.

    A donor may fund hundreds of projects: their facilities, themes and countries are read as plain
    rows, and the projects named by a subquery on the contributions rather than by their ids.
    """
    projects = Allocation.objects.filter(contribution__in=contributions).values("project_id")
    places = {
        pk: (window, facility)
        for pk, window, facility in Project.objects.filter(pk__in=projects)
        .values_list("pk", "facility__window__name", "facility__name")
        .order_by()
    }
    themes: dict[int, list[str]] = defaultdict(list)
    for project_id, name in (
        Project.themes.through.objects.filter(project_id__in=projects)
        .values_list("project_id", "theme__name")
        .order_by()
    ):
        themes[project_id].append(name)
    shares: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    names: dict[str, str] = {}  # a country's name is looked up once, not once per project
    for project_id, country, percentage in (
        ProjectCountry.objects.filter(project_id__in=projects)
        .values_list("project_id", "country", "percentage")
        .order_by()
    ):
        if country not in names:
            names[country] = country_name(country)
        shares[project_id].append((names[country], percentage))
    paid = _disbursed_by_year(projects, quote)
    tables: dict[str, dict[str, ShareRow]] = {dimension: {} for dimension in DIMENSIONS}

    currency_of = {contribution.pk: contribution.currency for contribution in contributions}

    def add(
        dimension: str,
        label: str,
        project_id: int,
        allocated: Decimal,
        disbursed: Decimal,
        own: tuple[str, Decimal] | None = None,
        missing: Iterable[str] = (),
    ) -> None:
        row = tables[dimension].setdefault(label, ShareRow(label))
        row.allocated += allocated
        row.disbursed += disbursed
        row.projects.add(project_id)
        if own is not None:
            row.allocated_own[own[0]] = row.allocated_own.get(own[0], ZERO) + own[1]
        row.missing_rates.update(missing)

    for part in parts:
        project_id = part.allocation.project_id
        window, facility = places[project_id]
        allocated = part.allocated_reporting or ZERO
        disbursed = part.disbursed_reporting or ZERO
        currency = currency_of[part.allocation.contribution_id]
        own = (currency, part.allocation.amount)
        allocated_missing = {currency} if part.allocated_reporting is None else set()
        missing = allocated_missing | (
            {part.allocation.project.currency} if part.disbursed_reporting is None else set()
        )
        add("window", window, project_id, allocated, disbursed, own, missing)
        add("facility", facility, project_id, allocated, disbursed, own, missing)
        # A project with two themes counts in both, as on the public pages.
        for theme in themes.get(project_id) or ["—"]:
            add("theme", theme, project_id, allocated, disbursed, own, missing)
        for country, percentage in shares.get(project_id) or [("—", Decimal(100))]:
            weight = percentage / 100
            add(
                "country",
                country,
                project_id,
                quantize(allocated * weight),
                quantize(disbursed * weight),
                (currency, quantize(own[1] * weight)),
                missing,
            )
        add("year", str(part.allocation.allocated_on.year), project_id, allocated, ZERO, own, allocated_missing)
        # A year's payments are shared by this allocation's share; a year some of whose payments lack a rate,
        # or whose project's payments cannot be shared, says which currency it lacks.
        unshared = {part.allocation.project.currency} if part.share is None else set()
        for year in paid.years_of(project_id):
            total = paid.by_project.get(project_id, {}).get(year, ZERO)
            lacking = paid.missing_by_project.get(project_id, {}).get(year, set()) | unshared
            add("year", str(year), project_id, ZERO, ZERO if unshared else quantize(total * part.share), None, lacking)
    result = {}
    for dimension, table in tables.items():
        if dimension == "year":
            rows = sorted(table.values(), key=lambda row: row.label)
        else:
            rows = sorted(table.values(), key=lambda row: (-row.allocated, row.label))
        result[dimension] = ShareBreakdown(dimension, quote, rows, sorted(paid.missing))
    return result
