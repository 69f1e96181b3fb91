"""Daily exchange rates used to state any figure in the reporting currency."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.money import RATE_DIGITS, RATE_PLACES, CurrencyField, currency_shape_check


class ExchangeRate(models.Model):
    """One unit of `currency` was worth `rate` units of `quote_currency` on `date`."""

    currency = CurrencyField()
    quote_currency = CurrencyField(_("quote currency"))
    date = models.DateField(_("date"))
    rate = models.DecimalField(_("rate"), max_digits=RATE_DIGITS, decimal_places=RATE_PLACES)
    source = models.CharField(_("source"), max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "quote_currency", "-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "quote_currency", "date"],
                name="exchange_rate_unique_day",
                violation_error_message=_("There is already a rate for this pair of currencies on that day."),
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0),
                name="exchange_rate_positive",
                violation_error_message=_("A rate must be more than zero."),
            ),
            models.CheckConstraint(
                condition=~Q(currency=F("quote_currency")),
                name="exchange_rate_distinct_currencies",
                violation_error_message=_("A rate converts between two different currencies."),
            ),
            currency_shape_check("currency", "exchange_rate_currency_iso"),
            currency_shape_check("quote_currency", "exchange_rate_quote_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate.normalize():f} {self.quote_currency} ({self.date:%Y-%m-%d})"
