"""The ledger: grant agreements, their tranches, allocations of donor money and IATI transactions.

Rows of `Transaction` are never edited or deleted: a correction is a new row that reverses one.
Running totals on `Contribution`, `Project` and `Tranche` are kept by the services in the same
database transaction as the rows they sum, and check constraints on them make the database
itself refuse an over-allocation or an over-disbursement, whatever the concurrency.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.money import CurrencyField, MoneyField, currency_shape_check
from members.models import Organisation

from .contributions import Contribution
from .projects import Project
from .totals import LedgerTotalsKept


class TransactionKind(models.IntegerChoices):
    """IATI TransactionType codes."""

    INCOMING_FUNDS = 1, _("Incoming funds")
    COMMITMENT = 2, _("Commitment")
    DISBURSEMENT = 3, _("Disbursement")
    EXPENDITURE = 4, _("Expenditure")


class AgreementStatus(models.TextChoices):
    AWAITING_SIGNATURES = "awaiting", _("Awaiting signatures")
    SIGNED = "signed", _("Signed by both sides")
    CLOSED = "closed", _("Closed")


# An agreement in one of these states was signed by both sides: money may be paid under it.
FULLY_SIGNED = (AgreementStatus.SIGNED, AgreementStatus.CLOSED)


def signed_copy_path(instance, filename: str) -> str:
    """Kept under MEDIA_ROOT, which is never served directly: views check who may read a file."""
    return f"agreements/{instance.pk}/{timezone.now():%Y%m%d%H%M%S}-signed.pdf"


class GrantAgreement(models.Model):
    """The signed agreement that commits the fund to a project; its tranches schedule the payments."""

    project = models.OneToOneField(
        Project, on_delete=models.PROTECT, related_name="agreement", verbose_name=_("project")
    )
    reference = models.CharField(_("agreement reference"), max_length=60, unique=True)
    grantee = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="grant_agreements", verbose_name=_("grantee")
    )
    signed_on = models.DateField(
        _("signed on"), help_text=_("The date of the commitment; each side's signature keeps its own date.")
    )
    amount = MoneyField(_("amount committed"))
    currency = CurrencyField()
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.AWAITING_SIGNATURES
    )
    signed_copy = models.FileField(_("signed copy"), upload_to=signed_copy_path, blank=True, editable=False)
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
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grant agreement")
        verbose_name_plural = _("grant agreements")
        ordering = ["-signed_on", "reference"]
        permissions = [("sign_grantagreement", _("Can record the signatures and signed copy of grant agreements"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="grant_agreement_amount_positive",
                violation_error_message=_("The amount committed must be more than zero."),
            ),
            currency_shape_check("currency", "grant_agreement_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.project.code}"

    @property
    def is_fully_signed(self) -> bool:
        """Both sides signed: only then is any money paid under the agreement."""
        return self.status in FULLY_SIGNED


class TrancheStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    AWAITING_CONDITION = "awaiting", _("Awaiting its condition")
    DUE = "due", _("Due")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class ReleaseCondition(models.TextChoices):
    """What releases a tranche, besides its due date."""

    NONE = "none", _("None: due on its date")
    REPORT = "report", _("A report approved")
    DOCUMENT = "document", _("A document received")
    DATE = "date", _("A date")
    OTHER = "other", _("Another condition, recorded by staff")


# Between a transaction's reference and description in its `search_text`: the unit separator, which no one types.
SEARCH_TEXT_SEPARATOR = "\x1f"
# Conditions met when someone records them: a report's approval, or staff recording the document or the event.
RECORDED_CONDITIONS = (ReleaseCondition.REPORT, ReleaseCondition.DOCUMENT, ReleaseCondition.OTHER)


def condition_problem(kind: str, description: str, release_on) -> tuple[str, str] | None:
    """What is wrong with a tranche's release condition, as (field, message), or None: the one statement of the
    rule, for the model and for the schedule the services check line by line."""
    if kind not in ReleaseCondition.values:
        return "condition_kind", _("Choose what releases the tranche.")
    if kind == ReleaseCondition.DATE and release_on is None:
        return "condition_met_on", _("Give the date that releases the tranche.")
    needed = {
        ReleaseCondition.REPORT: _("Say which report releases the tranche, for example the first annual report."),
        ReleaseCondition.DOCUMENT: _("Say which document releases the tranche."),
        ReleaseCondition.OTHER: _("Describe what releases the tranche."),
    }
    if kind in needed and not description.strip():
        return "condition", needed[kind]
    if kind == ReleaseCondition.NONE and description.strip():
        return "condition", _("A tranche without a release condition takes no description: choose what releases it.")
    return None


class Tranche(LedgerTotalsKept):
    """One planned payment of a grant agreement, released when its condition is met.

    A recorded condition (a report approved, a document received, another event) is met on the day it is
    recorded; a date condition is met on its date, kept in `condition_met_on` from the start.
    """

    LEDGER_TOTALS = ("disbursed_total", "cancelled_amount")

    agreement = models.ForeignKey(
        GrantAgreement, on_delete=models.CASCADE, related_name="tranches", verbose_name=_("agreement")
    )
    number = models.PositiveSmallIntegerField(_("tranche"))
    planned_date = models.DateField(_("planned date"))
    amount = MoneyField(_("amount"))
    condition_kind = models.CharField(
        _("released by"), max_length=10, choices=ReleaseCondition.choices, default=ReleaseCondition.NONE
    )
    condition = models.CharField(
        _("release condition"),
        max_length=200,
        blank=True,
        help_text=_('Which report or document, or what must happen: for example "Inception report".'),
    )
    condition_met_on = models.DateField(
        _("condition met on"), null=True, blank=True, help_text=_("For a date condition, its date.")
    )
    amendment = models.ForeignKey(
        "grants.Amendment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="tranches_added",
        verbose_name=_("added by amendment"),
        help_text=_("A cost extension's tranche: paid only once the amendment is signed by both sides."),
    )
    disbursed_total = MoneyField(_("disbursed"), default=0, editable=False)
    # What a cancellation took off the unpaid remainder: the sum of the tranche's decommitments, kept like
    # `disbursed_total`.
    cancelled_amount = MoneyField(_("cancelled"), default=0, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["agreement", "number"]
        permissions = [("cancel_tranche", _("Can cancel what is left to pay of a tranche"))]
        indexes = [
            models.Index(fields=["planned_date"], name="tranche_planned_date"),
            # What is left to pay, by date: the work queue's tranches due, overdue and awaiting their condition.
            models.Index(
                fields=["planned_date"],
                condition=Q(disbursed_total__lt=F("amount") - F("cancelled_amount")),
                name="tranche_unpaid",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"],
                name="tranche_unique_number",
                violation_error_message=_("This agreement already has a tranche with that number."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="tranche_amount_positive",
                violation_error_message=_("A tranche must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(disbursed_total__gte=0) & Q(disbursed_total__lte=F("amount") - F("cancelled_amount")),
                name="tranche_not_overpaid",
                violation_error_message=_("A tranche cannot be paid more than its amount, less what was cancelled."),
            ),
            models.CheckConstraint(
                condition=Q(cancelled_amount__gte=0),
                name="tranche_cancelled_not_negative",
                violation_error_message=_("What is cancelled of a tranche cannot be less than zero."),
            ),
            models.CheckConstraint(
                condition=~Q(condition_kind=ReleaseCondition.DATE) | Q(condition_met_on__isnull=False),
                name="tranche_date_condition_has_its_date",
                violation_error_message=_("Give the date that releases the tranche."),
            ),
        ]

    def __str__(self) -> str:
        return _("Tranche %(number)s of %(agreement)s") % {"number": self.number, "agreement": self.agreement.reference}

    def clean(self) -> None:
        super().clean()
        problem = condition_problem(self.condition_kind, self.condition, self.condition_met_on)
        if problem:
            raise ValidationError({problem[0]: problem[1]})

    @property
    def remaining(self):
        """What is left to pay: the amount, less what was paid and what was cancelled."""
        return self.amount - self.disbursed_total - self.cancelled_amount

    def condition_met_by(self, day) -> bool:
        """Whether the release condition is met on `day`: a date condition from its date, a recorded one once
        recorded."""
        if self.condition_kind == ReleaseCondition.NONE:
            return True
        if self.condition_met_on is None:
            return False
        return self.condition_kind != ReleaseCondition.DATE or self.condition_met_on <= day

    @property
    def condition_met(self) -> bool:
        return self.condition_met_by(timezone.localdate())

    @staticmethod
    def released_by(day) -> Q:
        """The tranches whose release condition is met on `day`, as a filter: the query form of `condition_met_by`."""
        return (
            Q(condition_kind=ReleaseCondition.NONE)
            | Q(condition_kind=ReleaseCondition.DATE, condition_met_on__lte=day)
            | Q(condition_kind__in=RECORDED_CONDITIONS, condition_met_on__isnull=False)
        )

    @property
    def release_condition(self) -> str:
        """The condition as the pages show it: what releases the tranche, or nothing when only its date does."""
        if self.condition_kind == ReleaseCondition.NONE:
            return ""
        if self.condition_kind == ReleaseCondition.DATE:
            on = _("Not before %(date)s") % {"date": date_format(self.condition_met_on)}
            return f"{on}: {self.condition}" if self.condition else on
        if self.condition_kind == ReleaseCondition.OTHER:
            return self.condition
        return f"{self.get_condition_kind_display()}: {self.condition}"

    def status_on(self, today=None) -> str:
        """Derived from what was disbursed against it, its date and its condition.

        A tranche whose date has not come is planned; once its date comes it is due, or awaits
        its condition if that is not met yet.
        """
        today = today or timezone.localdate()
        if self.disbursed_total >= self.amount:
            return TrancheStatus.PAID
        if self.cancelled_amount > 0 and self.remaining <= 0:
            return TrancheStatus.CANCELLED
        if self.disbursed_total > 0:
            return TrancheStatus.PARTLY_PAID
        if self.planned_date > today:
            return TrancheStatus.PLANNED
        if not self.condition_met_by(today):
            return TrancheStatus.AWAITING_CONDITION
        return TrancheStatus.DUE

    @property
    def status(self) -> str:
        return self.status_on()

    def get_status_display(self) -> str:
        return TrancheStatus(self.status).label


class Allocation(models.Model):
    """Part of a donor contribution earmarked for a project, in the contribution's currency."""

    contribution = models.ForeignKey(
        Contribution, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("contribution")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("project")
    )
    amount = MoneyField(_("amount allocated"))
    allocated_on = models.DateField(_("allocated on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["contribution", "project"]
        indexes = [models.Index(fields=["project", "contribution"], name="allocation_project")]
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "project"],
                name="allocation_unique_pair",
                violation_error_message=_("This contribution already funds that project; change the allocation."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="allocation_amount_positive",
                violation_error_message=_("An allocation must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contribution.reference} → {self.project.code}"


class AccountingPeriod(models.Model):
    """A period of the books; once closed, no transaction dated inside it can be recorded."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("closed by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("accounting period")
        verbose_name_plural = _("accounting periods")
        ordering = ["-start_date"]
        permissions = [
            ("close_accountingperiod", _("Can close accounting periods")),
            ("export_journal", _("Can export a period's accounting journal")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="accounting_period_end_not_before_start",
                violation_error_message=_("A period cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def clean(self) -> None:
        super().clean()
        if not (self.start_date and self.end_date):
            return
        overlapping = AccountingPeriod.objects.exclude(pk=self.pk).filter(
            start_date__lte=self.end_date, end_date__gte=self.start_date
        )
        if overlapping.exists():
            raise ValidationError(_("This period overlaps %(other)s.") % {"other": overlapping.first()})


class Transaction(models.Model):
    """One row of the ledger, in the IATI sense; never edited, never deleted."""

    kind = models.PositiveSmallIntegerField(_("type"), choices=TransactionKind.choices)
    value_date = models.DateField(_("value date"))
    amount = MoneyField(
        _("amount"), help_text=_("Negative only on a row that reverses another, or takes part of it back.")
    )
    currency = CurrencyField()
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provided_transactions",
        verbose_name=_("provider"),
    )
    receiver = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_transactions",
        verbose_name=_("receiver"),
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=250, blank=True)
    # The reference and the description in lower case, made by the database as the row is inserted (a ledger row
    # never changes): a search of the ledger's million rows compares the words as they are stored instead of
    # folding every row's case again (grants/selectors/ledger_search.py).
    search_text = models.GeneratedField(
        expression=Lower(Concat("reference", Value(SEARCH_TEXT_SEPARATOR), "description")),
        output_field=models.TextField(),
        db_persist=True,
    )
    contribution = models.ForeignKey(
        Contribution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("contribution"),
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("project"),
    )
    tranche = models.ForeignKey(
        Tranche,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("tranche"),
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    # A partial reversal: a negative commitment that cancels part of the agreement's commitment (a tranche
    # cancelled), or a negative disbursement that the grantee refunded. Several may take back parts of one row.
    takes_back = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="taken_back_by",
        verbose_name=_("takes back part of"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["search_text"])  # made again from the two it folds

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-value_date", "-pk"]
        permissions = [("reverse_transaction", _("Can reverse recorded transactions"))]
        indexes = [
            models.Index(fields=["project", "kind", "value_date"], name="transaction_project_kind"),
            models.Index(fields=["contribution", "kind"], name="transaction_contribution_kind"),
            models.Index(fields=["kind", "value_date"], name="transaction_kind_date"),
            # The ledger newest first, a page at a time (the API's list, the admin's).
            models.Index(fields=["-value_date", "-id"], name="transaction_recent"),
            # The admin's filter by currency, and the currencies it offers (common/loose_index_scan.py).
            models.Index(fields=["currency"], name="transaction_currency"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(takes_back__isnull=True) & Q(amount__gt=0))
                | (Q(reverses__isnull=False) & Q(takes_back__isnull=True) & Q(amount__lt=0))
                | (Q(reverses__isnull=True) & Q(takes_back__isnull=False) & Q(amount__lt=0)),
                name="transaction_amount_sign",
                violation_error_message=_(
                    "An amount must be more than zero; only a reversal, a cancellation or a refund is negative."
                ),
            ),
            models.CheckConstraint(
                condition=Q(takes_back__isnull=True)
                | Q(kind__in=[TransactionKind.COMMITMENT, TransactionKind.DISBURSEMENT]),
                name="transaction_takes_back_commitment_or_disbursement",
                violation_error_message=_("Only a commitment is cancelled in part, and only a disbursement refunded."),
            ),
            models.CheckConstraint(
                condition=(Q(kind=TransactionKind.INCOMING_FUNDS) & Q(contribution__isnull=False))
                | (~Q(kind=TransactionKind.INCOMING_FUNDS) & Q(project__isnull=False)),
                name="transaction_belongs_to_its_subject",
                violation_error_message=_("Incoming funds belong to a contribution; other transactions to a project."),
            ),
            models.CheckConstraint(
                condition=Q(tranche__isnull=True)
                | Q(kind=TransactionKind.DISBURSEMENT)
                | Q(kind=TransactionKind.COMMITMENT, takes_back__isnull=False),
                name="transaction_tranche_only_on_disbursement",
                violation_error_message=_(
                    "Only a disbursement is paid against a tranche, and only a cancellation takes back its commitment."
                ),
            ),
            currency_shape_check("currency", "transaction_currency_iso"),
        ]

    def __str__(self) -> str:
        # The kind's label from its enumeration: `get_kind_display()` builds a dictionary of every kind each time,
        # once per row of the admin's list (each row's checkbox is labelled with its row).
        return f"{TransactionKind(self.kind).label} {self.amount} {self.currency} ({self.value_date:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Ledger rows are never edited: record a reversal instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Ledger rows are never deleted: record a reversal instead."))
