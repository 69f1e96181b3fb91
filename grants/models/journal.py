"""Which accounts of the host's books each ledger row posts to, for the accounting journal.

Staff keep one mapping per transaction type, optionally narrowed to a funding window and a currency; the
most specific mapping that fits a row wins (type, window and currency; then type and window; then type and
currency; then type alone). Incoming funds come from donors, not through a window: only type and currency
apply to them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.money import CurrencyField

from .catalogue import FundingWindow
from .ledger import TransactionKind

account_code = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9.\-/]*$", _("An account code is letters, digits, dots, dashes or slashes.")
)


def account_code_field(verbose_name) -> models.CharField:
    return models.CharField(
        verbose_name,
        max_length=40,
        validators=[account_code],
        help_text=_("The account's code in the host's chart of accounts, such as 5110 or GL-5110."),
    )


class AccountMapping(models.Model):
    """The debit and credit accounts of the ledger rows of one type, in a window and a currency (blank: any)."""

    kind = models.PositiveSmallIntegerField(_("transaction type"), choices=TransactionKind.choices)
    window = models.ForeignKey(
        FundingWindow,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_mappings",
        verbose_name=_("funding window"),
        help_text=_("Blank: any window."),
    )
    currency = CurrencyField(blank=True, help_text=_("Three-letter ISO 4217 code; blank: any currency."))
    debit_account = account_code_field(_("debit account"))
    credit_account = account_code_field(_("credit account"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("account mapping")
        verbose_name_plural = _("account mappings")
        ordering = ["kind", "window__order", "currency"]
        constraints = [
            # A blank window is NULL, which a plain unique constraint would let repeat: one constraint for each case.
            models.UniqueConstraint(
                fields=["kind", "window", "currency"],
                condition=Q(window__isnull=False),
                name="account_mapping_unique_with_window",
                violation_error_message=_("There is already a mapping for this type, window and currency."),
            ),
            models.UniqueConstraint(
                fields=["kind", "currency"],
                condition=Q(window__isnull=True),
                name="account_mapping_unique_any_window",
                violation_error_message=_("There is already a mapping for this type and currency, for any window."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=TransactionKind.INCOMING_FUNDS) | Q(window__isnull=True),
                name="account_mapping_incoming_funds_without_window",
                violation_error_message=_("Incoming funds come from donors, not through a window: leave it blank."),
            ),
            models.CheckConstraint(
                condition=Q(currency="") | Q(currency__regex=r"^[A-Z]{3}$"),
                name="account_mapping_currency_iso",
                violation_error_message=_("A currency is a three-letter ISO 4217 code."),
            ),
            models.CheckConstraint(
                condition=~Q(debit_account=models.F("credit_account")),
                name="account_mapping_distinct_accounts",
                violation_error_message=_("The debit and the credit accounts must differ."),
            ),
        ]

    def __str__(self) -> str:
        scope = " · ".join(str(part) for part in (self.window, self.currency) if part)
        label = f"{self.get_kind_display()} · {scope}" if scope else str(self.get_kind_display())
        return f"{label}: {self.debit_account} / {self.credit_account}"

    def clean(self) -> None:
        super().clean()
        if self.kind == TransactionKind.INCOMING_FUNDS and self.window_id is not None:
            raise ValidationError(
                {"window": _("Incoming funds come from donors, not through a window: leave it blank.")}
            )
