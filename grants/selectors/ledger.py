"""Figures of the ledger that donors and staff read, each in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Context, Decimal, localcontext

from django.conf import settings
from django.db import connection
from django.db.models import Count, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from common.countries import country_name
from common.figures import cached_figures
from common.money import quantize

from ..currency import AppliedRate, MissingRate, RateTable, distinct_rates
from ..models import (
    Allocation,
    Contribution,
    LedgerDay,
    Project,
    ProjectStatus,
    Tranche,
    TrancheStatus,
    Transaction,
    TransactionKind,
)
from .portfolio import (
    CONVERTED_OUTPUT,
    PortfolioHeadline,
    active_contributions,
    portfolio_headline,
    public_transactions,
)

ZERO = Decimal(0)


@dataclass(frozen=True)
class FundedProject:
    """What the figures and the pages showing them read of a funded project: plain values rather than a model,
    as a donor funding thousands of projects would otherwise make thousands of them for each page."""

    pk: int
    code: str
    title: str
    status: int
    currency: str
    start_date: dt.date
    committed_total: Decimal
    disbursed_total: Decimal

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    def get_status_display(self) -> str:
        return str(ProjectStatus(self.status).label)


@dataclass(frozen=True)
class AllocationRow:
    """An allocation as the figures read it, with its project (`FundedProject`)."""

    pk: int
    contribution_id: int
    project_id: int
    amount: Decimal
    allocated_on: dt.date
    project: FundedProject


PROJECT_READ = [field.name for field in FundedProject.__dataclass_fields__.values() if field.name != "pk"]


def allocation_rows(allocations: QuerySet[Allocation]) -> list[AllocationRow]:
    """`allocations` with their projects, as plain rows, in their usual order: one query."""
    project_fields = [f"project__{name}" for name in PROJECT_READ]
    rows = allocations.values_list("pk", "contribution_id", "project_id", "amount", "allocated_on", *project_fields)
    return [AllocationRow(*row[:5], project=FundedProject(row[2], *row[5:])) for row in rows]


@dataclass(frozen=True)
class AllocationFigures:
    """One allocation of a contribution in the reporting currency, with its share of the project's payments."""

    allocation: AllocationRow
    allocated_reporting: Decimal | None
    share: Decimal | None  # of the project's disbursements attributed to this allocation
    disbursed_reporting: Decimal | None
    disbursed: Decimal | None = None  # the same, in the contribution's currency

    @property
    def balance(self) -> Decimal | None:
        """Allocated and not yet paid out to the project through this allocation."""
        return None if self.disbursed is None else self.allocation.amount - self.disbursed


@dataclass
class ContributionFigures:
    """A donor agreement's money: pledged, received, allocated, disbursed through its allocations."""

    contribution: Contribution
    pledged: Decimal
    received: Decimal
    allocated: Decimal
    disbursed: Decimal | None  # None when a rate needed to attribute disbursements is missing
    reporting_currency: str
    pledged_reporting: Decimal | None
    rates: list[AppliedRate] = field(default_factory=list)
    missing_rates: list[str] = field(default_factory=list)
    allocations: list[AllocationFigures] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.contribution.currency

    @property
    def unallocated(self) -> Decimal:
        return self.pledged - self.allocated

    @property
    def balance(self) -> Decimal | None:
        """Received and not yet paid out to the projects it funds."""
        return None if self.disbursed is None else self.received - self.disbursed


@dataclass
class AllocationWeights:
    """What each allocation weighs in the reporting currency (at its date), and each project's total.

    A project's payments are shared among its funders in proportion to their allocations, out of the larger
    of all its allocations and its commitment (converted at the project's start): money committed beyond the
    earmarked allocations came from the fund's unearmarked resources.
    """

    table: RateTable
    weight_of: dict[int, Decimal] = field(default_factory=dict)
    total_weight: dict[int, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    unweighable: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))  # project -> currencies

    @classmethod
    def of(cls, rows: Iterable[tuple[int, int, Decimal, str, dt.date]], table: RateTable) -> AllocationWeights:
        """`rows`: every allocation to the projects concerned, as (pk, project id, amount, currency, date)."""
        weights = cls(table)
        for pk, project_id, amount, currency, allocated_on in rows:
            try:
                weight = table.convert(amount, currency, allocated_on).amount
            except MissingRate:
                weights.unweighable[project_id].add(currency)
                continue
            weights.weight_of[pk] = weight
            weights.total_weight[project_id] += weight
        return weights

    def share(self, allocation_pk: int, project: Project | FundedProject) -> tuple[Decimal | None, set[str]]:
        """The allocation's share of the project's payments, or None with the currencies that lack a rate."""
        if project.pk in self.unweighable or not self.total_weight[project.pk]:
            return None, set(self.unweighable.get(project.pk) or {project.currency})
        try:
            committed = self.table.convert(project.committed_total, project.currency, project.start_date).amount
        except MissingRate:
            return None, {project.currency}
        return self.weight_of[allocation_pk] / max(self.total_weight[project.pk], committed), set()


