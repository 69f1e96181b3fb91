"""Read queries of the funding side, each in a constant number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from django.conf import settings
from django.db.models import DecimalField, Expression, F, Prefetch, QuerySet, Sum

from common.loose_index_scan import distinct_values
from common.money import MONEY_DIGITS, RATE_DIGITS, RATE_PLACES, quantize

from ..currency import AppliedRate, MissingRate, RateTable, distinct_rates
from ..models import (
    Contribution,
    ContributionStatus,
    Project,
    ProjectCountry,
    ProjectPartner,
    Transaction,
)

CONVERTED_OUTPUT = DecimalField(max_digits=MONEY_DIGITS + RATE_DIGITS, decimal_places=RATE_PLACES)


@dataclass
class ConvertedSums:
    """Sums in one currency, each part converted at the rate of its date; the currencies left out for want of a
    rate, and the rates used."""

    totals: dict[tuple, Decimal]
    missing: set[str] = field(default_factory=set)
    rates: list[AppliedRate] = field(default_factory=list)
    missing_by_key: dict[tuple, set[str]] = field(default_factory=dict)  # the keys whose sums lack a part


def convert_daily(daily: Iterable[tuple], *, quote: str, table: RateTable | None = None) -> ConvertedSums:
    """(key, currency, date, amount) rows, converted at each date's rate and summed per key; rows whose currency
    has no rate by their date are left out and their currency named in `missing` (and under their key in
    `missing_by_key`). Summed exactly and rounded to
    the cent once per key."""
    daily = list(daily)
    table = table or RateTable.load(quote=quote, currencies={row[1] for row in daily})
    exact: dict[tuple, Decimal] = defaultdict(Decimal)
    result = ConvertedSums({})
    used: list[AppliedRate] = []
    with localcontext() as context:
        context.prec = 60
        for key, currency, on, amount in daily:
            try:
                applied = table.rate(currency, on)
            except MissingRate:
                result.missing.add(currency)
                result.missing_by_key.setdefault(key, set()).add(currency)
                continue
            exact[key] += amount * applied.rate
            used.append(applied)
    result.totals = {key: quantize(total) for key, total in exact.items()}
    result.rates = distinct_rates(used)
    return result


def converted_sums(rows: QuerySet[Transaction], *, by: Sequence[str], quote: str) -> ConvertedSums:
    """The rows' amounts summed per the values named `by`, in `quote`, each at the rate of its value date (or
    the last earlier one, as `RateTable` finds it); rows whose currency has no rate by then are left out, and
    named.

    Two queries, in which the rows are summed per key, currency and day in the database, and each day's sum
    converted here: a rate is looked up once per currency and day rather than once per row.
    """
    keys = {f"key{number}": F(name) for number, name in enumerate(by)}
    daily = rows.annotate(**keys).values_list(*keys, "currency", "value_date").annotate(day=Sum("amount")).order_by()
    width = len(keys)
    return convert_daily(((row[:width], row[width], row[width + 1], row[-1]) for row in daily), quote=quote)


def converted_counts(
    rows: QuerySet, *, by: Sequence[str], quote: str, amount: Expression | str = "amount", counted: str | None = None
) -> dict[tuple, tuple[Decimal, int]]:
    """As `converted_sums`, with each sum the number of distinct values of `counted` (projects, say) it adds up.

    `rows` has `amount`, `currency` and `value_date` (as fields or annotations); `amount` may weigh each row (a
    country's share of its project). Still two queries; a day's rows without a rate count no value.
    """
    keys = {f"key{number}": F(name) for number, name in enumerate(by)}
    grouped = {**keys, **({"counted": F(counted)} if counted else {})}
    daily = list(
        rows.annotate(**grouped)
        .values_list(*grouped, "currency", "value_date")
        .annotate(day=Sum(amount, output_field=CONVERTED_OUTPUT))
        .order_by()
    )
    width = len(keys)
    table = RateTable.load(quote=quote, currencies={row[-3] for row in daily})
    sums = convert_daily(((row[:width], row[-3], row[-2], row[-1]) for row in daily), quote=quote, table=table)
    counted_by_key: dict[tuple, set] = defaultdict(set)
    if counted:
        for row in daily:
            try:
                table.rate(row[-3], row[-2])
            except MissingRate:
                continue
            counted_by_key[row[:width]].add(row[width])
    return {key: (total, len(counted_by_key[key])) for key, total in sums.totals.items()}


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class PortfolioHeadline:
    reporting_currency: str
    total_pledged: Decimal
    pledged_by_currency: list[CurrencyTotal]
    currencies_without_rate: list[str]
    projects: int
    countries: int
    cities: int
    donors: int
    rates: list[AppliedRate] = field(default_factory=list)


def active_contributions() -> QuerySet[Contribution]:
    return Contribution.objects.exclude(status=ContributionStatus.CANCELLED)


def public_projects() -> QuerySet[Project]:
    return Project.objects.filter(is_public=True)


def public_country_codes() -> list[str]:
    """The countries of the public projects, each once and in order: a few dozen, read by skipping through the
    index of the countries from each to the next (`distinct_values`), where `SELECT DISTINCT` read every row."""
    codes = ProjectCountry.objects.filter(project__is_public=True).order_by("country").values_list("country", flat=True)
    return distinct_values(codes.distinct(), ProjectCountry._meta.get_field("country"), filter_keeps_most=True)


def public_transactions() -> QuerySet[Transaction]:
    return Transaction.objects.filter(project__is_public=True)


def portfolio_headline(*, quote: str | None = None) -> PortfolioHeadline:
    """Headline figures of the public home page: money pledged, projects and where they work; the pledges
    converted to `quote` (the reporting currency unless said) at the rate of each agreement's start."""
    quote = quote or settings.REPORTING_CURRENCY
    pledges = list(
        active_contributions().values_list("currency", "start_date").annotate(amount=Sum("amount")).order_by()
    )
    converted = convert_daily(((None, currency, on, amount) for currency, on, amount in pledges), quote=quote)
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for currency, _on, amount in pledges:
        by_currency[currency] += amount
    projects = public_projects()
    return PortfolioHeadline(
        reporting_currency=quote,
        total_pledged=converted.totals.get(None, Decimal("0.00")),
        pledged_by_currency=[CurrencyTotal(code, amount) for code, amount in sorted(by_currency.items())],
        currencies_without_rate=sorted(converted.missing),
        projects=projects.count(),
        countries=len(public_country_codes()),
        cities=Project.cities.through.objects.filter(project__in=projects).values("city").distinct().count(),
        donors=active_contributions().values("donor").distinct().count(),
        rates=converted.rates,
    )


def project_list() -> QuerySet[Project]:
    return (
        public_projects()
        .select_related("facility__window")
        .prefetch_related("countries", "themes")
        .order_by("-start_date", "code")
    )


def project_detail(*, code: str, projects: QuerySet[Project] | None = None) -> Project:
    """One project with everything its page shows, or Project.DoesNotExist: a public one, or one of `projects`
    (those the user may see, `visible_projects`)."""
    partners = ProjectPartner.objects.select_related("organisation").order_by("role", "organisation__name")
    return (
        (public_projects() if projects is None else projects)
        .select_related("facility__window")
        .prefetch_related("themes", "countries", "cities", Prefetch("partners", queryset=partners))
        .get(code=code)
    )
