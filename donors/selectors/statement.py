"""The financial statement of a donor report: what happened to the donor's money in a period."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum

from common.money import quantize
from grants.currency import MissingRate, RateTable
from grants.models import Allocation, Project, Transaction, TransactionKind
from grants.selectors import convert_daily
from members.models import Organisation
from results.selectors import OutcomeProgress

from .figures import DonorFigures, donor_figures
from .projects import donor_project_list
from .results import donor_results

ZERO = Decimal(0)


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
    figures = donor_figures(donor, quote=quote, allocations=True)
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