def contribution_figures(
    contributions: Iterable[Contribution], *, quote: str | None = None
) -> list[ContributionFigures]:
    """Figures for several contributions in four queries, however many projects they fund, in `quote` (the
    reporting currency unless said).

    A project's disbursements are attributed to each contribution as `AllocationWeights` shares them.
    """
    contributions = list(contributions)
    quote = quote or settings.REPORTING_CURRENCY
    ids = [c.pk for c in contributions]
    # A major donor funds thousands of projects: read as plain rows, only what the figures need.
    own = allocation_rows(Allocation.objects.filter(contribution_id__in=ids))
    # Every allocation to those projects, whoever made it, as plain rows: only their weights are needed.
    # A subquery, not the projects' ids: a major donor funds hundreds of projects.
    funded = Allocation.objects.filter(contribution_id__in=ids).values("project_id")
    shared = list(
        Allocation.objects.filter(project_id__in=funded)
        .values_list("pk", "project_id", "amount", "contribution__currency", "allocated_on")
        .order_by()
    )
    currencies = {c.currency for c in contributions} | {row[3] for row in shared}
    currencies |= {a.project.currency for a in own}
    table = RateTable.load(quote=quote, currencies=currencies)
    weights = AllocationWeights.of(shared, table)

    by_contribution: dict[int, list[AllocationRow]] = defaultdict(list)
    for allocation in own:
        by_contribution[allocation.contribution_id].append(allocation)

    figures = []
    for contribution in contributions:
        missing: set[str] = set()
        applied: list[AppliedRate] = []
        parts: list[AllocationFigures] = []
        for allocation in by_contribution[contribution.pk]:
            project = allocation.project
            share, lacking = weights.share(allocation.pk, project)
            in_reporting = None
            if share is not None:
                try:
                    in_reporting = table.convert(
                        project.disbursed_total * share, project.currency, allocation.allocated_on
                    )
                except MissingRate:
                    lacking = {project.currency}
            if in_reporting is None:
                missing |= lacking
                parts.append(AllocationFigures(allocation, weights.weight_of.get(allocation.pk), None, None))
                continue
            back = table.rate(contribution.currency, allocation.allocated_on)  # known: it weighed the allocation
            applied += [in_reporting.rate, back]
            disbursed = quantize(in_reporting.amount / back.rate)
            parts.append(
                AllocationFigures(allocation, weights.weight_of[allocation.pk], share, in_reporting.amount, disbursed)
            )
        try:
            pledged_rate = table.rate(contribution.currency, contribution.start_date)
            pledged_reporting = quantize(contribution.amount * pledged_rate.rate)
            applied.append(pledged_rate)
        except MissingRate:
            missing.add(contribution.currency)
            pledged_reporting = None
        disbursed_parts = [part.disbursed for part in parts]
        figures.append(
            ContributionFigures(
                contribution=contribution,
                pledged=contribution.amount,
                received=contribution.received_total,
                allocated=contribution.allocated_total,
                disbursed=None if None in disbursed_parts else sum(disbursed_parts, ZERO),
                reporting_currency=quote,
                pledged_reporting=pledged_reporting,
                rates=distinct_rates(applied),
                missing_rates=sorted(missing),
                allocations=parts,
            )
        )
    return figures


@dataclass
class ProjectMoney:
    project: Project
    committed: Decimal
    disbursed: Decimal
    spent: Decimal
    tranches: list[Tranche]
    transactions: list[Transaction]
    funders: list[Allocation]

    @property
    def currency(self) -> str:
        return self.project.currency

    @property
    def remaining(self) -> Decimal:
        return self.committed - self.disbursed

    @property
    def next_tranche(self) -> Tranche | None:
        return next((t for t in self.tranches if t.status != TrancheStatus.PAID), None)


def project_money(project: Project) -> ProjectMoney:
    """A project's commitment, disbursements, tranches and funders, in three queries."""
    tranches = list(Tranche.objects.filter(agreement__project=project).order_by("number"))
    transactions = list(
        Transaction.objects.filter(project=project)
        .exclude(kind=TransactionKind.INCOMING_FUNDS)
        .select_related("provider", "receiver", "tranche", "reverses")
        .order_by("value_date", "pk")
    )
    funders = list(Allocation.objects.filter(project=project).select_related("contribution__donor"))
    return ProjectMoney(
        project=project,
        committed=project.committed_total,
        disbursed=project.disbursed_total,
        spent=project.spent_total,
        tranches=tranches,
        transactions=transactions,
        funders=funders,
    )


