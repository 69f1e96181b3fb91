"""The ledger summed per day: what the public home page reads instead of every transaction."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.money import CurrencyField, MoneyField

from .catalogue import FundingWindow
from .ledger import TransactionKind


class LedgerDay(models.Model):
    """The transactions of the projects of one window, public or not, of one kind, currency and value date:
    their sum and their number.

    On PostgreSQL the database keeps these rows (migration 0037's triggers) whatever writes the ledger (a
    service, an import, COPY) or moves a project (publishing it, another facility) or a facility (another
    window), in the same transaction as the write. SQLite, the development database, has no triggers and
    leaves the table empty: its pages read the ledger itself (`public_ledger_days`)."""

    window = models.ForeignKey(
        FundingWindow, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name=_("window")
    )
    is_public = models.BooleanField(_("public"))
    kind = models.PositiveSmallIntegerField(_("type"), choices=TransactionKind.choices)
    currency = CurrencyField()
    value_date = models.DateField(_("value date"))
    amount = MoneyField(_("amount"), max_digits=24)
    rows = models.IntegerField(_("transactions"))

    class Meta:
        verbose_name = _("ledger day")
        verbose_name_plural = _("ledger days")
        constraints = [
            models.UniqueConstraint(
                fields=["window", "is_public", "kind", "currency", "value_date"], name="ledger_day_key"
            )
        ]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.window_id} {self.get_kind_display()} {self.currency} {self.value_date}"
