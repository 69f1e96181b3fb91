"""What a donor's money did: its contributions, where they went, the projects and results they fund.

Every read is scoped to one donor here; a donor user reaches only the donors it acts for.
Each figure takes a constant number of queries, whatever the number of projects.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Max, Min, Prefetch, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django_countries import countries

from common.figures import cached_figures
from common.money import quantize
from common.permissions import may
from grants.currency import AppliedRate, MissingRate, RateTable, distinct_rates
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
from grants.selectors import AllocationFigures, ContributionFigures, contribution_figures, convert_daily, converted_sums
from grants.selectors.maps import MapFilter, MoneyMap, filtered, money_map, years_of
from members.models import Organisation, Role, User
from members.selectors import organisations_of
from results.selectors import OutcomeProgress, donor_progress

from ..models import DonorReport, ReportJobStatus

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


def donor_currency(donor: Organisation) -> str:
    """The currency a donor's pages and reports show their totals in: the one staff set on the donor, or else the
    currency of its contributions (not cancelled) when they share one, or else the partnership's reporting
    currency."""
    if donor.reporting_currency:
        return donor.reporting_currency
    used = list(
        Contribution.objects.filter(donor=donor)
        .exclude(status=ContributionStatus.CANCELLED)
        .order_by("currency")
        .values_list("currency", flat=True)
        .distinct()[:2]
    )
    return used[0] if len(used) == 1 else settings.REPORTING_CURRENCY


def donor_currencies(donor: Organisation) -> list[str]:
    """The currencies a donor may see its pages in: its own first, then the partnership's reporting currency."""
    return list(dict.fromkeys([donor_currency(donor), settings.REPORTING_CURRENCY]))


def funded_projects(donor: Organisation) -> QuerySet[Project]:
    """Projects that at least one of the donor's contributions is allocated to."""
    return Project.objects.filter(pk__in=Allocation.objects.filter(contribution__donor=donor).values("project_id"))


@dataclass
class Totals:
    """A donor's figures in the currency of the page; None where a rate is missing."""

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


@dataclass(frozen=True)
class Conversion:
    """How one row's figures in another currency were reached: the rates used (none when every amount was in that
    currency already) and the currencies that had no rate by the date an amount needed one."""

    quote: str
    rates: list[AppliedRate]
    missing: list[str]

    @property
    def single_rate(self) -> AppliedRate | None:
        """The rate, when all the row's converted figures used one."""
        return self.rates[0] if len(self.rates) == 1 else None


@dataclass(frozen=True)
class ConvertedContribution:
    """A contribution's figures in the page's currency (None where a rate is missing), beside its own."""

    figures: ContributionFigures
    pledged: Decimal | None
    received: Decimal | None
    allocated: Decimal | None
    disbursed: Decimal | None
    conversion: Conversion

    @property
    def balance(self) -> Decimal | None:
        return None if self.received is None or self.disbursed is None else self.received - self.disbursed


def _sum_or_none(amounts: Iterable[Decimal | None]) -> Decimal | None:
    amounts = list(amounts)
    return None if None in amounts else sum(amounts, ZERO)


@dataclass
class DonorFigures:
    donor: Organisation
    contributions: list[ContributionFigures]
    totals: Totals
    breakdowns: dict[str, ShareBreakdown]
    rates: list[AppliedRate]
    missing_rates: list[str]
    project_count: int
    received_rates: dict[int, list[AppliedRate]] = field(default_factory=dict)  # per contribution
    received_reporting: dict[int, Decimal | None] = field(default_factory=dict)  # per contribution; None: no rate

    def rates_of(self, item: ContributionFigures) -> list[AppliedRate]:
        """The rates a contribution's figures in the page's currency used: pledge, receipts, allocations."""
        return distinct_rates([*item.rates, *self.received_rates.get(item.contribution.pk, [])])

    def converted(self, item: ContributionFigures) -> ConvertedContribution:
        """A contribution's figures in the page's currency, as they add up to the totals."""
        received = self.received_reporting.get(item.contribution.pk, ZERO)
        missing = set(item.missing_rates) | ({item.currency} if received is None else set())
        return ConvertedContribution(
            figures=item,
            pledged=item.pledged_reporting,
            received=received,
            allocated=_sum_or_none(part.allocated_reporting for part in item.allocations),
            disbursed=_sum_or_none(part.disbursed_reporting for part in item.allocations),
            conversion=Conversion(self.totals.currency, self.rates_of(item), sorted(missing)),
        )

    @property
    def has_activity(self) -> bool:
        return bool(self.contributions)


@dataclass
class Received:
    """Incoming funds per contribution in one currency (None where a rate is missing), and the rates used."""

    by_contribution: dict[int, Decimal | None]
    rates: list[AppliedRate]
    rates_of: dict[int, list[AppliedRate]]  # per contribution


