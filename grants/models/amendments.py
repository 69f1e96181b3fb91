"""Amendments of a signed grant agreement, and the versions of its terms they leave behind.

An amendment is requested (by the grantee's partner in the portal or by staff) with its proposed terms, and
approved or declined by the committee; approving applies it in one transaction (grants/services/amendments.py)
and keeps a new `AgreementVersion`, so every version of the agreement can be read side by side. An approved
amendment is then signed by both sides, as the agreement was (`AmendmentSignatory`, recorded by the secretariat
from the signed letter); until it is, the money it adds is not paid.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.money import CurrencyField, MoneyField

from .agreements import Signatory
from .calls import BudgetCategory
from .ledger import GrantAgreement, ReleaseCondition


def amendment_signed_copy_path(instance, filename: str) -> str:
    """Kept under MEDIA_ROOT, which is never served directly: views check who may read a file."""
    return f"amendments/{instance.pk}/{timezone.now():%Y%m%d%H%M%S}-signed.pdf"


class AmendmentKind(models.TextChoices):
    BUDGET_REVISION = "budget_revision", _("Budget revision")
    NO_COST_EXTENSION = "no_cost_extension", _("No-cost extension")
    COST_EXTENSION = "cost_extension", _("Cost extension")


class AmendmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Amendment(models.Model):
    """A change to a signed agreement's terms: its budget lines, its end date, or more money."""

    agreement = models.ForeignKey(
        GrantAgreement, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("agreement")
    )
    number = models.PositiveSmallIntegerField(_("amendment"))
    kind = models.CharField(_("kind"), max_length=20, choices=AmendmentKind.choices)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=AmendmentStatus.choices, default=AmendmentStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    by_partner = models.BooleanField(_("requested by the partner"), default=False)
    new_end_date = models.DateField(_("new end date"), null=True, blank=True)
    additional_amount = MoneyField(_("additional amount"), null=True, blank=True)
    currency = CurrencyField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    signed_on = models.DateField(
        _("signed by both sides on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The day the second side signed the approved amendment; empty while it awaits signatures."),
    )
    signed_copy = models.FileField(_("signed copy"), upload_to=amendment_signed_copy_path, blank=True, editable=False)
    signed_copy_uploaded_at = models.DateTimeField(_("signed copy uploaded"), null=True, blank=True, editable=False)
    signed_copy_uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("signed copy uploaded by"),
    )

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["agreement", "number"]
        permissions = [("decide_amendment", _("Can approve or decline amendments"))]
        indexes = [models.Index(fields=["status", "requested_at"], name="amendment_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"],
                name="amendment_unique_number",
                violation_error_message=_("This agreement already has an amendment with that number."),
            ),
            models.CheckConstraint(
                condition=Q(additional_amount__isnull=True) | Q(additional_amount__gt=0),
                name="amendment_additional_amount_positive",
                violation_error_message=_("The additional amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(kind=AmendmentKind.COST_EXTENSION, additional_amount__isnull=False)
                | (~Q(kind=AmendmentKind.COST_EXTENSION) & Q(additional_amount__isnull=True)),
                name="amendment_more_money_only_by_cost_extension",
                violation_error_message=_("Only a cost extension adds money, and it must say how much."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=AmendmentKind.NO_COST_EXTENSION) | Q(new_end_date__isnull=False),
                name="amendment_extension_has_end_date",
                violation_error_message=_("A no-cost extension gives the new end date."),
            ),
            models.CheckConstraint(
                condition=Q(signed_on__isnull=True) | Q(status=AmendmentStatus.APPROVED),
                name="amendment_signed_only_when_approved",
                violation_error_message=_("Only an approved amendment is signed."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=AmendmentKind.BUDGET_REVISION) | Q(new_end_date__isnull=True),
                name="amendment_revision_keeps_end_date",
                violation_error_message=_("A budget revision does not move the end date."),
            ),
        ]

    def __str__(self) -> str:
        return _("Amendment %(number)s of %(agreement)s") % {
            "number": self.number,
            "agreement": self.agreement.reference,
        }

    @property
    def new_amount(self):
        return self.agreement.amount + (self.additional_amount or 0)

    @property
    def awaits_signatures(self) -> bool:
        return self.status == AmendmentStatus.APPROVED and self.signed_on is None


