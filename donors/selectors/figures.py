"""A donor's dashboard figures: its contributions, their totals in one currency and where the money went.

Each figure takes a constant number of queries, whatever the number of projects."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings

from common.figures import cached_figures
from common.money import quantize
from grants.currency import AppliedRate, distinct_rates
from grants.selectors import AllocationFigures, ContributionFigures, contribution_figures
from members.models import Organisation

from .breakdowns import ShareBreakdown, share_breakdowns
from .contributions import donor_contributions
from .conversion import Conversion, received_in, sum_or_none

ZERO = Decimal(0)


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
    # Per contribution, the sums of its allocations' figures (None: a rate is missing), kept when they are not.
    allocated_reporting: dict[int, Decimal | None] = field(default_factory=dict)
    disbursed_reporting: dict[int, Decimal | None] = field(default_factory=dict)

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
            allocated=self.allocated_reporting[item.contribution.pk],
            disbursed=self.disbursed_reporting[item.contribution.pk],
            conversion=Conversion(self.totals.currency, self.rates_of(item), sorted(missing)),
        )

    def without_allocations(self) -> DonorFigures:
        """The same figures without each allocation's (a major donor's thousands), which only its statement reads."""
        return replace(self, contributions=[replace(item, allocations=[]) for item in self.contributions])

    @property
    def has_activity(self) -> bool:
        return bool(self.contributions)


def donor_figures(donor: Organisation, *, quote: str | None = None, allocations: bool = False) -> DonorFigures:
    """A donor's contributions, totals in `quote` (the partnership's reporting currency unless said) and where
    the money went. Each of a major donor's thousands of allocations takes its share of its project's payments,
    converted at its date: the figures are kept, one copy per currency, until a row they are made of changes
    (common.figures), without each allocation's figures unless `allocations` asks for them (then computed)."""
    quote = quote or settings.REPORTING_CURRENCY
    if allocations:
        return _donor_figures(donor, quote)
    return cached_figures(
        f"donor-figures:{donor.pk}:{quote}", lambda: _donor_figures(donor, quote).without_allocations()
    )


def _donor_figures(donor: Organisation, quote: str) -> DonorFigures:
    contributions = list(donor_contributions(donor))
    figures = contribution_figures(contributions, quote=quote)
    receipts = received_in(contributions, quote)
    received = receipts.by_contribution
    totals = Totals(quote)
    missing: set[str] = set()
    rates: list[AppliedRate] = list(receipts.rates)
    parts: list[AllocationFigures] = []
    allocated: dict[int, Decimal | None] = {}
    disbursed: dict[int, Decimal | None] = {}
    for item in figures:
        missing |= set(item.missing_rates)
        rates += item.rates
        parts += item.allocations
        totals.pledged = _add(totals.pledged, item.pledged_reporting)
        totals.received = _add(totals.received, received[item.contribution.pk])
        if received[item.contribution.pk] is None:  # a receipt dated before any rate of its currency
            missing.add(item.currency)
        allocated[item.contribution.pk] = sum_or_none(part.allocated_reporting for part in item.allocations)
        totals.allocated = _add(totals.allocated, allocated[item.contribution.pk])
        disbursed[item.contribution.pk] = sum_or_none(part.disbursed_reporting for part in item.allocations)
        totals.disbursed = _add(totals.disbursed, disbursed[item.contribution.pk])
    # Every payment to the projects the donor funds, converted and shared out along five dimensions: kept, one
    # copy per currency, until a row it is made of changes (common.figures), for the statement too.
    breakdowns = cached_figures(
        f"donor-breakdowns:2:{quote}:{sorted(c.pk for c in contributions)}",
        lambda: share_breakdowns(parts, quote, contributions),
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
        allocated_reporting=allocated,
        disbursed_reporting=disbursed,
    )


def _add(total: Decimal | None, amount: Decimal | None) -> Decimal | None:
    return None if total is None or amount is None else quantize(total + amount)
