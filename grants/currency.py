"""Conversion between currencies with the recorded daily rates: stated, never guessed."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.money import quantize

from .models import ExchangeRate


class MissingRate(DomainError):
    """No rate is recorded for a currency on or before the date a figure needs one."""


@dataclass(frozen=True)
class AppliedRate:
    currency: str
    quote_currency: str
    rate: Decimal
    rate_date: dt.date | None  # None when no conversion was needed
    requested_date: dt.date

    @property
    def is_earlier(self) -> bool:
        """True when the last earlier rate stood in for a missing rate of the day."""
        return self.rate_date is not None and self.rate_date < self.requested_date


@dataclass(frozen=True)
class Converted:
    amount: Decimal
    rate: AppliedRate


class RateTable:
    """All rates needed for a set of figures, loaded in one query and looked up in memory."""

    def __init__(self, quote: str, rates: Iterable[tuple[str, str, dt.date, Decimal]]):
        self.quote = quote
        self._dates: dict[str, list[dt.date]] = defaultdict(list)
        self._rates: dict[str, list[Decimal]] = defaultdict(list)
        rows = []
        for currency, quote_currency, date, rate in rates:
            if quote_currency == quote:
                rows.append((currency, date, 0, rate))
            elif currency == quote:  # the inverse pair states the same rate
                rows.append((quote_currency, date, 1, Decimal(1) / rate))
        for currency, date, _inverse, rate in sorted(rows, key=lambda row: row[:3]):
            if self._dates[currency] and self._dates[currency][-1] == date:
                continue  # the direct pair (sorted first) wins over the inverse one of the same day
            self._dates[currency].append(date)
            self._rates[currency].append(rate)

    @classmethod
    def load(cls, *, quote: str, currencies: Iterable[str], until: dt.date | None = None) -> RateTable:
        wanted = sorted(set(currencies) - {quote})
        if not wanted:
            return cls(quote, [])
        rows = ExchangeRate.objects.filter(
            Q(currency__in=wanted, quote_currency=quote) | Q(currency=quote, quote_currency__in=wanted)
        )
        if until is not None:
            rows = rows.filter(date__lte=until)
        return cls(quote, rows.values_list("currency", "quote_currency", "date", "rate"))

    @classmethod
    def load_direct(cls, *, quote: str, currencies: Iterable[str]) -> RateTable:
        """Only the rates recorded from each currency to `quote`, not the inverse pairs: the rates that the
        database's conversions (`rate_on`) read, for figures summed there and converted here."""
        # One query even when every figure is in `quote` already (no rate has a currency equal to its quote):
        # a page takes the same number of queries whatever currencies its rows are in.
        wanted = sorted(set(currencies) - {quote}) or [quote]
        rows = ExchangeRate.objects.filter(currency__in=wanted, quote_currency=quote).order_by()
        return cls(quote, rows.values_list("currency", "quote_currency", "date", "rate"))

    def rate(self, currency: str, on: dt.date) -> AppliedRate:
        if currency == self.quote:
            return AppliedRate(currency, self.quote, Decimal(1), None, on)
        dates = self._dates.get(currency, [])
        index = bisect_right(dates, on)
        if index == 0:
            raise MissingRate(
                _("No exchange rate from %(currency)s to %(quote)s is recorded on or before %(date)s.")
                % {"currency": currency, "quote": self.quote, "date": on.isoformat()}
            )
        return AppliedRate(currency, self.quote, self._rates[currency][index - 1], dates[index - 1], on)

    def convert(self, amount: Decimal, currency: str, on: dt.date) -> Converted:
        applied = self.rate(currency, on)
        return Converted(quantize(amount * applied.rate), applied)


def convert(amount: Decimal, *, currency: str, to: str, on: dt.date) -> Converted:
    """Convert one amount at the rate of `on` (or the last earlier one); MissingRate if there is none."""
    return RateTable.load(quote=to, currencies=[currency], until=on).convert(amount, currency, on)
