"""Conversion between currencies with the recorded daily rates: stated, never guessed.

A figure in currency Q of an amount in currency C on a day uses, in this order:
- the recorded rate between C and Q (either way round: 1 USD = 0.80 CHF states 1 CHF = 1.25 USD) of that day, or
  the last earlier one;
- failing any, a cross rate through the partnership's reporting currency R: (C in R) / (Q in R), each found as
  above, so a donor reporting in CHF sees its EUR figures with rates recorded only against USD;
- failing both, `MissingRate`: the figure is left empty and the page says which rate is missing.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
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
    rate_date: dt.date | None  # None when no conversion was needed; the older leg's date for a cross rate
    requested_date: dt.date
    source: str = ""
    inverse: bool = False  # stated by the rate recorded the other way round (1 / that rate)
    legs: tuple[AppliedRate, ...] = ()  # the two rates a cross rate is made of

    @property
    def is_earlier(self) -> bool:
        """True when the last earlier rate stood in for a missing rate of the day."""
        return self.rate_date is not None and self.rate_date < self.requested_date

    @property
    def via(self) -> str:
        """The currency a cross rate goes through; empty for a recorded rate."""
        return self.legs[0].quote_currency if self.legs else ""

    @property
    def key(self) -> tuple:
        """What makes two uses the same rate, whatever day asked for it."""
        return (self.currency, self.quote_currency, self.rate_date, self.rate, self.source)


@dataclass(frozen=True)
class Converted:
    amount: Decimal
    rate: AppliedRate


@dataclass
class _Series:
    """The rates of one currency in one quote currency, by date."""

    dates: list[dt.date] = field(default_factory=list)
    rates: list[Decimal] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    inverse: list[bool] = field(default_factory=list)


def _series(rows: Iterable[tuple], quote: str) -> dict[str, _Series]:
    collected = []
    for currency, quote_currency, date, rate, source in rows:
        if quote_currency == quote:
            collected.append((currency, date, 0, rate, source))
        elif currency == quote:  # the inverse pair states the same rate
            collected.append((quote_currency, date, 1, Decimal(1) / rate, source))
    series: dict[str, _Series] = defaultdict(_Series)
    for currency, date, inverse, rate, source in sorted(collected, key=lambda row: row[:3]):
        found = series[currency]
        if found.dates and found.dates[-1] == date:
            continue  # the direct pair (sorted first) wins over the inverse one of the same day
        found.dates.append(date)
        found.rates.append(rate)
        found.sources.append(source)
        found.inverse.append(bool(inverse))
    return series


class RateTable:
    """All rates needed for a set of figures, loaded in one query and looked up in memory, each (currency, date)
    once: a page's figures ask for the same day's rate for thousands of rows."""

    def __init__(self, quote: str, rates: Iterable[tuple[str, str, dt.date, Decimal, str]], *, via: str | None = None):
        self.quote = quote
        self.via = settings.REPORTING_CURRENCY if via is None else via
        rows = list(rates)
        self._pairs = _series(rows, quote)
        self._legs = _series(rows, self.via) if self.via != quote else {}
        self._found: dict[tuple[str, dt.date], AppliedRate] = {}

    @classmethod
    def load(cls, *, quote: str, currencies: Iterable[str], until: dt.date | None = None) -> RateTable:
        """One query, always (a page takes the same number of queries whatever currencies its rows are in)."""
        via = settings.REPORTING_CURRENCY
        wanted = sorted(set(currencies) - {quote}) or [quote]
        pairs = Q(currency__in=wanted, quote_currency=quote) | Q(currency=quote, quote_currency__in=wanted)
        if via != quote:
            legs = sorted((set(wanted) | {quote}) - {via})
            pairs |= Q(currency__in=legs, quote_currency=via) | Q(currency=via, quote_currency__in=legs)
        rows = ExchangeRate.objects.filter(pairs).order_by()
        if until is not None:
            rows = rows.filter(date__lte=until)
        return cls(quote, rows.values_list("currency", "quote_currency", "date", "rate", "source"), via=via)

    @staticmethod
    def _find(series: dict[str, _Series], currency: str, quote: str, on: dt.date) -> AppliedRate | None:
        found = series.get(currency)
        index = bisect_right(found.dates, on) if found else 0
        if index == 0:
            return None
        index -= 1
        return AppliedRate(
            currency, quote, found.rates[index], found.dates[index], on, found.sources[index], found.inverse[index]
        )

    def rate(self, currency: str, on: dt.date) -> AppliedRate:
        found = self._found.get((currency, on))
        if found is None:
            found = self._found[(currency, on)] = self._look_up(currency, on)
        return found

    def _look_up(self, currency: str, on: dt.date) -> AppliedRate:
        if currency == self.quote:
            return AppliedRate(currency, self.quote, Decimal(1), None, on)
        applied = self._find(self._pairs, currency, self.quote, on)
        if applied is not None:
            return applied
        if self._legs:
            into = self._find(self._legs, self.quote, self.via, on)
            out = self._find(self._legs, currency, self.via, on)
            if out is not None and into is not None:
                return AppliedRate(
                    currency,
                    self.quote,
                    out.rate / into.rate,
                    min(out.rate_date, into.rate_date),
                    on,
                    legs=(out, into),
                )
            raise MissingRate(
                _(
                    "No exchange rate from %(currency)s to %(quote)s is recorded on or before %(date)s, "
                    "directly or through %(via)s."
                )
                % {"currency": currency, "quote": self.quote, "date": on.isoformat(), "via": self.via}
            )
        raise MissingRate(
            _("No exchange rate from %(currency)s to %(quote)s is recorded on or before %(date)s.")
            % {"currency": currency, "quote": self.quote, "date": on.isoformat()}
        )

    def convert(self, amount: Decimal, currency: str, on: dt.date) -> Converted:
        applied = self.rate(currency, on)
        return Converted(quantize(amount * applied.rate), applied)


def convert(amount: Decimal, *, currency: str, to: str, on: dt.date) -> Converted:
    """Convert one amount at the rate of `on` (or the last earlier one); MissingRate if there is none."""
    if currency == to:
        return Converted(quantize(amount), AppliedRate(currency, to, Decimal(1), None, on))
    return RateTable.load(quote=to, currencies=[currency], until=on).convert(amount, currency, on)


def distinct_rates(rates: Iterable[AppliedRate]) -> list[AppliedRate]:
    """Each rate once (conversions into the same currency need none), in the order a table lists them."""
    seen: dict[tuple, AppliedRate] = {}
    for rate in rates:
        if rate.rate_date is not None:
            seen.setdefault(rate.key, rate)
    return sorted(seen.values(), key=lambda rate: (rate.currency, rate.rate_date, rate.rate))
