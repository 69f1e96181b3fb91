"""Donor agreements: what a donor pledged to the multi-donor fund, in which currency, when."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.money import (
    CurrencyField,
    MoneyField,
    currency_shape_check,
    format_money,
    require_booked_currency_kept,
)
from members.models import Organisation

from .catalogue import Facility, FundingWindow
from .totals import LedgerTotalsKept


class ContributionStatus(models.TextChoices):
    PLEDGED = "pledged", _("Pledged")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Contribution(LedgerTotalsKept):
    """A donor agreement with the fund, such as SECO's CHF 4,820,000 for 2013-2017."""

    LEDGER_TOTALS = ("received_total", "allocated_total")

    donor = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="contributions", verbose_name=_("donor")
    )
    reference = models.CharField(_("agreement reference"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    amount = MoneyField(_("amount pledged"))
    currency = CurrencyField()
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    status = models.CharField(
        _("status"), max_length=12, choices=ContributionStatus.choices, default=ContributionStatus.PLEDGED
    )
    contract_partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="contracted_contributions",
        null=True,
        blank=True,
        verbose_name=_("contract partner"),
        help_text=_("The organisation that signs the agreement for the fund, such as UNOPS."),
    )
    budget_inclusive_of_partners = MoneyField(
        _("budget inclusive of partners"),
        null=True,
        blank=True,
        help_text=_("The whole programme budget this contribution is part of, in the same currency."),
    )
    earmarked_window = models.ForeignKey(
        FundingWindow,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="earmarked_contributions",
        verbose_name=_("earmarked for window"),
    )
    earmarked_facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="earmarked_contributions",
        verbose_name=_("earmarked for facility"),
    )
    received_total = MoneyField(_("received"), default=0, editable=False)
    allocated_total = MoneyField(_("allocated"), default=0, editable=False)
    is_demo = models.BooleanField(
        _("demo record"), default=False, help_text=_("Illustrative record loaded with the demo portfolio.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["received_total", "allocated_total"])

    class Meta:
        verbose_name = _("donor contribution")
        verbose_name_plural = _("donor contributions")
        ordering = ["-start_date", "reference"]
        indexes = [models.Index(fields=["donor", "start_date"], name="contribution_donor_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="contribution_amount_positive",
                violation_error_message=_("The amount pledged must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="contribution_end_not_before_start",
                violation_error_message=_("The agreement cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(budget_inclusive_of_partners__isnull=True)
                | Q(budget_inclusive_of_partners__gte=F("amount")),
                name="contribution_inclusive_budget_covers_amount",
                violation_error_message=_("The budget inclusive of partners cannot be less than the amount pledged."),
            ),
            currency_shape_check("currency", "contribution_currency_iso"),
            models.CheckConstraint(
                condition=Q(allocated_total__gte=0) & Q(allocated_total__lte=F("amount")),
                name="contribution_not_overallocated",
                violation_error_message=_("Allocations cannot exceed the amount pledged."),
            ),
            models.CheckConstraint(
                condition=Q(received_total__gte=0) & Q(received_total__lte=F("amount")),
                name="contribution_not_overpaid",
                violation_error_message=_("A donor cannot pay in more than it pledged."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    def clean(self) -> None:
        super().clean()
        # Allocations are in the contribution's currency too: they would silently change their meaning.
        require_booked_currency_kept(self, "transactions", "allocations")
        both_earmarked = self.earmarked_facility_id and self.earmarked_window_id
        if both_earmarked and self.earmarked_facility.window_id != self.earmarked_window_id:
            raise ValidationError(
                {"earmarked_facility": _("This facility belongs to another window than the one earmarked.")}
            )
        if self.pk is not None and self.amount is not None:
            scheduled = self.instalments.aggregate(total=models.Sum("amount"))["total"]
            if error := pledge_schedule_error(pledged=self.amount, scheduled=scheduled, currency=self.currency):
                raise ValidationError({"amount": error})


def pledge_schedule_error(*, pledged: Decimal, scheduled: Decimal | None, currency: str) -> str | None:
    """Why a schedule of instalments does not fit the amount pledged, or None when it does."""
    if scheduled is None or scheduled <= pledged:
        return None
    return _("The pledge schedule plans %(scheduled)s: the amount pledged cannot be less.") % {
        "scheduled": format_money(scheduled, currency)
    }


class PledgeInstalment(models.Model):
    """One payment the donor agreement schedules: how much the donor is to pay in, and by when.

    Receipts (incoming funds) are not tied to an instalment: they are compared with the schedule in order,
    as donors' transfers seldom match their instalments one for one."""

    contribution = models.ForeignKey(
        Contribution, on_delete=models.CASCADE, related_name="instalments", verbose_name=_("contribution")
    )
    due_date = models.DateField(_("due"))
    amount = MoneyField(_("amount"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pledge instalment")
        verbose_name_plural = _("pledge schedule")
        ordering = ["contribution", "due_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "due_date"],
                name="pledge_instalment_unique_date",
                violation_error_message=_("The schedule already has an instalment due that day."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="pledge_instalment_amount_positive",
                violation_error_message=_("An instalment must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return _("Instalment due %(date)s") % {"date": self.due_date.isoformat()}


class PhaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    COMPLETED = "completed", _("Completed")


class ContributionPhase(models.Model):
    """A numbered phase of a donor agreement, inside the agreement's period."""

    contribution = models.ForeignKey(
        Contribution, on_delete=models.CASCADE, related_name="phases", verbose_name=_("contribution")
    )
    number = models.PositiveSmallIntegerField(_("phase"))
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    status = models.CharField(_("status"), max_length=10, choices=PhaseStatus.choices, default=PhaseStatus.PLANNED)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["contribution", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "number"],
                name="contribution_phase_unique_number",
                violation_error_message=_("This agreement already has a phase with that number."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="contribution_phase_end_not_before_start",
                violation_error_message=_("A phase cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(number__gt=0),
                name="contribution_phase_number_positive",
                violation_error_message=_("Phases count from 1."),
            ),
        ]

    def __str__(self) -> str:
        return _("Phase %(number)s") % {"number": self.number}

    def clean(self) -> None:
        super().clean()
        if not (self.contribution_id and self.start_date and self.end_date):
            return
        agreement = self.contribution
        if self.start_date < agreement.start_date or self.end_date > agreement.end_date:
            raise ValidationError(_("A phase must fall inside the agreement's period."))
