"""A project's closeout: the checklist kept at closing, who closed and reopened it and why, the evaluation and a
write-off of an unspent balance the grantee will not return.

A closed project is locked: the ledger's services refuse every new row on it until it is reopened, with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.money import MoneyField

from .projects import Project, ProjectStatus


class CloseoutStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


def evaluation_upload_path(instance, filename: str) -> str:
    """Kept under MEDIA_ROOT, which is never served directly: a view checks who may read the file."""
    return f"closeouts/{instance.project_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class Closeout(models.Model):
    """The closeout of one project: made when staff first act on it (a write-off, the evaluation, closing)."""

    project = models.OneToOneField(
        Project, on_delete=models.PROTECT, related_name="closeout", verbose_name=_("project")
    )
    status = models.CharField(_("status"), max_length=10, choices=CloseoutStatus.choices, default=CloseoutStatus.OPEN)
    evaluation = models.FileField(_("evaluation"), upload_to=evaluation_upload_path, blank=True, editable=False)
    evaluation_name = models.CharField(_("evaluation file name"), max_length=200, blank=True, editable=False)
    evaluation_type = models.CharField(_("evaluation file type"), max_length=100, blank=True, editable=False)
    evaluation_uploaded_at = models.DateTimeField(_("evaluation uploaded at"), null=True, blank=True, editable=False)
    written_off = MoneyField(_("written off"), default=0, editable=False)
    write_off_reason = models.TextField(_("why it is written off"), blank=True, editable=False)
    written_off_at = models.DateTimeField(_("written off at"), null=True, blank=True, editable=False)
    written_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("written off by"),
    )
    checklist = models.JSONField(_("checklist at closing"), default=list, blank=True, editable=False)
    status_before = models.PositiveSmallIntegerField(
        _("project status before closing"), choices=ProjectStatus.choices, null=True, blank=True, editable=False
    )
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
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True, editable=False)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("reopened by"),
    )
    reopen_reason = models.TextField(_("why it was reopened"), blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("closeout")
        verbose_name_plural = _("closeouts")
        ordering = ["-closed_at", "project"]
        permissions = [
            ("close_project", _("Can close a project, locking its ledger, and reopen it")),
            ("write_off_balance", _("Can write off a project's unspent balance")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(written_off__gte=0),
                name="closeout_write_off_not_negative",
                violation_error_message=_("A write-off cannot be less than zero."),
            ),
            models.CheckConstraint(
                condition=Q(written_off=0) | ~Q(write_off_reason=""),
                name="closeout_write_off_has_reason",
                violation_error_message=_("Say why the balance is written off."),
            ),
            models.CheckConstraint(
                condition=~Q(status=CloseoutStatus.CLOSED) | Q(closed_at__isnull=False),
                name="closeout_closed_has_date",
                violation_error_message=_("A closed project has the date it was closed."),
            ),
        ]

    def __str__(self) -> str:
        return _("Closeout of %(code)s") % {"code": self.project.code}

    @property
    def is_closed(self) -> bool:
        return self.status == CloseoutStatus.CLOSED


class CloseoutTransition(models.Model):
    """One step of a closeout: closed or reopened, by whom, when and why."""

    closeout = models.ForeignKey(
        Closeout, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("closeout")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=CloseoutStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=CloseoutStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for a step the system took (the demo, an import)."),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("closeout step")
        verbose_name_plural = _("closeout steps")
        ordering = ["closeout", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.closeout} · {self.from_status} → {self.to_status}"