# A tranche not fully paid nor cancelled yet (one free to pay on a day is `Tranche.released_by(day)`).
TRANCHE_UNPAID = Q(disbursed_total__lt=F("amount") - F("cancelled_amount"))


def tranches_due(*, on: dt.date | None = None) -> QuerySet[Tranche]:
    """Tranches whose date has come, whose condition is met and that are not fully paid."""
    on = on or timezone.localdate()
    return (
        Tranche.objects.filter(TRANCHE_UNPAID, Tranche.released_by(on), planned_date__lte=on)
        .select_related("agreement__project")
        .order_by("planned_date")
    )


DIMENSIONS = {
    "window": ("project__facility__window__name", None),
    "facility": ("project__facility__name", None),
    "theme": ("project__themes__name", None),
    "country": ("project__countries__country", "project__countries__percentage"),
    "year": ("year", None),
}


@dataclass
class BreakdownRow:
    label: str
    committed: Decimal = ZERO
    disbursed: Decimal = ZERO
    by_currency: dict[str, dict[str, Decimal]] = field(default_factory=dict)


@dataclass
class Breakdown:
    dimension: str
    reporting_currency: str
    rows: list[BreakdownRow]
    unconverted: dict[str, int]  # currency -> transactions left out for want of a rate

    @property
    def committed(self) -> Decimal:
        return sum((row.committed for row in self.rows), ZERO)

    @property
    def disbursed(self) -> Decimal:
        return sum((row.disbursed for row in self.rows), ZERO)


def money_by(
    dimension: str, *, transactions: QuerySet[Transaction] | None = None, quote: str | None = None
) -> Breakdown:
    """Committed and disbursed, in the reporting currency at each value date's rate, per dimension.

    Countries share a project's money by their percentage; a project with two themes counts in both.
    Two queries, whatever the number of transactions: the ledger is summed per label, kind, currency and
    value date in the database, and each day's sum converted here at that day's rate (or the last earlier
    one), rather than a rate looked up for every transaction.
    """
    path, weight = DIMENSIONS[dimension]
    quote = quote or settings.REPORTING_CURRENCY
    rows = (transactions if transactions is not None else Transaction.objects.all()).filter(
        kind__in=[TransactionKind.COMMITMENT, TransactionKind.DISBURSEMENT]
    )
    if dimension == "year":
        rows = rows.annotate(year=ExtractYear("value_date"))
    # A project listed in no country counts in full, under "—", rather than vanishing from the totals.
    # Multiplying by 0.01 rather than dividing by 100: SQLite stores 50.00 as the integer 50, and 50 / 100 is 0.
    share = Coalesce(F(weight), Value(Decimal(100))) * Value(Decimal("0.01")) if weight else Value(Decimal(1))
    weighted = ExpressionWrapper(F("amount") * share, output_field=CONVERTED_OUTPUT)
    daily = list(
        rows.values_list(path, "kind", "currency", "value_date").annotate(total=Sum(weighted), n=Count("pk")).order_by()
    )
    return _breakdown(dimension, daily, quote)


def money_by_window_and_year(*, quote: str | None = None) -> tuple[Breakdown, Breakdown]:
    """`money_by("window")` and `money_by("year")` of the public projects, from the ledger's sums per day
    (`public_ledger_days`): a day's sums per window also make its year's, each converted once for both."""
    quote = quote or settings.REPORTING_CURRENCY
    daily = public_ledger_days()
    both = _grouped(_converted(daily, _rates_of(daily, quote)), by_year=True)
    by_window: dict[tuple, list] = {}
    by_year: dict[tuple, list] = {}
    with localcontext(EXACT):
        for (window, year, kind, currency), sums in both.items():
            _add(by_window, (window, kind, currency), sums)
            _add(by_year, (year, kind, currency), sums)
    return _summed("window", by_window, quote), _summed("year", by_year, quote)


def public_ledger_days() -> list[tuple]:
    """The public projects' commitments and disbursements summed per window name, kind, currency and value date,
    with their number: one query, of the sums PostgreSQL keeps (`LedgerDay`), a few thousand rows whatever the
    size of the ledger; on SQLite, which keeps none, of the ledger itself."""
    kinds = [TransactionKind.COMMITMENT, TransactionKind.DISBURSEMENT]
    if connection.vendor == "postgresql":
        days = LedgerDay.objects.filter(is_public=True, kind__in=kinds).exclude(rows=0)
        return list(days.values_list("window__name", "kind", "currency", "value_date", "amount", "rows").order_by())
    path, _weight = DIMENSIONS["window"]
    return list(
        public_transactions()
        .filter(kind__in=kinds)
        .values_list(path, "kind", "currency", "value_date")
        .annotate(total=Sum("amount"), n=Count("pk"))
        .order_by()
    )


def _rates_of(daily: list[tuple], quote: str) -> RateTable:
    return RateTable.load(quote=quote, currencies={row[2] for row in daily})


