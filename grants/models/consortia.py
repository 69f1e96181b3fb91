"""Consortia: the organisations a lead applicant invites to apply with it, each with the right to view or to edit.

A member row goes invited → accepted or declined; the lead removes an invited or accepted member while the
application is a draft, and may invite a declined or removed organisation again (the same row, invited anew).
Accepted members become the project's implementing partners when the application is awarded.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import Organisation

from .calls import Application


class ConsortiumRights(models.TextChoices):
    VIEW = "view", _("View")
    EDIT = "edit", _("Edit")


class ConsortiumStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    REMOVED = "removed", _("Removed")


class ConsortiumMember(models.Model):
    """A co-applicant organisation of an application, invited by the lead applicant's partners."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="consortium", verbose_name=_("application")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="consortium_memberships", verbose_name=_("organisation")
    )
    rights = models.CharField(
        _("rights"), max_length=8, choices=ConsortiumRights.choices, default=ConsortiumRights.VIEW
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ConsortiumStatus.choices, default=ConsortiumStatus.INVITED
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("co-applicant")
        verbose_name_plural = _("co-applicants")
        ordering = ["application", "invited_at", "pk"]
        indexes = [models.Index(fields=["organisation", "status"], name="consortium_org_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "organisation"],
                name="consortium_member_once",
                violation_error_message=_("This organisation is already invited to the application."),
            ),
            models.CheckConstraint(
                condition=(Q(status__in=["accepted", "declined"]) & Q(answered_at__isnull=False))
                | (Q(status="removed") & Q(removed_at__isnull=False))
                | Q(status="invited"),
                name="consortium_member_answer_dated",
                violation_error_message=_("An answer or a removal records when it was given."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_rights_display()} ({self.get_status_display()})"

    def clean(self) -> None:
        super().clean()
        # The database refuses it too (a trigger on PostgreSQL): a constraint cannot read the application's row.
        if self.application_id and self.organisation_id == self.application.organisation_id:
            raise ValidationError({"organisation": _("The lead applicant is not its own co-applicant.")})

    @property
    def is_accepted(self) -> bool:
        return self.status == ConsortiumStatus.ACCEPTED

    @property
    def may_edit(self) -> bool:
        return self.is_accepted and self.rights == ConsortiumRights.EDIT