def received_in(contributions: list[Contribution], quote: str) -> Received:
    """Incoming funds per contribution, each converted at its value date; two queries."""
    rows = list(
        Transaction.objects.filter(contribution__in=contributions, kind=TransactionKind.INCOMING_FUNDS).values_list(
            "contribution_id", "currency", "value_date", "amount"
        )
    )
    table = RateTable.load(quote=quote, currencies={row[1] for row in rows})
    received: dict[int, Decimal | None] = defaultdict(lambda: ZERO)
    used: dict[int, list[AppliedRate]] = defaultdict(list)
    for contribution_id, currency, on, amount in rows:
        try:
            converted = table.convert(amount, currency, on)
        except MissingRate:
            received[contribution_id] = None
            continue
        used[contribution_id].append(converted.rate)
        if received[contribution_id] is not None:
            received[contribution_id] += converted.amount
    every = distinct_rates(rate for rates in used.values() for rate in rates)
    return Received(received, every, {pk: distinct_rates(rates) for pk, rates in used.items()})


def _disbursed_by_year(projects: QuerySet, quote: str) -> tuple[dict[int, dict[int, Decimal]], set[str]]:
    """Each project's disbursements per year, in `quote` at each value date, and the currencies left out."""
    rows = Transaction.objects.filter(project_id__in=projects, kind=TransactionKind.DISBURSEMENT).annotate(
        year=ExtractYear("value_date")
    )
    by_project: dict[int, dict[int, Decimal]] = defaultdict(dict)
    sums = converted_sums(rows, by=["project_id", "year"], quote=quote)
    for (project_id, year), total in sums.totals.items():
        by_project[project_id][year] = total
    return by_project, sums.missing


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
    by_year, without_rate = _disbursed_by_year(projects, quote)
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
        if part.share is not None:
            for year, total in by_year.get(project_id, {}).items():
                add("year", str(year), project_id, ZERO, quantize(total * part.share))
    result = {}
    for dimension, table in tables.items():
        if dimension == "year":
            rows = sorted(table.values(), key=lambda row: row.label)
        else:
            rows = sorted(table.values(), key=lambda row: (-row.allocated, row.label))
        result[dimension] = ShareBreakdown(dimension, quote, rows, sorted(without_rate))
    return result


