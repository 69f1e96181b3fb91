"""What a donor's money did: its contributions, where they went, the projects and results they fund.

Every read is scoped to one donor here; a donor user reaches only the donors it acts for.
Each figure takes a constant number of queries, whatever the number of projects.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import ExpressionWrapper, F, Max, Min, Prefetch, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django_countries import countries

from common.figures import cached_figures
from common.money import quantize
from common.permissions import may
from grants.currency import AppliedRate
from grants.models import (
    Allocation,
    Contribution,
    ContributionStatus,
    Project,
    ProjectCountry,
    ProjectPartner,
    Transaction,
    TransactionKind,
)
from grants.selectors import AllocationFigures, ContributionFigures, contribution_figures, converted_sums, rate_on
from grants.selectors.maps import MapFilter, MoneyMap, filtered, money_map, years_of
from grants.selectors.portfolio import CONVERTED_OUTPUT
from members.models import Organisation, Role, User
from members.selectors import organisations_of
from results.selectors import OutcomeProgress, donor_progress

from .models import DonorReport, ReportJobStatus

ZERO = Decimal(0)
DIMENSIONS = {
    "window": "Window",
    "facility": "Facility",
    "theme": "Theme",
    "country": "Country",
    "year": "Year",
}


def donors() -> QuerySet[Organisation]:
    """Organisations with at least one contribution."""
    return Organisation.objects.filter(pk__in=Contribution.objects.values("donor_id")).order_by("name")


def donors_active_between(start: dt.date, end: dt.date) -> QuerySet[Organisation]:
    """Donors with an agreement, not cancelled, that runs at some point between `start` and `end`."""
    running = Contribution.objects.exclude(status=ContributionStatus.CANCELLED).filter(
        start_date__lte=end, end_date__gte=start
    )
    return Organisation.objects.filter(pk__in=running.values("donor_id")).order_by("name")


def agreement_span(donor: Organisation) -> tuple[dt.date, dt.date] | None:
    """From the start of the donor's first agreement (not cancelled) to the end of its last; None without one."""
    span = (
        Contribution.objects.filter(donor=donor)
        .exclude(status=ContributionStatus.CANCELLED)
        .aggregate(first=Min("start_date"), last=Max("end_date"))
    )
    return (span["first"], span["last"]) if span["first"] else None


def donors_of(user: User) -> QuerySet[Organisation]:
    """The donors whose dashboards `user` may see: all for staff who may see donor reports, those it acts for
    as a donor otherwise."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if sees_every_donor(user):
        return donors()
    return organisations_of(user=user, role=Role.DONOR)


def sees_every_donor(user: User) -> bool:
    return may(user, "donors.view_donorreport")


def acts_for_donor(user: User, donor: Organisation) -> bool:
    return organisations_of(user=user, role=Role.DONOR).filter(pk=donor.pk).exists()


def acts_for_a_donor(user: User) -> bool:
    return organisations_of(user=user, role=Role.DONOR).exists()


def donor_for(user: User, pk: int) -> Organisation:
    """One donor the user may see; Organisation.DoesNotExist otherwise, whatever the id."""
    return donors_of(user).get(pk=pk)


def donor_contributions(donor: Organisation) -> QuerySet[Contribution]:
    return (
        Contribution.objects.filter(donor=donor)
        .exclude(status=ContributionStatus.CANCELLED)
        .select_related("contract_partner", "earmarked_window")
        .order_by("start_date", "reference")
    )


def funded_projects(donor: Organisation) -> QuerySet[Project]:
    """Projects that at least one of the donor's contributions is allocated to."""
    return Project.objects.filter(pk__in=Allocation.objects.filter(contribution__donor=donor).values("project_id"))


@dataclass
class Totals:
    """A donor's figures in the reporting currency; None where a rate is missing."""

    currency: str
    pledged: Decimal | None = ZERO
    received: Decimal | None = ZERO
    allocated: Decimal | None = ZERO
    disbursed: Decimal | None = ZERO

    @property
    def balance(self) -> Decimal | None:
        if self.received is None or self.disbursed is None:
            return None
        return self.received - self.disbursed


