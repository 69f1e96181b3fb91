"""Donor reports: PDF statements of what a donor's money funded in a period, made by Celery workers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from common.dates import date_span
from common.money import CurrencyField
from members.models import Organisation


class ReportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being made")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class DonorReport(models.Model):
    """A request for a donor's report on a period, and, once a worker has made it, the PDF."""

    donor = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="donor_reports", verbose_name=_("donor")
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    currency = CurrencyField(
        blank=True,
        help_text=_("The currency of the report's totals; empty on reports made before donors chose one."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportJobStatus.choices, default=ReportJobStatus.QUEUED
    )
    is_scheduled = models.BooleanField(_("scheduled"), default=False, help_text=_("Made by the quarterly schedule."))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The report is written in the language of the person who asked for it."),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        _("last sign of life"), null=True, blank=True, help_text=_("Given by the worker making the report.")
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    worker = models.CharField(
        _("worker"), max_length=200, blank=True, help_text=_("The Celery worker that took the report last.")
    )
    file = models.FileField(_("PDF"), upload_to="donor-reports/%Y/", blank=True)
    pages = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    failure_reason = models.TextField(_("why it failed"), blank=True)

    class Meta:
        verbose_name = _("donor report")
        verbose_name_plural = _("donor reports")
        ordering = ["-requested_at", "-pk"]
        permissions = [("request_donorreport", _("Can request and remake any donor's reports"))]
        indexes = [
            models.Index(fields=["donor", "-requested_at"], name="donor_report_list"),
            models.Index(fields=["status", "heartbeat_at"], name="donor_report_claim"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="donor_report_period_order",
                violation_error_message=_("A report's period cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["donor", "period_start", "period_end"],
                condition=Q(is_scheduled=True),
                name="donor_report_scheduled_once",
                violation_error_message=_("The scheduled report for this period already exists."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.donor} · {date_span(self.period_start, self.period_end)} · {self.shown_currency}"

    @property
    def shown_currency(self) -> str:
        """The currency of the report's totals: the one asked for, the reporting currency on older reports."""
        return self.currency or settings.REPORTING_CURRENCY

    @property
    def is_finished(self) -> bool:
        return self.status in {ReportJobStatus.READY, ReportJobStatus.FAILED}

    @property
    def filename(self) -> str:
        name = "".join(ch if ch.isalnum() else "-" for ch in (self.donor.short_name or self.donor.name)).strip("-")
        return f"{name}-donor-report-{self.period_start:%Y-%m-%d}-{self.period_end:%Y-%m-%d}.pdf"