def donor_figures(donor: Organisation, *, quote: str | None = None) -> DonorFigures:
    """A donor's contributions, totals in `quote` (the partnership's reporting currency unless said) and where
    the money went."""
    quote = quote or settings.REPORTING_CURRENCY
    contributions = list(donor_contributions(donor))
    figures = contribution_figures(contributions, quote=quote)
    receipts = received_in(contributions, quote)
    received = receipts.by_contribution
    totals = Totals(quote)
    missing: set[str] = set()
    rates: list[AppliedRate] = list(receipts.rates)
    parts: list[AllocationFigures] = []
    for item in figures:
        missing |= set(item.missing_rates)
        rates += item.rates
        parts += item.allocations
        totals.pledged = _add(totals.pledged, item.pledged_reporting)
        totals.received = _add(totals.received, received[item.contribution.pk])
        if received[item.contribution.pk] is None:  # a receipt dated before any rate of its currency
            missing.add(item.currency)
        allocated = [part.allocated_reporting for part in item.allocations]
        totals.allocated = _add(totals.allocated, None if None in allocated else sum(allocated, ZERO))
        disbursed = [part.disbursed_reporting for part in item.allocations]
        totals.disbursed = _add(totals.disbursed, None if None in disbursed else sum(disbursed, ZERO))
    # Every payment to the projects the donor funds, converted and shared out along five dimensions: kept, one
    # copy per currency, until a row it is made of changes (common.figures).
    breakdowns = cached_figures(
        f"donor-breakdowns:2:{quote}:{sorted(c.pk for c in contributions)}",
        lambda: _breakdowns(parts, quote, contributions),
    )
    for breakdown in breakdowns.values():
        missing |= set(breakdown.missing_rates)
    return DonorFigures(
        donor=donor,
        contributions=figures,
        totals=totals,
        breakdowns=breakdowns,
        rates=distinct_rates(rates),
        missing_rates=sorted(missing),
        project_count=len({part.allocation.project_id for part in parts}),
        received_rates=receipts.rates_of,
        received_reporting=dict(received),
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


def donor_map(donor: Organisation, choice: MapFilter, *, quote: str | None = None) -> MoneyMap:
    """Where the donor's money is committed: its allocations to the projects it funds, in the window and year
    (of the allocation) chosen, shared among each project's countries. It adds up to the dashboard's
    "allocated" (both convert at the allocation's date). Kept, as the public map, until a row it reads changes."""
    window = choice.window.pk if choice.window else ""
    quote = quote or settings.REPORTING_CURRENCY
    return cached_figures(
        f"map:donor:{donor.pk}:{quote}:{window}:{choice.year or ''}",
        lambda: money_map(filtered(donor_allocations(donor), choice, date="allocated_on"), quote=quote),
    )


def donor_map_years(donor: Organisation) -> list[int]:
    return cached_figures(
        f"map-years:donor:{donor.pk}", lambda: years_of(donor_allocations(donor), date="allocated_on")
    )


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


@dataclass(frozen=True)
class ConvertedProject:
    """A funded project's money in another currency (None where a rate is missing), beside its own: its
    commitment at the rate of its start, its payments each at the rate of its value date, and the donor's
    allocations to it each at the rate of its date (as the dashboard's "allocated" adds them up)."""

    project: Project
    committed: Decimal | None
    disbursed: Decimal | None
    allocated: Decimal | None
    conversion: Conversion


class _RowConverter:
    """Converts one row's amounts with a shared rate table, noting the rates used and the currencies without."""

    def __init__(self, table: RateTable):
        self.table = table
        self.used: list[AppliedRate] = []
        self.missing: set[str] = set()

    def amount(self, amount: Decimal, currency: str, on: dt.date) -> Decimal | None:
        try:
            converted = self.table.convert(amount, currency, on)
        except MissingRate:
            self.missing.add(currency)
            return None
        self.used.append(converted.rate)
        return converted.amount

    def total(self, amounts: Iterable[tuple[Decimal, str, dt.date]]) -> Decimal | None:
        return _sum_or_none([self.amount(*row) for row in amounts])

    @property
    def conversion(self) -> Conversion:
        return Conversion(self.table.quote, distinct_rates(self.used), sorted(self.missing))


def donor_projects_converted(projects: QuerySet[Project], *, quote: str) -> list[ConvertedProject]:
    """`projects` (of `donor_project_list`, filtered) with their money in `quote`: two queries more than the list,
    whatever its length (the payments summed per project, currency and day; the rates)."""
    listed = list(projects)
    payments: dict[int, list[tuple[Decimal, str, dt.date]]] = defaultdict(list)
    for project_id, currency, on, total in (
        Transaction.objects.filter(
            project_id__in=projects.prefetch_related(None).order_by().values("pk"), kind=TransactionKind.DISBURSEMENT
        )
        .values_list("project_id", "currency", "value_date")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        payments[project_id].append((total, currency, on))
    currencies = {project.currency for project in listed}
    currencies |= {currency for rows in payments.values() for _total, currency, _on in rows}
    currencies |= {a.contribution.currency for project in listed for a in project.donor_allocations}
    table = RateTable.load(quote=quote, currencies=currencies)
    rows = []
    for project in listed:
        converter = _RowConverter(table)
        rows.append(
            ConvertedProject(
                project=project,
                committed=converter.amount(project.committed_total, project.currency, project.start_date),
                disbursed=converter.total(payments[project.pk]),
                allocated=converter.total(
                    (a.amount, a.contribution.currency, a.allocated_on) for a in project.donor_allocations
                ),
                conversion=converter.conversion,
            )
        )
    return rows


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
    missing_rates: list[str] = field(default_factory=list)  # payments of the period left out for want of a rate

    @property
    def currency(self) -> str:
        return self.figures.totals.currency

    @property
    def attributed(self) -> Decimal:
        return sum((line.attributed for line in self.lines), ZERO)

    @property
    def has_activity(self) -> bool:
        return bool(self.receipts or self.allocations or self.lines)


def donor_statement(donor: Organisation, *, start: dt.date, end: dt.date, quote: str | None = None) -> DonorStatement:
    """Receipts, allocations and payments of the donor's money between `start` and `end`, and its results, in
    `quote` (the partnership's reporting currency unless said)."""
    quote = quote or settings.REPORTING_CURRENCY
    figures = donor_figures(donor, quote=quote)
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
        .order_by("value_date", "pk")
    )
    table = RateTable.load(quote=quote, currencies={receipt.currency for receipt in receipts})
    for receipt in receipts:
        try:
            receipt.rate = table.rate(receipt.currency, receipt.value_date).rate
        except MissingRate:
            receipt.rate = None
    allocations = list(
        Allocation.objects.filter(contribution__donor=donor, allocated_on__range=(start, end))
        .select_related("contribution", "project")
        .order_by("allocated_on", "pk")
    )
    paid = (
        Transaction.objects.filter(
            project_id__in=list(shares), kind=TransactionKind.DISBURSEMENT, value_date__range=(start, end)
        )
        .values_list("project_id", "currency", "value_date")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    paid_sums = convert_daily(((project_id, *rest) for project_id, *rest in paid), quote=quote)
    paid_by_project = paid_sums.totals
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
        missing_rates=sorted(paid_sums.missing),
    )
