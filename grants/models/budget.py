"""A grant's budget: what the agreement's money is for, line by line, in the grant's currency.

The lines add up to the agreement's amount (checked by the services that write them: signing and amendments);
financial reports account for expenditure against them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.money import MoneyField

from .calls import BudgetCategory
from .ledger import GrantAgreement


class GrantBudgetLine(models.Model):
    agreement = models.ForeignKey(
        GrantAgreement, on_delete=models.PROTECT, related_name="budget_lines", verbose_name=_("agreement")
    )
    category = models.CharField(_("category"), max_length=12, choices=BudgetCategory.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = MoneyField(_("amount"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["agreement", "order", "pk"]
        constraints = [
            # A revision may empty a line that has been spent on elsewhere, but never make it negative.
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="grant_budget_line_not_negative",
                violation_error_message=_("A budget line cannot be less than zero."),
            ),
        ]

    def __str__(self) -> str:
        label = self.get_category_display()
        return f"{label}: {self.description}" if self.description else label
