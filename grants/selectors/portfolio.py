"""Read queries of the funding side, each in a constant number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from common.money import MONEY_DIGITS, RATE_DIGITS, RATE_PLACES, quantize

from ..models import (
    City,
    Contribution,
    ContributionStatus,
    ExchangeRate,
    Project,
    ProjectCountry,
    ProjectPartner,
    Transaction,
)

RATE_OUTPUT = DecimalField(max_digits=RATE_DIGITS, decimal_places=RATE_PLACES)
CONVERTED_OUTPUT = DecimalField(max_digits=MONEY_DIGITS + RATE_DIGITS, decimal_places=RATE_PLACES)


def rate_on(*, currency: str, on: str, quote: str) -> Case:
    """The rate of column `currency` in `quote` on the date in column `on`, or the last earlier one.

    Null where no rate is known: callers report that rather than guess.
    """
    latest = (
        ExchangeRate.objects.filter(currency=OuterRef(currency), quote_currency=quote, date__lte=OuterRef(on))
        .order_by("-date")
        .values("rate")[:1]
    )
    return Case(
        When(**{currency: quote}, then=Value(Decimal(1), output_field=RATE_OUTPUT)),
        default=Subquery(latest, output_field=RATE_OUTPUT),
        output_field=RATE_OUTPUT,
    )


def converted_sums(rows: QuerySet[Transaction], *, by: Sequence[str], quote: str) -> dict[tuple, Decimal]:
    """The rows' amounts summed per the values named `by`, in `quote`, each at the rate of its value date (or
    the last earlier one, as `rate_on`); rows whose currency has no rate by then are left out.

    One query, in which the rate is looked up once per currency and day rather than once per row: the
    rows are summed per day first, and the days joined with their rates.
    """
    return {key: total for key, (total, _count) in converted_counts(rows, by=by, quote=quote).items()}


def converted_counts(
    rows: QuerySet, *, by: Sequence[str], quote: str, amount: Expression | str = "amount", counted: str | None = None
) -> dict[tuple, tuple[Decimal, int]]:
    """As `converted_sums`, with each sum the number of distinct values of `counted` (projects, say) it adds up.

    `rows` has `amount`, `currency` and `value_date` (as fields or annotations); `amount` may weigh each row (a
    country's share of its project). Still one query.
    """
    keys = {f"key{number}": F(name) for number, name in enumerate(by)}
    grouped = {**keys, **({"counted": F(counted)} if counted else {})}
    daily = (
        rows.annotate(**grouped)
        .values(*grouped, "currency", "value_date")
        .annotate(day_total=Sum(amount, output_field=CONVERTED_OUTPUT))
        .order_by()
    )
    try:
        inner, params = daily.query.sql_with_params()
    except EmptyResultSet:  # rows that cannot match anything (`pk__in=[]`): nothing to sum
        return {}
    connection = connections[rows.db]
    quoted = connection.ops.quote_name
    names = ", ".join(f"daily.{quoted(key)}" for key in keys)
    count = f"COUNT(DISTINCT daily.{quoted('counted')})" if counted else "0"
    # Built from Django's own compiled query and quoted names; every value is a parameter.
    sql = f"""
        WITH daily AS ({inner}),
        days AS (SELECT DISTINCT currency, value_date FROM daily),
        rated AS (
            SELECT days.currency, days.value_date, CASE WHEN days.currency = %s THEN 1 ELSE (
                SELECT rate.rate FROM {quoted(ExchangeRate._meta.db_table)} rate
                WHERE rate.currency = days.currency AND rate.quote_currency = %s AND rate.date <= days.value_date
                ORDER BY rate.date DESC LIMIT 1
            ) END AS rate
            FROM days
        )
        SELECT {names}, {count}, SUM(daily.day_total * rated.rate)
        FROM daily JOIN rated ON rated.currency = daily.currency AND rated.value_date = daily.value_date
        WHERE rated.rate IS NOT NULL
        GROUP BY {names}
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, quote, quote])
        return {tuple(row[:-2]): (Decimal(row[-1]), row[-2]) for row in cursor.fetchall()}


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


def active_contributions() -> QuerySet[Contribution]:
    return Contribution.objects.exclude(status=ContributionStatus.CANCELLED)


def public_projects() -> QuerySet[Project]:
    return Project.objects.filter(is_public=True)


def public_country_codes() -> list[str]:
    """The countries of the public projects, each once. The model's default ordering (by project) would
    make DISTINCT keep a row per project, so it is cleared."""
    return list(
        ProjectCountry.objects.filter(project__is_public=True)
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )


def public_transactions() -> QuerySet[Transaction]:
    return Transaction.objects.filter(project__is_public=True)


def portfolio_headline() -> PortfolioHeadline:
    """Headline figures of the public home page: money pledged, projects and where they work."""
    quote = settings.REPORTING_CURRENCY
    contributions = active_contributions().annotate(rate=rate_on(currency="currency", on="start_date", quote=quote))
    converted = contributions.filter(rate__isnull=False).aggregate(
        total=Sum(ExpressionWrapper(F("amount") * F("rate"), output_field=CONVERTED_OUTPUT)),
        donors=Count("donor", distinct=True),
    )
    by_currency = list(active_contributions().values("currency").annotate(amount=Sum("amount")).order_by("currency"))
    without_rate = sorted(set(contributions.filter(rate__isnull=True).values_list("currency", flat=True)))
    projects = public_projects()
    return PortfolioHeadline(
        reporting_currency=quote,
        total_pledged=quantize(converted["total"] or Decimal(0)),
        pledged_by_currency=[CurrencyTotal(row["currency"], row["amount"]) for row in by_currency],
        currencies_without_rate=without_rate,
        projects=projects.count(),
        countries=ProjectCountry.objects.filter(project__in=projects).values("country").distinct().count(),
        cities=City.objects.filter(projects__in=projects).distinct().count(),
        donors=active_contributions().values("donor").distinct().count(),
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