def _breakdown(dimension: str, daily: list[tuple], quote: str) -> Breakdown:
    """The breakdown from the ledger's sums per (label, kind, currency, value date, sum, count): each day's sum
    converted at that day's rate."""
    return _summed(dimension, _grouped(_converted(daily, _rates_of(daily, quote))), quote)


# Sums of products of money and rates, quantized once at the end as the database did.
EXACT = Context(prec=60)


def _converted(daily: list[tuple], table: RateTable) -> list[tuple]:
    """Each row of sums per day with, last, its sum in the table's currency at that day's rate (None without a
    rate)."""
    converted = []
    with localcontext(EXACT):
        for *row, value_date, total, count in daily:
            try:
                amount = total * table.rate(row[2], value_date).rate
            except MissingRate:
                amount = None
            converted.append((*row, value_date, total, count, amount))
    return converted


def _grouped(converted: list[tuple], *, by_year: bool = False) -> dict[tuple, list]:
    """Rows of sums per (value, kind, currency, value date, sum, count, converted sum) added up per (value, kind,
    currency), or per (value, year, kind, currency) `by_year`: [sum, converted sum, rows without a rate]. Thousands
    of days make a few dozen groups, which the breakdowns then label."""
    groups: dict[tuple, list] = {}
    with localcontext(EXACT):
        for value, kind, currency, day, total, count, amount in converted:
            key = (value, day.year, kind, currency) if by_year else (value, kind, currency)
            sums = groups.get(key)
            if sums is None:
                sums = groups[key] = [ZERO, ZERO, 0]
            sums[0] += total
            if amount is None:
                sums[2] += count
            else:
                sums[1] += amount
    return groups


def _add(groups: dict[tuple, list], key: tuple, sums: list) -> None:
    """Add a group's `sums` ([sum, converted sum, rows without a rate]) to the group `key` of `groups`."""
    into = groups.get(key)
    if into is None:
        groups[key] = list(sums)
    else:
        into[0] += sums[0]
        into[1] += sums[1]
        into[2] += sums[2]


def _summed(dimension: str, groups: dict[tuple, list], quote: str) -> Breakdown:
    """The breakdown of sums per (value, kind, currency) (`_grouped`)."""
    labelled: dict[str, BreakdownRow] = {}
    missing: dict[str, int] = defaultdict(int)
    sums: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    with localcontext(EXACT):
        for (value, kind, currency), (total, amount, unconverted) in groups.items():
            label = _label(dimension, value)
            entry = labelled.setdefault(label, BreakdownRow(label))
            column = "committed" if kind == TransactionKind.COMMITMENT else "disbursed"
            by_currency = entry.by_currency.setdefault(currency, {"committed": ZERO, "disbursed": ZERO})
            by_currency[column] += total
            if unconverted:
                missing[currency] += unconverted
            sums[(label, column)] += amount
    for (label, column), total in sums.items():
        setattr(labelled[label], column, quantize(total))
    for entry in labelled.values():
        for amounts in entry.by_currency.values():
            for column, total in amounts.items():
                amounts[column] = quantize(total)
    ordered = sorted(labelled.values(), key=lambda r: r.label if dimension == "year" else (-r.disbursed, r.label))
    return Breakdown(dimension, quote, ordered, dict(missing))


@dataclass(frozen=True)
class HomeFigures:
    headline: PortfolioHeadline
    by_window: Breakdown
    by_year: Breakdown


def home_figures(*, quote: str | None = None) -> HomeFigures:
    """The public home page's figures in `quote` (the reporting currency unless said): read from the whole
    ledger, so kept in the cache, one copy per currency, until a row they are made of changes (common.figures)."""
    quote = quote or settings.REPORTING_CURRENCY
    return cached_figures(f"home:{quote}", lambda: _home_figures(quote))


def _home_figures(quote: str) -> HomeFigures:
    by_window, by_year = money_by_window_and_year(quote=quote)
    return HomeFigures(headline=portfolio_headline(quote=quote), by_window=by_window, by_year=by_year)


def _label(dimension: str, value) -> str:
    if value is None:
        return "—"
    if dimension == "country":
        return country_name(value) or str(value)
    return str(value)


def fund_unallocated_balance(*, currency: str) -> Decimal:
    """The fund's money in `currency` that is received and not yet committed to a grant: what donors paid in
    (incoming funds on contributions not cancelled) less what the agreements in that currency commit, net of
    reversals. Earmarking by allocation is left aside: a commitment beyond a project's allocations is paid from the
    fund's unearmarked resources. Currencies are not converted: money in another currency is not counted."""
    received = active_contributions().filter(currency=currency).aggregate(total=Sum("received_total"))["total"]
    committed = Project.objects.filter(currency=currency).aggregate(total=Sum("committed_total"))["total"]
    return (received or ZERO) - (committed or ZERO)
