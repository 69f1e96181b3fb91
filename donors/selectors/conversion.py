"""A donor's money in another currency: each amount converted at the rate of its date, noting the rates used
and the currencies that had none."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from grants.currency import AppliedRate, MissingRate, RateTable, distinct_rates
from grants.models import Contribution, Transaction, TransactionKind

ZERO = Decimal(0)


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


def sum_or_none(amounts: Iterable[Decimal | None]) -> Decimal | None:
    amounts = list(amounts)
    return None if None in amounts else sum(amounts, ZERO)


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


class RowConverter:
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
        return sum_or_none([self.amount(*row) for row in amounts])

    @property
    def conversion(self) -> Conversion:
        return Conversion(self.table.quote, distinct_rates(self.used), sorted(self.missing))