class AmendmentSignatory(Signatory):
    """A person who signed an approved amendment for one side, and the day they signed."""

    amendment = models.ForeignKey(
        Amendment, on_delete=models.PROTECT, related_name="signatories", verbose_name=_("amendment")
    )

    class Meta:
        verbose_name = _("signatory of an amendment")
        verbose_name_plural = _("signatories of amendments")
        ordering = ["amendment", "side", "signed_on", "pk"]
        indexes = [models.Index(fields=["amendment", "side"], name="amendment_signatory_side")]


class AmendmentBudgetLine(models.Model):
    """A budget line as the amendment proposes it; approving replaces the agreement's lines with these."""

    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("amendment")
    )
    category = models.CharField(_("category"), max_length=12, choices=BudgetCategory.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = MoneyField(_("amount"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("proposed budget line")
        verbose_name_plural = _("proposed budget lines")
        ordering = ["amendment", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="amendment_budget_line_not_negative",
                violation_error_message=_("A budget line cannot be less than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.amount}"


class AmendmentTranche(models.Model):
    """A new tranche of a cost extension, paying its additional amount."""

    amendment = models.ForeignKey(Amendment, on_delete=models.CASCADE, related_name="tranches")
    planned_date = models.DateField(_("planned date"))
    amount = MoneyField(_("amount"))
    condition_kind = models.CharField(
        _("released by"), max_length=10, choices=ReleaseCondition.choices, default=ReleaseCondition.NONE
    )
    condition = models.CharField(_("release condition"), max_length=200, blank=True)
    release_on = models.DateField(_("released on"), null=True, blank=True)

    class Meta:
        verbose_name = _("new tranche")
        verbose_name_plural = _("new tranches")
        ordering = ["amendment", "planned_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="amendment_tranche_amount_positive",
                violation_error_message=_("A tranche must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.planned_date}: {self.amount}"


class AmendmentTransition(models.Model):
    """One step of an amendment through its workflow: who, when, from, to, why."""

    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("amendment")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=AmendmentStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=AmendmentStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["amendment", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class AgreementVersion(models.Model):
    """The agreement's terms as they stood: version 1 at signing, one more after each approved amendment.

    `terms` is a snapshot (amount, currency, end date, tranches with their conditions, budget lines), never
    edited, so a later change to the agreement leaves the earlier versions as they were.
    """

    agreement = models.ForeignKey(
        GrantAgreement, on_delete=models.CASCADE, related_name="versions", verbose_name=_("agreement")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    terms = models.JSONField(_("terms"))
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    amendment = models.OneToOneField(
        Amendment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="version",
        verbose_name=_("amendment"),
    )

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"],
                name="agreement_version_unique_number",
                violation_error_message=_("This agreement already has a version with that number."),
            ),
        ]

    def __str__(self) -> str:
        return _("Version %(number)s of %(agreement)s") % {"number": self.number, "agreement": self.agreement_id}


def agreement_terms(*, agreement, end_date, tranches, budget_lines) -> dict:
    """The terms of an agreement as a version keeps them, from plain attributes (historical models in a
    migration read the same)."""
    return {
        "amount": str(agreement.amount),
        "currency": agreement.currency,
        "signed_on": agreement.signed_on.isoformat(),
        "end_date": end_date.isoformat(),
        "tranches": [
            {
                "number": tranche.number,
                "planned_date": tranche.planned_date.isoformat(),
                "amount": str(tranche.amount),
                "condition_kind": tranche.condition_kind,
                "condition": tranche.condition,
                "release_on": tranche.condition_met_on.isoformat()
                if tranche.condition_kind == ReleaseCondition.DATE and tranche.condition_met_on
                else None,
            }
            for tranche in tranches
        ],
        "budget_lines": [
            {"category": line.category, "description": line.description, "amount": str(line.amount)}
            for line in budget_lines
        ],
    }
