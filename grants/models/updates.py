"""Project updates: short news with photos that a project's partners post from the portal, and that reach the
public, the feed and the project's donors once the secretariat publishes them (Akvo RSR's "updates")."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Organisation

from .projects import Project

TITLE_MAX_LENGTH = 120
TEXT_MAX_LENGTH = 2000
CAPTION_MAX_LENGTH = 200
REASON_MAX_LENGTH = 2000


class UpdateStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ProjectUpdate(models.Model):
    """One update on a project, by a person of one of its partner organisations. Never deleted: it is rejected
    (with the reason, e-mailed to its author) or withdrawn, and its history stays."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="updates", verbose_name=_("project"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="project_updates", verbose_name=_("organisation")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    text = models.TextField(_("text"), max_length=TEXT_MAX_LENGTH)
    event_date = models.DateField(_("date of the news"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=UpdateStatus.choices, default=UpdateStatus.SUBMITTED)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    decided_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("project update")
        verbose_name_plural = _("project updates")
        ordering = ["-created_at", "-pk"]
        permissions = [("moderate_projectupdate", _("Can publish or reject partners' project updates"))]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="update_published_order"),
            models.Index(fields=["project", "status", "-published_at"], name="update_project_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title="") & ~Q(text=""),
                name="update_has_title_and_text",
                violation_error_message=_("An update has a title and a text."),
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="update_published_has_a_time",
                violation_error_message=_("A published update has the moment it was published."),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="update_rejected_has_a_reason",
                violation_error_message=_("Say why the update is rejected: its author reads it."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{self.project.get_absolute_url()}#update-{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.status == UpdateStatus.PUBLISHED and self.project.is_public


def photo_path(instance: UpdatePhoto, filename: str) -> str:
    """Never served from the storage directly: the download view checks who may see an unpublished photo."""
    return f"updates/{instance.update_id}/{uuid.uuid4().hex}-{filename}"


class UpdatePhoto(models.Model):
    """A photo of an update, as stored: re-encoded as JPEG, at most `PHOTO_LONGEST_SIDE` pixels on its longest
    side, with no metadata (EXIF, GPS, XMP); and its thumbnail."""

    update = models.ForeignKey(ProjectUpdate, on_delete=models.PROTECT, related_name="photos", verbose_name=_("update"))
    image = models.FileField(_("photo"), upload_to=photo_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=photo_path, max_length=200)
    caption = models.CharField(
        _("caption"), max_length=CAPTION_MAX_LENGTH, help_text=_("What the photo shows: its text for screen readers.")
    )
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("update photo")
        verbose_name_plural = _("update photos")
        ordering = ["update", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(caption=""),
                name="update_photo_has_a_caption",
                violation_error_message=_("Describe the photo: the caption is its text for screen readers."),
            ),
        ]

    def __str__(self) -> str:
        return self.caption

    def url(self, variant: str = "image") -> str:
        return reverse("grants:update-photo", args=[self.pk, variant])