@dataclass
class ShareRow:
    label: str
    allocated: Decimal = ZERO
    disbursed: Decimal = ZERO
    projects: set[int] = field(default_factory=set)

    @property
    def project_count(self) -> int:
        return len(self.projects)


# How many rows, the largest, a categorical chart shows.
CHART_ROWS = 12


@dataclass
class ShareBreakdown:
    """Where a donor's money went along one dimension, in the reporting currency."""

    dimension: str
    currency: str
    rows: list[ShareRow]

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
class DonorFigures:
    donor: Organisation
    contributions: list[ContributionFigures]
    totals: Totals
    breakdowns: dict[str, ShareBreakdown]
    rates: list[AppliedRate]
    missing_rates: list[str]
    project_count: int

    @property
    def has_activity(self) -> bool:
        return bool(self.contributions)


def _received_reporting(contributions: list[Contribution], quote: str) -> dict[int, Decimal | None]:
    """Incoming funds per contribution, each converted at its value date (None where a rate is missing)."""
    rows = (
        Transaction.objects.filter(contribution__in=contributions, kind=TransactionKind.INCOMING_FUNDS)
        .annotate(rate=rate_on(currency="currency", on="value_date", quote=quote))
        .values("contribution_id", "rate", "amount")
    )
    received: dict[int, Decimal | None] = defaultdict(lambda: ZERO)
    for row in rows:
        if row["rate"] is None or received[row["contribution_id"]] is None:
            received[row["contribution_id"]] = None
            continue
        received[row["contribution_id"]] += quantize(row["amount"] * row["rate"])
    return received


def _disbursed_by_year(projects: QuerySet, quote: str) -> dict[int, dict[int, Decimal]]:
    """Each project's disbursements per year, in the reporting currency at each value date."""
    rows = Transaction.objects.filter(project_id__in=projects, kind=TransactionKind.DISBURSEMENT).annotate(
        year=ExtractYear("value_date")
    )
    by_project: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for (project_id, year), total in converted_sums(rows, by=["project_id", "year"], quote=quote).items():
        by_project[project_id][year] = total
    return by_project


