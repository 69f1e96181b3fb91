"""Payment requests and payment runs: a partner asks for released money, two staff decide, the treasury pays.

A request goes requested → checked (a programme officer) → approved (a finance officer, who records the
disbursement) → paid (when the bank confirms the run it was paid in). The checker, the approver and the
requester are three different people: the services say so and the database refuses it too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.money import CurrencyField, MoneyField, currency_shape_check
from members.models import BankAccount

from .ledger import Tranche, Transaction


class PaymentRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CHECKED = "checked", _("Checked")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    RETURNED = "returned", _("Returned")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Still holding part of its tranche: what a new request on the tranche must leave room for.
OPEN_PAYMENT_STATUSES = (PaymentRequestStatus.REQUESTED, PaymentRequestStatus.CHECKED)


class PaymentRunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to the bank")
    CONFIRMED = "confirmed", _("Confirmed paid")


class PaymentRun(models.Model):
    """Approved requests put together in one file for the treasury; confirmed paid with the bank's value date."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentRunStatus.choices, default=PaymentRunStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("made by")
    )
    created_at = models.DateTimeField(_("made"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    value_date = models.DateField(_("bank's value date"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment run")
        verbose_name_plural = _("payment runs")
        ordering = ["-created_at", "-pk"]
        permissions = [("confirm_paymentrun", _("Can confirm a payment run paid"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=PaymentRunStatus.CONFIRMED) | Q(value_date__isnull=False),
                name="payment_run_confirmed_has_value_date",
                violation_error_message=_("A confirmed run has the bank's value date."),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class PaymentRequest(models.Model):
    """A partner's request to be paid (part of) a released tranche, into its verified bank account."""

    number = models.CharField(_("request number"), max_length=80, unique=True)
    tranche = models.ForeignKey(
        Tranche, on_delete=models.PROTECT, related_name="payment_requests", verbose_name=_("tranche")
    )
    amount = MoneyField(_("amount"))
    currency = CurrencyField()
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="payment_requests", verbose_name=_("bank account")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentRequestStatus.choices, default=PaymentRequestStatus.REQUESTED
    )
    note = models.CharField(_("partner's note"), max_length=250, blank=True)
    reason = models.TextField(_("reason given"), blank=True, help_text=_("Why it was returned or declined."))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    disbursement = models.OneToOneField(
        Transaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_request",
        verbose_name=_("disbursement"),
    )
    run = models.ForeignKey(
        PaymentRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("payment run"),
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payment request")
        verbose_name_plural = _("payment requests")
        ordering = ["-requested_at", "-pk"]
        permissions = [
            ("check_paymentrequest", _("Can check payment requests")),
            ("approve_paymentrequest", _("Can approve payment requests")),
        ]
        indexes = [
            # The admin's list filtered by status and currency, and the work queue's counts by status.
            models.Index(fields=["status", "currency"], name="payment_request_status"),
            models.Index(fields=["tranche", "status"], name="payment_request_tranche"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_request_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            currency_shape_check("currency", "payment_request_currency_iso"),
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True) | Q(approved_by__isnull=True) | ~Q(checked_by=F("approved_by")),
                name="payment_request_checker_is_not_approver",
                violation_error_message=_("The person who checked a payment request cannot also approve it."),
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("requested_by")),
                name="payment_request_requester_is_not_approver",
                violation_error_message=_("The person who requested a payment cannot approve it."),
            ),
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True) | ~Q(checked_by=F("requested_by")),
                name="payment_request_requester_is_not_checker",
                violation_error_message=_("The person who requested a payment cannot check it."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[PaymentRequestStatus.APPROVED, PaymentRequestStatus.PAID])
                | Q(disbursement__isnull=False, approved_by__isnull=False, checked_by__isnull=False),
                name="payment_request_approved_is_disbursed",
                violation_error_message=_("An approved request is checked, approved and recorded in the ledger."),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PAYMENT_STATUSES


class PaymentRequestTransition(models.Model):
    """One step of a payment request: who, when, from, to, why."""

    request = models.ForeignKey(
        PaymentRequest, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("payment request")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=PaymentRequestStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=PaymentRequestStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("payment request status change")
        verbose_name_plural = _("payment request status changes")
        ordering = ["request", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"