def _breakdowns(
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
            names[country] = str(countries.name(country))
        shares[project_id].append((names[country], percentage))
    by_year = _disbursed_by_year(projects, quote)
    tables: dict[str, dict[str, ShareRow]] = {dimension: {} for dimension in DIMENSIONS}

    def add(dimension: str, label: str, project_id: int, allocated: Decimal, disbursed: Decimal) -> None:
        row = tables[dimension].setdefault(label, ShareRow(label))
        row.allocated += allocated
        row.disbursed += disbursed
        row.projects.add(project_id)

    for part in parts:
        project_id = part.allocation.project_id
        window, facility = places[project_id]
        allocated = part.allocated_reporting or ZERO
        disbursed = part.disbursed_reporting or ZERO
        add("window", window, project_id, allocated, disbursed)
        add("facility", facility, project_id, allocated, disbursed)
        # A project with two themes counts in both, as on the public pages.
        for theme in themes.get(project_id) or ["—"]:
            add("theme", theme, project_id, allocated, disbursed)
        for country, percentage in shares.get(project_id) or [("—", Decimal(100))]:
            weight = percentage / 100
            add("country", country, project_id, quantize(allocated * weight), quantize(disbursed * weight))
        add("year", str(part.allocation.allocated_on.year), project_id, allocated, ZERO)
        if part.share is not None:
            for year, total in by_year.get(project_id, {}).items():
                add("year", str(year), project_id, ZERO, quantize(total * part.share))
    result = {}
    for dimension, table in tables.items():
        if dimension == "year":
            rows = sorted(table.values(), key=lambda row: row.label)
        else:
            rows = sorted(table.values(), key=lambda row: (-row.allocated, row.label))
        result[dimension] = ShareBreakdown(dimension, quote, rows)
    return result


def donor_figures(donor: Organisation) -> DonorFigures:
    """A donor's contributions, totals in the reporting currency and where the money went."""
    quote = settings.REPORTING_CURRENCY
    contributions = list(donor_contributions(donor))
    figures = contribution_figures(contributions)
    received = _received_reporting(contributions, quote)
    totals = Totals(quote)
    missing: set[str] = set()
    rates: dict[tuple, AppliedRate] = {}
    parts: list[AllocationFigures] = []
    for item in figures:
        missing |= set(item.missing_rates)
        rates.update({(rate.currency, rate.rate_date): rate for rate in item.rates if rate.rate_date})
        parts += item.allocations
        totals.pledged = _add(totals.pledged, item.pledged_reporting)
        totals.received = _add(totals.received, received[item.contribution.pk])
        if received[item.contribution.pk] is None:  # a receipt dated before any rate of its currency
            missing.add(item.currency)
        allocated = [part.allocated_reporting for part in item.allocations]
        totals.allocated = _add(totals.allocated, None if None in allocated else sum(allocated, ZERO))
        disbursed = [part.disbursed_reporting for part in item.allocations]
        totals.disbursed = _add(totals.disbursed, None if None in disbursed else sum(disbursed, ZERO))
    return DonorFigures(
        donor=donor,
        contributions=figures,
        totals=totals,
        # Every payment to the projects the donor funds, converted and shared out along five dimensions: kept
        # until a row it is made of changes (common.figures).
        breakdowns=cached_figures(
            f"donor-breakdowns:{quote}:{sorted(c.pk for c in contributions)}",
            lambda: _breakdowns(parts, quote, contributions),
        ),
        rates=sorted(rates.values(), key=lambda rate: (rate.currency, rate.rate_date)),
        missing_rates=sorted(missing),
        project_count=len({part.allocation.project_id for part in parts}),
    )


def _add(total: Decimal | None, amount: Decimal | None) -> Decimal | None:
    return None if total is None or amount is None else quantize(total + amount)


def donor_allocations(donor: Organisation) -> QuerySet[Allocation]:
    """The donor's allocations (of agreements not cancelled) as rows of money: amount, currency and date."""
    return (
        Allocation.objects.filter(contribution__donor=donor)
        .exclude(contribution__status=ContributionStatus.CANCELLED)
        .annotate(currency=F("contribution__currency"), value_date=F("allocated_on"))
    )


def donor_map(donor: Organisation, choice: MapFilter) -> MoneyMap:
    """Where the donor's money is committed: its allocations to the projects it funds, in the window and year
    (of the allocation) chosen, shared among each project's countries. It adds up to the dashboard's
    "allocated" (both convert at the allocation's date)."""
    return money_map(filtered(donor_allocations(donor), choice, date="allocated_on"))


def donor_map_years(donor: Organisation) -> list[int]:
    return years_of(donor_allocations(donor), date="allocated_on")


def donor_results(donor: Organisation) -> list[OutcomeProgress]:
    """Results against targets of the projects the donor funds (approved reports only)."""
    return donor_progress(donor=donor.pk)


def donor_project_list(donor: Organisation) -> QuerySet[Project]:
    """The donor's funded projects with what their list shows, including the donor's own allocations."""
    own = Allocation.objects.filter(contribution__donor=donor).select_related("contribution")
    return (
        funded_projects(donor)
        .select_related("facility__window")
        .prefetch_related(
            Prefetch("countries", queryset=ProjectCountry.objects.order_by("-percentage", "country")),
            Prefetch("allocations", queryset=own, to_attr="donor_allocations"),
        )
    )


def donor_project(donor: Organisation, code: str) -> Project:
    """One project the donor funds, with what its page shows; Project.DoesNotExist otherwise."""
    return (
        funded_projects(donor)
        .select_related("facility__window")
        .prefetch_related(
            Prefetch("countries", queryset=ProjectCountry.objects.order_by("-percentage", "country")),
            "cities",
            Prefetch("partners", queryset=ProjectPartner.objects.select_related("organisation")),
            Prefetch(
                "allocations",
                queryset=Allocation.objects.filter(contribution__donor=donor).select_related("contribution"),
                to_attr="donor_allocations",
            ),
        )
        .get(code=code)
    )


def donor_reports(donor: Organisation) -> QuerySet[DonorReport]:
    return DonorReport.objects.filter(donor=donor).select_related("requested_by").order_by("-requested_at", "-pk")


def failed_report_count() -> int:
    """Reports no worker could make, every donor's: staff make them again from the admin."""
    return DonorReport.objects.filter(status=ReportJobStatus.FAILED).count()


def donor_report(donor: Organisation, pk: int) -> DonorReport:
    """One of the donor's reports; DonorReport.DoesNotExist for another donor's, whatever the id."""
    return DonorReport.objects.select_related("donor").get(pk=pk, donor=donor)


def last_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter before the one `today` is in."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    end = dt.date(today.year, first_month, 1) - dt.timedelta(days=1)
    start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    return start, end


@dataclass(frozen=True)
class StatementLine:
    """A project's payments in the period and the donor's share of them."""

    project: Project
    disbursed: Decimal  # all of the project's disbursements in the period, reporting currency
    share: Decimal
    attributed: Decimal


@dataclass
class DonorStatement:
    """The financial statement of a donor report: what happened to the donor's money in a period."""

    donor: Organisation
    period_start: dt.date
    period_end: dt.date
    figures: DonorFigures
    receipts: list[Transaction]
    allocations: list[Allocation]
    lines: list[StatementLine]
    results: list[OutcomeProgress]
    projects: list[Project]

    @property
    def currency(self) -> str:
        return self.figures.totals.currency

    @property
    def attributed(self) -> Decimal:
        return sum((line.attributed for line in self.lines), ZERO)

    @property
    def has_activity(self) -> bool:
        return bool(self.receipts or self.allocations or self.lines)


def donor_statement(donor: Organisation, *, start: dt.date, end: dt.date) -> DonorStatement:
    """Receipts, allocations and payments of the donor's money between `start` and `end`, and its results."""
    quote = settings.REPORTING_CURRENCY
    figures = donor_figures(donor)
    shares: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for item in figures.contributions:
        for part in item.allocations:
            if part.share is not None:
                shares[part.allocation.project_id] += part.share
    receipts = list(
        Transaction.objects.filter(
            contribution__donor=donor, kind=TransactionKind.INCOMING_FUNDS, value_date__range=(start, end)
        )
        .select_related("contribution")
        .annotate(rate=rate_on(currency="currency", on="value_date", quote=quote))
        .order_by("value_date", "pk")
    )
    allocations = list(
        Allocation.objects.filter(contribution__donor=donor, allocated_on__range=(start, end))
        .select_related("contribution", "project")
        .order_by("allocated_on", "pk")
    )
    paid = (
        Transaction.objects.filter(
            project_id__in=list(shares), kind=TransactionKind.DISBURSEMENT, value_date__range=(start, end)
        )
        .annotate(rate=rate_on(currency="currency", on="value_date", quote=quote))
        .filter(rate__isnull=False)
        .values("project_id")
        .annotate(total=Sum(ExpressionWrapper(F("amount") * F("rate"), output_field=CONVERTED_OUTPUT)))
        .order_by()
    )
    paid_by_project = {row["project_id"]: quantize(row["total"]) for row in paid}
    projects = list(
        donor_project_list(donor).prefetch_related("cities", "themes", "partners__organisation").order_by("code")
    )
    by_pk = {project.pk: project for project in projects}
    lines = [
        StatementLine(by_pk[pk], total, shares[pk], quantize(total * shares[pk]))
        for pk, total in sorted(paid_by_project.items(), key=lambda item: by_pk[item[0]].code)
        if total
    ]
    return DonorStatement(
        donor=donor,
        period_start=start,
        period_end=end,
        figures=figures,
        receipts=receipts,
        allocations=allocations,
        lines=lines,
        results=donor_results(donor),
        projects=projects,
    )
